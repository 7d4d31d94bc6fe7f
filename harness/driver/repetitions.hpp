// `allocbench run`, step 2 of 4: the repetitions. Each runs every backend's worker processes
// (one per grid point) in an order rotated between repetitions; --repetitions auto stops when
// every result's median CI is narrow enough or the time is up.
#pragma once

#include <cstdint>
#include <ostream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "harness/driver/cli.hpp"
#include "harness/driver/progress.hpp"
#include "harness/driver/run_plan.hpp"

namespace allocbench {

// What every backend carries through the run.
struct BackendState {
  std::string name;
  nlohmann::json entry;                 // the report's backends[] entry
  std::vector<nlohmann::json> outputs;  // one per completed repetition
  bool failed = false;
};

// The report's backends[] entry from a worker's `info` (or run) description.
nlohmann::json entry_from_info(const std::string& name, const nlohmann::json& info);

// Asks each planned backend's worker for `info`; one that cannot answer is failed already.
std::vector<BackendState> start_backends(const RunPlan& plan);

struct Repetitions {
  std::uint64_t completed = 0;
  nlohmann::json backend_order = nlohmann::json::array();  // per repetition, as run
  nlohmann::json grid_order = nlohmann::json::array();
  nlohmann::json auto_repetitions = nullptr;  // --repetitions auto: why it stopped
};

// Runs the repetitions into states (outputs, failures), saying how far along it is on progress.
Repetitions run_repetitions(const RunPlan& plan, const RunOptions& o,
                            std::vector<BackendState>& states, Progress& progress);

// --repetitions auto: whether every result's median CI is narrow enough. Sets worst to the
// widest relative half-width seen (or the reason one is unavailable) and its result's label.
bool ci_target_met(const std::vector<BackendState>& states, double target, nlohmann::json& worst);

}  // namespace allocbench
