// The scenarios a worker knows, in the order they are listed and run. Adding a scenario: its
// file defines <name>_scenario(), declared and listed here.
#include <cstdlib>

#include "scenarios/scenario.hpp"

namespace allocbench {

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
ScenarioSpec tcp_echo_scenario();
ScenarioSpec crash_scenario();

const std::vector<ScenarioSpec>& all_scenarios() {
  static const std::vector<ScenarioSpec> specs = [] {
    std::vector<ScenarioSpec> v{
        floor_scenario(),          spawn_churn_scenario(),   spawn_burst_scenario(),
        claim_spawn_scenario(),    chained_spawn_scenario(), yield_dispatch_scenario(),
        mixed_lifetime_scenario(), cross_thread_scenario(),  cold_churn_scenario()};
    v.push_back(open_loop_scenario());
    v.push_back(tcp_echo_scenario());
    // A scenario that aborts, for the harness's fault tests only; hidden unless asked for.
    if (std::getenv("ALLOCBENCH_TEST_SCENARIOS") != nullptr) v.push_back(crash_scenario());
    return v;
  }();
  return specs;
}

const ScenarioSpec* find_scenario(const std::string& name) {
  for (const auto& s : all_scenarios()) {
    if (s.name == name) return &s;
  }
  return nullptr;
}

}  // namespace allocbench
