// What identifies a workload across reports: a result's scenario and its workload parameters.
// Run-size parameters (how much was measured: ops, samples, batch) are declared per scenario
// (ScenarioSpec's ParamSpec::run_size, copied into the report's config.run_size_params), so a
// quick and a full run of the same workload pair up in `allocbench compare`.
#pragma once

#include <set>
#include <string>

#include <nlohmann/json.hpp>

namespace allocbench {

// The names reports before config.run_size_params treated as run sizes (the summary's labels
// already left them out): what a report that does not declare them is read with.
inline const std::set<std::string>& legacy_run_size_params() {
  static const std::set<std::string> names = {"ops", "samples", "batch"};
  return names;
}

// The run-size parameter names `report` declares for `scenario`; the legacy names when the
// report predates config.run_size_params or does not list the scenario.
std::set<std::string> run_size_params(const nlohmann::json& report, const std::string& scenario);

// params without the names in run_size (an object; non-objects give an empty object).
nlohmann::json workload_params(const nlohmann::json& params, const std::set<std::string>& run_size);

// params restricted to the names in run_size: the run's size, e.g. {"ops": 1000000}.
nlohmann::json run_size_values(const nlohmann::json& params, const std::set<std::string>& run_size);

// "k=1024 frame=256" for the workload parameters ("-" when none).
std::string workload_text(const nlohmann::json& params, const std::set<std::string>& run_size);

}  // namespace allocbench
