// What a scenario sees of the harness: its parameters, and the hooks around what it measures.
// The scenario decides what one operation is; the session owns the probes (timer, histogram,
// allocation counter, perf counters, callgrind) so every scenario measures the same way:
//   - throughput: begin() ... end(ops) around a batch; no per-op timer inside it;
//   - latency: time_one(f) around single sampled operations, timer overhead subtracted; and
//     time_batch(n, f) around n operations back to back, recorded per operation in a second
//     histogram (resolves operations below the timer's step; README, "Batched latency");
//   - memory: note_backend(stats) where the scenario's live set peaks.
#pragma once

#include <algorithm>
#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "allocators/allocator.hpp"
#include "harness/probes/alloc_counter.hpp"
#include "harness/probes/callgrind.hpp"
#include "harness/probes/histogram.hpp"
#include "harness/probes/measurement.hpp"
#include "harness/probes/perf_counters.hpp"
#include "harness/probes/timer.hpp"
#include "runtime/frame_alloc.hpp"

namespace allocbench {

using Params = std::map<std::string, std::int64_t>;

class Session {
 public:
  Session(Params params, std::uint64_t seed, bool cache_sim, std::string label);

  std::int64_t param(std::string_view name) const;
  std::size_t count(std::string_view name) const { return static_cast<std::size_t>(param(name)); }
  std::uint64_t seed() const noexcept { return seed_; }
  const Params& params() const noexcept { return params_; }
  // Under callgrind the operation counts are cut down: simulation is ~50x slower.
  bool cache_sim() const noexcept { return cache_sim_; }

  void begin() noexcept {
    news_at_begin_ = alloc_counter::snapshot().news;
    frames_at_begin_ = detail::tls_backend_allocs;
    if (cache_sim_) callgrind::start();
    perf_.start();
    start_ticks_ = ticks_now();
  }
  void end(std::uint64_t ops) noexcept {
    const std::uint64_t t = ticks_now();
    perf_.stop();
    if (cache_sim_) callgrind::stop_and_dump(label_.c_str());
    timed_ticks_ += static_cast<double>(t - start_ticks_);
    ops_ += ops;
    global_allocs_ += alloc_counter::snapshot().news - news_at_begin_;
    backend_allocs_ += detail::tls_backend_allocs - frames_at_begin_;
    if (auto c = perf_.read()) accumulate(*c);
  }

  // The throughput batch the round-based scenarios share: count("ops") operations in rounds of
  // `per_round` (at least one round), after a warm-up of a tenth as many rounds (at least one),
  // timed as a whole by begin() / end().
  template <class F>
  void timed_rounds(std::size_t per_round, F&& round) {
    const std::size_t rounds = std::max<std::size_t>(1, count("ops") / per_round);
    for (std::size_t r = 0; r < std::max<std::size_t>(1, rounds / 10); ++r) round();
    begin();
    for (std::size_t r = 0; r < rounds; ++r) round();
    end(rounds * per_round);
  }

  // Times one operation for the latency histogram (in timer ticks, empty-pair cost subtracted).
  template <class F>
  void time_one(F&& f) {
    const std::uint64_t t0 = ticks_now();
    f();
    const std::uint64_t t1 = ticks_now();
    record_ticks(t1 - t0);
  }
  // A latency measured by the scenario itself, as a raw tick difference.
  void record_ticks(std::uint64_t raw) noexcept {
    const double net = elapsed_ticks(0, raw, cal_);
    hist_.record(static_cast<std::uint64_t>(net + 0.5));
  }

  // Operations per batched latency sample: the "batch" parameter (default kDefaultBatch).
  static constexpr std::size_t kDefaultBatch = 64;
  std::size_t batch() const noexcept { return batch_; }
  // Times n operations back to back with one timing pair: one batched sample of n operations.
  template <class F>
  void time_batch(std::size_t n, F&& f) {
    const std::uint64_t t0 = ticks_now();
    for (std::size_t i = 0; i < n; ++i) f();
    const std::uint64_t t1 = ticks_now();
    record_batch_ticks(t1 - t0, n);
  }
  // A batch of n operations measured by the scenario itself, as a raw tick difference: the
  // empty-pair cost is subtracted once, and the rest divided by n is recorded, in ns16 (a
  // sixteenth of a ns), in the batched histogram.
  void record_batch_ticks(std::uint64_t raw, std::size_t n) noexcept {
    if (n == 0) return;
    const double per_op_ns =
        ticks_to_ns(elapsed_ticks(0, raw, cal_), cal_) / static_cast<double>(n);
    batched_.record(static_cast<std::uint64_t>(per_op_ns * 16.0 + 0.5));
    batched_ops_ = n;
  }
  // Why this scenario has no batched latency (it is then reported as unavailable).
  void set_batched_unavailable(std::string why) { batched_unavailable_ = std::move(why); }

  void note_backend(const AllocatorStats& s) noexcept;
  void set_frame_size(std::size_t bytes) noexcept { frame_size_ = bytes; }
  void set_latency_of(std::string what) { latency_of_ = std::move(what); }
  void set_extra(const std::string& key, nlohmann::json value) { extra_[key] = std::move(value); }
  // The scenario ran another value than the parameter asked for (a frame target is rounded to a
  // task shape that exists): the result is labelled with what ran, and
  // extra.<name>_requested keeps what was asked.
  void relabel_param(const std::string& name, std::int64_t ran);

  // Folds another thread's session of the same scenario into this one.
  void merge(const Session& other);
  // What the scenario measured, minus the process's memory and identity (the runner adds them).
  Measurement result(std::string_view scenario, double wall_ns) const;
  std::uint64_t ops() const noexcept { return ops_; }
  double timed_ns() const noexcept { return ticks_to_ns(timed_ticks_, cal_); }

 private:
  void accumulate(const PerfCounts& c) noexcept;

  Params params_;
  std::uint64_t seed_;
  bool cache_sim_;
  std::string label_;
  const TimerCalibration& cal_;
  Histogram hist_;
  Histogram batched_;
  std::size_t batch_ = kDefaultBatch;
  std::size_t batched_ops_ = 0;  // n of the batched samples (0: none recorded)
  std::string batched_unavailable_;
  PerfCounters perf_;
  std::optional<PerfCounts> perf_total_;
  std::uint64_t start_ticks_ = 0;
  double timed_ticks_ = 0;
  std::uint64_t ops_ = 0;
  std::uint64_t news_at_begin_ = 0;
  std::uint64_t global_allocs_ = 0;
  std::uint64_t frames_at_begin_ = 0;
  std::uint64_t backend_allocs_ = 0;
  std::size_t frame_size_ = 0;
  std::size_t peak_requested_ = 0;
  std::size_t peak_reserved_ = 0;
  bool reserved_known_ = false;
  // The backend configuration the scenario's runtime really had (from its stats): slot size,
  // capacity, chunks. Null until note_backend() is called.
  std::optional<Measurement::BackendConfigRan> backend_config_;
  std::string latency_of_;
  nlohmann::json extra_ = nlohmann::json::object();
};

}  // namespace allocbench
