// The tables `allocbench compare` prints: report B against report A, or every backend of one
// report against a baseline backend. Each throughput row carries the ratio of medians (B/A) with
// its distribution-free 95 % CI, a two-sided Mann-Whitney U p-value over the repetitions'
// samples, and a verdict: faster / slower / no change / noisy / too few repetitions (README,
// "Comparing runs"). The same rows go to JSON for scripts and CI gates.
#pragma once

#include <optional>
#include <string>

#include <nlohmann/json.hpp>

namespace allocbench {

struct CompareSettings {
  double alpha = 0.05;                   // significance level of the U test (two-sided)
  double min_effect = 0.02;              // a significant change smaller than this is "no change"
  double noise_threshold = 0.05;         // a side whose CV exceeds this is noisy
  std::optional<double> fail_if_slower;  // gate: a "slower" row whose ratio < 1 - this fails
};

struct Comparison {
  std::string text;
  nlohmann::json json;  // {"settings", "rows", "only_in_a", "only_in_b", "warnings", "gate", ...}
  bool gate_failed = false;  // fail_if_slower set and some row breached it
};

// Both reports must have passed validate_report(). Rows are matched by backend, scenario and
// params; rows present on one side only are listed as such. Google Benchmark rows under
// micro.<backend>.benchmarks[] are compared by name (median aggregates) when both have them.
Comparison compare_reports(const nlohmann::json& a, const nlohmann::json& b,
                           const std::string& a_label, const std::string& b_label,
                           const CompareSettings& settings = {});

// Every backend of report against `baseline`, matched by scenario and params. Throws
// std::invalid_argument naming the backends present if baseline has no results in report (a
// report with no scenario results at all compares its micro rows only).
Comparison compare_baseline(const nlohmann::json& report, const std::string& baseline,
                            const CompareSettings& settings = {});

// The text of compare_reports / compare_baseline with default settings.
std::string format_compare(const nlohmann::json& a, const nlohmann::json& b,
                           const std::string& a_label, const std::string& b_label);
std::string format_baseline(const nlohmann::json& report, const std::string& baseline);

}  // namespace allocbench
