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

// How each field is folded across repetitions:
//   throughput.ops_per_sec: median/min/max and every sample, in repetition order;
//   latency_ns / latency_cycles: percentiles of the merged histograms, plus "p99_samples" (each
//     repetition's own p99, so compare can tell noise from a change). Ticks become ns (and ns16
//     become cycles) with tsc_ghz; without it that unit says "unavailable" and why;
//   memory: the maximum of each numeric field (peak RSS is a high-water mark);
//   allocations_per_op, backend_allocations_per_op: the maximum;
//   cache, frame_size_bytes: the first repetition's, passed through.
// Throws std::invalid_argument if a histogram does not parse (outputs must be protocol-checked).
nlohmann::json merge_results(const std::vector<BackendRuns>& runs, std::optional<double> tsc_ghz);

}  // namespace allocbench
