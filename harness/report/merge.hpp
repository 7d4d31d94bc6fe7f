// Folding the workers' per-repetition outputs into the report's "results" array
// (README, "Report schema"): one entry per backend + scenario + params.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace allocbench {

struct BackendRuns {
  std::string name;
  std::vector<nlohmann::json> outputs;  // one `run` output per repetition, protocol-checked
};

// Median of xs (mean of the middle two for an even count); xs must not be empty.
double median(std::vector<double> xs);

inline constexpr double kDefaultNoiseThreshold = 0.05;  // CV above which a result is "noisy"

struct MergeOptions {
  std::optional<double> tsc_ghz;        // ticks -> ns (and ns16 -> cycles)
  std::optional<double> timer_step_ns;  // machine.timer.resolution_ns, copied into latency_ns
  double noise_threshold = kDefaultNoiseThreshold;
};

// How each field is folded across repetitions:
//   throughput.ops_per_sec: median/min/max and every sample, in repetition order, "cv" and the
//     median's distribution-free "ci95" (statistics.hpp); the result is "noisy" when cv exceeds
//     the noise threshold;
//   latency_ns / latency_cycles: percentiles of the merged histograms, plus "p99_samples" (each
//     repetition's own p99, so compare can tell noise from a change). Ticks become ns (and ns16
//     become cycles) with tsc_ghz; without it that unit says "unavailable" and why;
//   latency_batched_ns / _cycles: the same from the batched histograms, plus "batch" (operations
//     per timed batch) and "p50_samples"; "unavailable" with the worker's reason when it has none;
//   memory: the maximum of each numeric field (peak RSS is a high-water mark);
//   allocations_per_op, backend_allocations_per_op: the maximum;
//   cache, frame_size_bytes: the first repetition's, passed through.
// Throws std::invalid_argument if a histogram does not parse (outputs must be protocol-checked).
nlohmann::json merge_results(const std::vector<BackendRuns>& runs, const MergeOptions& options);
inline nlohmann::json merge_results(const std::vector<BackendRuns>& runs,
                                    std::optional<double> tsc_ghz) {
  return merge_results(runs, MergeOptions{tsc_ghz, std::nullopt, kDefaultNoiseThreshold});
}

// throughput.ops_per_sec's statistics for samples: "cv" (null below two samples) and "ci95"
// ({"low", "high", "coverage", "method"} or {"source": "unavailable", "reason"}).
nlohmann::json sample_statistics(const std::vector<double>& samples);

}  // namespace allocbench
