// The run's noise level, from its control: the floor scenario runs the same freelist loop, with
// no backend involved, in every backend's worker, so whatever spread its throughput shows across
// backends (code layout, the process's luck) and across repetitions (the machine's load) is
// noise. A ratio between backends within that spread is not a finding. The summary, compare,
// report.md and the throughput charts state it (README, "How sure each number is").
#pragma once

#include <optional>
#include <string>

#include <nlohmann/json.hpp>

namespace allocbench {

inline constexpr const char* kNoiseControlScenario = "floor";

struct NoiseLevel {
  bool available = false;
  std::string reason;  // why not, when unavailable
  // (max - min) / median of the backends' floor medians; nullopt with one backend.
  std::optional<double> across_backends;
  // The widest (max - min) / median of one backend's floor samples; nullopt below 2 samples.
  std::optional<double> across_repetitions;
  double level = 0;  // the larger of the two
  std::size_t backends = 0;
  std::size_t repetitions = 0;  // the most samples one backend's floor has
};

// From a report's results (any report: older ones have no "noise" object).
NoiseLevel floor_noise(const nlohmann::json& report);

// The report's "noise" object.
nlohmann::json noise_json(const NoiseLevel& n, double threshold);

// "noise: floor (the control) spreads 3.1% across 6 backends and 1.2% across 5 repetitions:
// ratios within ±3.1% are not findings (~)" and, above threshold, a warning line.
std::string noise_text(const NoiseLevel& n, double threshold);

// True when ratio is within the noise level (|ratio - 1| <= level): not a finding.
inline bool within_noise(double ratio, const NoiseLevel& n) {
  return n.available && ratio > 0 && (ratio >= 1 ? ratio - 1 : 1 / ratio - 1) <= n.level;
}

}  // namespace allocbench
