// `allocbench run`, step 4 of 4: the report, assembled from the plan, the repetitions, the micro
// suite and the machine description (README, "Report schema").
#pragma once

#include <vector>

#include <nlohmann/json.hpp>

#include "harness/driver/cli.hpp"
#include "harness/driver/repetitions.hpp"
#include "harness/driver/run_plan.hpp"

namespace allocbench {

// The micro suite's outcome (step 3): the report's micro object, by backend.
struct MicroSuite {
  nlohmann::json entries = nlohmann::json::object();
  std::uint64_t repetitions = 0;
  bool failed = false;
};

// The whole report. Moves the backends' outputs out of states; throws std::runtime_error (or
// what merge_results throws) when the workers' results cannot be merged.
nlohmann::json assemble_report(const RunPlan& plan, const RunOptions& o,
                               const nlohmann::json& machine, const Repetitions& reps,
                               std::vector<BackendState>& states, MicroSuite micro,
                               bool interrupted);

}  // namespace allocbench
