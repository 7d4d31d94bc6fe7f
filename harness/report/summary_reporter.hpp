// The summary table `allocbench run` prints on stdout: per scenario and params, each backend's
// median ops/s, p50 / p99 / p99.9 latency, and its throughput relative to `system` and, where the
// report has one, to the same backend's `floor` result (the bare create/resume/destroy loop).
// A cache-simulation group shows callgrind's instructions, D1 and LL misses per operation instead;
// micro benchmark medians follow, one column per backend.
#pragma once

#include <string>

#include <nlohmann/json_fwd.hpp>

namespace allocbench {

// report must have passed validate_report(). Failed backends are listed after the tables.
std::string format_summary(const nlohmann::json& report);

}  // namespace allocbench
