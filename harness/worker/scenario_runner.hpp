// Runs one scenario over its parameter grid in this process: the memory probe around each
// parameter set, one thread per independent runtime when asked, one Measurement per set.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "harness/probes/measurement.hpp"
#include "scenarios/scenario.hpp"

namespace allocbench {

struct RunOptions {
  std::string mode = "quick";
  std::uint64_t seed = 1;
  int threads = 1;
  bool cache_sim = false;
  std::map<std::string, std::int64_t> overrides;  // --param name=value
};

std::vector<Measurement> run_scenario(const ScenarioSpec& spec, const RunOptions& o);

}  // namespace allocbench
