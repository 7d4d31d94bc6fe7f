#include "scenarios/session.hpp"

#include <stdexcept>

#include "allocators/reserved_unknown.hpp"

namespace allocbench {

Session::Session(Params params, std::uint64_t seed, bool cache_sim, std::string label)
    : params_(std::move(params)),
      seed_(seed),
      cache_sim_(cache_sim),
      label_(std::move(label)),
      cal_(calibrate_timer()),
      hist_(Histogram::kUnitTicks),
      batched_(Histogram::kUnitNs16),
      perf_(cache_sim ? PerfCounters() : PerfCounters::open()) {
  if (auto it = params_.find("batch"); it != params_.end() && it->second > 0) {
    batch_ = static_cast<std::size_t>(it->second);
  }
}

std::int64_t Session::param(std::string_view name) const {
  auto it = params_.find(std::string(name));
  if (it == params_.end())
    throw std::logic_error("scenario asked for unknown parameter " + std::string(name));
  return it->second;
}

void Session::relabel_param(const std::string& name, std::int64_t ran) {
  auto it = params_.find(name);
  if (it == params_.end() || it->second == ran) return;
  extra_[name + "_requested"] = it->second;
  it->second = ran;
}

void Session::note_backend(const AllocatorStats& s) noexcept {
  // What the runtime was built with, as the backend reports it (a slab's slots and capacity are
  // sized per parameter set: W=16384 needs more than the default 1,024 slots). Kept from the
  // first call; a growing slab's chunks are taken at the last.
  if (!backend_config_) {
    backend_config_.emplace();
    backend_config_->slot_size_bytes = s.slot_size;
    backend_config_->is_slab = s.is_slab;
  }
  if (s.is_slab) {
    backend_config_->capacity_slots = s.capacity;
    backend_config_->chunks = s.chunks;
  }
  if (s.bytes_requested > peak_requested_) peak_requested_ = s.bytes_requested;
  if (reserved_known(s)) {
    reserved_known_ = true;
    if (s.bytes_reserved > peak_reserved_) peak_reserved_ = s.bytes_reserved;
  }
}

void Session::accumulate(const PerfCounts& c) noexcept {
  if (!perf_total_) perf_total_ = PerfCounts{};
  perf_total_->l1d_read_misses += c.l1d_read_misses;
  perf_total_->llc_misses += c.llc_misses;
  perf_total_->instructions += c.instructions;
  perf_total_->cycles += c.cycles;
  perf_total_->running_fraction = std::min(perf_total_->running_fraction, c.running_fraction);
}

void Session::merge(const Session& o) {
  hist_.merge(o.hist_);
  batched_.merge(o.batched_);
  if (o.batched_ops_) batched_ops_ = o.batched_ops_;
  timed_ticks_ = std::max(timed_ticks_, o.timed_ticks_);  // threads run side by side
  ops_ += o.ops_;
  global_allocs_ += o.global_allocs_;
  backend_allocs_ += o.backend_allocs_;
  peak_requested_ += o.peak_requested_;
  if (o.reserved_known_) {
    peak_reserved_ += o.peak_reserved_;
    reserved_known_ = true;
  }
  if (o.perf_total_) accumulate(*o.perf_total_);
}

Measurement Session::result(std::string_view scenario, double wall_ns) const {
  Measurement m;
  m.scenario = scenario;
  m.params = params_;
  // The batch size shapes only the batched histogram; it goes with it, so results keep their
  // identity (scenario + workload params) across batch sizes and older reports.
  m.params.erase("batch");
  m.ops = ops_;
  m.elapsed_ns = timed_ns();
  m.wall_ns = wall_ns;
  const double secs = timed_ns() / 1e9;
  if (secs > 0) m.ops_per_sec = static_cast<double>(ops_) / secs;
  m.latency = hist_;
  m.latency_of = latency_of_;
  if (batched_ops_ && batched_.count()) {
    m.latency_batched = batched_;
    m.latency_batch = batched_ops_;
  } else {
    m.latency_batched_unavailable = batched_unavailable_.empty()
                                        ? "this scenario records no batched latency"
                                        : batched_unavailable_;
  }
  if (frame_size_) m.frame_size_bytes = frame_size_;
  const double ops = ops_ ? static_cast<double>(ops_) : 1.0;
  if (alloc_counter::enabled()) {
    m.allocations_per_op = static_cast<double>(global_allocs_) / ops;
  } else {
    m.allocations_unavailable = "global operator new is not instrumented in this build";
  }
  m.backend_allocations_per_op = static_cast<double>(backend_allocs_) / ops;
  m.requested_bytes = peak_requested_;
  if (reserved_known_) m.reserved_bytes = peak_reserved_;
  m.cache = cache_sim_ ? CacheFigures::callgrind(label_) : cache_figures(perf_, perf_total_, ops_);
  m.extra = extra_;
  m.backend_config = backend_config_;
  return m;
}

}  // namespace allocbench
