// The tables `allocbench compare` prints: report B against report A, or every backend of one
// report against a baseline backend. A ratio is marked "*" when the two sides' min-max ranges
// over repetitions do not overlap, i.e. the difference is larger than either run's own spread.
#pragma once

#include <string>

#include <nlohmann/json_fwd.hpp>

namespace allocbench {

// Both reports must have passed validate_report(). Rows are matched by backend, scenario and
// params; rows present on one side only are listed as such. Google Benchmark rows under
// micro.<backend>.benchmarks[] are compared by name (median aggregates) when both have them.
std::string format_compare(const nlohmann::json& a, const nlohmann::json& b,
                           const std::string& a_label, const std::string& b_label);

// Every backend of report against `baseline`, matched by scenario and params. Throws
// std::invalid_argument naming the backends present if baseline has no results in report (a
// report with no scenario results at all compares its micro rows only).
std::string format_baseline(const nlohmann::json& report, const std::string& baseline);

}  // namespace allocbench
