// Runs one scenario over its parameter grid in this process: the memory probe around each
// parameter set, one thread per independent runtime when asked, one result object per set.
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "scenarios/scenario.hpp"

namespace allocbench {

struct RunOptions {
  std::string mode = "quick";
  std::uint64_t seed = 1;
  int threads = 1;
  bool cache_sim = false;
  std::map<std::string, std::int64_t> overrides;  // --param name=value
};

std::vector<nlohmann::json> run_scenario(const ScenarioSpec& spec, const RunOptions& o);

}  // namespace allocbench
