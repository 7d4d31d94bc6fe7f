// Checks of what a worker prints (README, "The worker protocol"), so a misbehaving worker is
// recorded as failed with a precise cause instead of corrupting the merged report.
#pragma once

#include <string>

#include <nlohmann/json_fwd.hpp>

namespace allocbench {

// Each returns an empty string when j follows the protocol, else what is wrong with it.
std::string check_info_output(const nlohmann::json& j);
std::string check_run_output(const nlohmann::json& j);
// Google Benchmark's JSON from allocbench-micro-<backend>: a "context" object and a "benchmarks"
// array of objects, each with a string "name".
std::string check_micro_output(const nlohmann::json& j);

}  // namespace allocbench
