// `allocbench run`, step 1 of 4: the plan. Everything that can be checked before a worker runs
// (valgrind, backends, destinations, --pin, scenario and parameter names) is checked here, and
// the run is laid out: backends, scenarios, the grid of worker processes, their arguments.
#pragma once

#include <filesystem>
#include <optional>
#include <ostream>
#include <stdexcept>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "harness/driver/cli.hpp"
#include "harness/driver/grid.hpp"
#include "harness/report/callgrind_dump.hpp"

namespace allocbench {

// Bad input, found before anything runs: exit 2.
class UsageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct RunPlan {
  std::filesystem::path dir;                    // where allocbench and the workers are
  std::string stamp;                            // UTC start time, as a file name
  std::filesystem::path primary;                // the report
  std::optional<std::filesystem::path> latest;  // results/latest.json, unless --out
  std::vector<std::string> backends, scenarios;
  std::string reference;   // the worker asked for the scenarios and the machine description
  nlohmann::json catalog;  // scenarios as the reference worker describes them
  std::optional<std::filesystem::path> valgrind;  // --cache-sim
  CacheGeometry geometry;
  nlohmann::json pin = nullptr;  // --pin: what was done
  std::vector<GridPoint> grid;   // one worker process per point, per backend and repetition
  nlohmann::json params = nlohmann::json::object();  // --param overrides, for the report
  nlohmann::json run_size_params = nlohmann::json::object();  // scenario -> run-size names
};

// Throws UsageError for bad input; a reference worker that cannot describe the scenarios is
// reported on err and returned as an exit status instead (1, or 130 when interrupted).
struct PlanOutcome {
  std::optional<RunPlan> plan;
  int exit_code = kExitOk;
};
PlanOutcome plan_run(const RunOptions& o, std::ostream& err);

// The worker's `run` arguments for one grid point.
std::vector<std::string> worker_run_args(const RunOptions& o, const GridPoint& point);

// UTC now as "2026-11-24T10:00:00Z" (report) or "2026-11-24T10-00-00Z" (file name).
std::string utc_now(bool for_file_name);

}  // namespace allocbench
