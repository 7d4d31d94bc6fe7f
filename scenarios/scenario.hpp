// A scenario: a named spawn / claim / free workload with documented parameters. Each lives in
// its own file and registers itself in registry.cpp. Scenarios are compiled once per backend,
// with the process's TaskBackend, like the runtime they drive.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "harness/worker/session.hpp"
#include "runtime/runtime.hpp"

namespace allocbench {

struct ParamSpec {
  std::string name;
  std::string description;
  std::vector<std::int64_t> quick;  // values swept by the quick suite
  std::vector<std::int64_t> full;   // values swept by the full suite
};

struct ScenarioSpec {
  std::string name;
  std::string description;  // one line
  std::vector<ParamSpec> params;
  bool uses_threads = false;  // honours --threads (N independent runtimes, one per thread)
  std::function<void(Session&)> run;
};

const std::vector<ScenarioSpec>& all_scenarios();
const ScenarioSpec* find_scenario(const std::string& name);

// One spec per scenario file.
ScenarioSpec floor_scenario();
ScenarioSpec spawn_churn_scenario();
ScenarioSpec spawn_burst_scenario();
ScenarioSpec claim_spawn_scenario();
ScenarioSpec chained_spawn_scenario();
ScenarioSpec yield_dispatch_scenario();
ScenarioSpec mixed_lifetime_scenario();
ScenarioSpec cross_thread_scenario();
ScenarioSpec cold_churn_scenario();
ScenarioSpec open_loop_scenario();
ScenarioSpec crash_scenario();

}  // namespace allocbench
