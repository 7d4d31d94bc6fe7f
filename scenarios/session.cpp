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
  try {
    if (backend_config_.is_null()) {
      backend_config_ = {{"slot_size_bytes", s.slot_size},
                         {"is_slab", s.is_slab},
                         {"capacity_slots", s.is_slab ? nlohmann::json(s.capacity) : nullptr}};
    }
    if (s.is_slab) {
      backend_config_["capacity_slots"] = s.capacity;
      backend_config_["chunks"] = s.chunks;
    }
  } catch (...) {  // noexcept: a failed allocation leaves the field out, never ends the run
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

nlohmann::json Session::result_json(std::string_view scenario, double wall_ns) const {
  using nlohmann::json;
  json r;
  r["scenario"] = scenario;
  r["params"] = params_;
  // The batch size shapes only the batched histogram; it goes with it, so results keep their
  // identity (scenario + workload params) across batch sizes and older reports.
  r["params"].erase("batch");
  r["ops"] = ops_;
  r["elapsed_ns"] = timed_ns();
  r["wall_ns"] = wall_ns;
  const double secs = timed_ns() / 1e9;
  r["ops_per_sec"] = secs > 0 ? json(static_cast<double>(ops_) / secs) : json(nullptr);
  r["latency_histogram"] = hist_.to_json();
  r["latency_of"] = latency_of_;
  if (batched_ops_ && batched_.count()) {
    r["latency_batched_histogram"] = batched_.to_json();
    r["latency_batch"] = batched_ops_;
  } else {
    r["latency_batched_unavailable"] = batched_unavailable_.empty()
                                           ? "this scenario records no batched latency"
                                           : batched_unavailable_;
  }
  r["frame_size_bytes"] = frame_size_ ? json(frame_size_) : json(nullptr);
  const double ops = ops_ ? static_cast<double>(ops_) : 1.0;
  if (alloc_counter::enabled()) {
    r["allocations_per_op"] = static_cast<double>(global_allocs_) / ops;
  } else {
    r["allocations_per_op"] = nullptr;
    r["allocations_unavailable"] = "global operator new is not instrumented in this build";
  }
  r["backend_allocations_per_op"] = static_cast<double>(backend_allocs_) / ops;
  r["memory"] = {{"requested_bytes", peak_requested_},
                 {"reserved_bytes", reserved_known_ ? json(peak_reserved_) : json(nullptr)}};
  if (cache_sim_) {
    r["cache"] = {{"source", "callgrind"}, {"label", label_}};
  } else {
    r["cache"] = cache_json(perf_, perf_total_, ops_);
  }
  if (!extra_.empty()) r["extra"] = extra_;
  if (!backend_config_.is_null()) r["backend_config"] = backend_config_;
  return r;
}

}  // namespace allocbench
