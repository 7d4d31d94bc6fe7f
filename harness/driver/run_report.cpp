#include "harness/driver/run_report.hpp"

#include <optional>
#include <utility>

#include "harness/driver/build_info.hpp"
#include "harness/report/cache_sim.hpp"
#include "harness/report/json_access.hpp"
#include "harness/report/merge.hpp"
#include "harness/report/noise.hpp"
#include "harness/report/schema.hpp"

namespace allocbench {

using nlohmann::json;

json assemble_report(const RunPlan& plan, const RunOptions& o, const json& machine,
                     const Repetitions& reps, std::vector<BackendState>& states, MicroSuite micro,
                     bool interrupted) {
  json report;
  report["schema_version"] = kSchemaVersion;
  report["generated_at"] = utc_now(false);
  report["machine"] = machine;
  report["provenance"] = provenance_json(o.command_line);
  report["config"] = {{"mode", o.mode},
                      {"repetitions", o.auto_repetitions ? reps.completed : o.repetitions},
                      {"repetitions_mode", o.auto_repetitions ? "auto" : "fixed"},
                      {"noise_threshold_pct", 100 * o.noise_threshold},
                      {"pin", plan.pin},
                      {"repetitions_completed", reps.completed},
                      {"seed", o.seed},
                      {"threads", o.threads},
                      {"timeout_s", o.timeout_s},
                      {"params", plan.params},
                      {"run_size_params", plan.run_size_params},
                      {"backends", plan.backends},
                      {"scenarios", plan.scenarios},
                      {"backend_order", reps.backend_order},
                      {"isolation",
                       "one worker process per backend, scenario and parameter set in every "
                       "repetition"},
                      {"grid_order", reps.grid_order},
                      {"cache_sim", o.cache_sim},
                      {"micro", o.micro},
                      {"interrupted", interrupted}};
  if (o.auto_repetitions) report["config"]["auto_repetitions"] = reps.auto_repetitions;
  if (o.cache_sim) {
    report["config"]["cache_sim_geometry"] = geometry_json(plan.geometry);
    report["config"]["cache_sim_note"] =
        "workers ran once under valgrind --tool=callgrind --cache-sim=yes with operation counts "
        "cut 100x; one repetition because callgrind's counts are deterministic; throughput and "
        "latency are unavailable (timing under valgrind is not meaningful)";
  }
  if (o.micro) {
    report["config"]["micro_repetitions"] = micro.repetitions;
    if (o.micro_filter) report["config"]["micro_filter"] = *o.micro_filter;
  }
  std::vector<BackendRuns> runs;
  report["backends"] = json::array();
  for (auto& s : states) {
    report["backends"].push_back(s.entry);
    if (!s.failed) runs.push_back({s.name, std::move(s.outputs)});
  }
  const std::optional<double> tsc_ghz = number_at(machine, {"tsc_ghz"});
  report["results"] = merge_results(
      runs,
      MergeOptions{tsc_ghz, number_at(machine, {"timer", "resolution_ns"}), o.noise_threshold});
  if (o.cache_sim) mark_timing_unavailable(report["results"]);
  // What fields a reader asks about mean, next to the figures.
  report["notes"] = {
      {"frame_size_bytes",
       "the block one task asks its backend for, measured by creating one task: the runtime's "
       "task header plus the coroutine frame the compiler laid out (the task's locals and its "
       "own bookkeeping). The 'frame' parameter names a class of task shape (64, 256, 1024, "
       "4096) whose locals are chosen so the block lands near that size without going under "
       "the smallest possible one: frame=1024 has 864 bytes of locals and comes to 1,056 bytes "
       "with g++ 12 in spawn_churn (more where a scenario's task keeps more state); frame=64 is "
       "the smallest block there is (the header alone is larger "
       "than 64). Slab slots are this size rounded up to 64 bytes"},
      {"backend_config",
       "per result: the configuration the backend ran with for that parameter set, from its own "
       "stats at the scenario's peak: slot_size_bytes (slabs: bytes per slot; malloc backends: "
       "the block a claim reserves), capacity_slots and chunks (slabs). backends[].tuning shows "
       "the defaults only"},
      {"memory",
       "requested_bytes: what live frames asked for at the scenario's peak; reserved_bytes: what "
       "the backend holds, as backends[].reserved_meaning says for each backend"}};
  // The run's noise level from its control (harness/report/noise.hpp).
  report["noise"] = noise_json(floor_noise(report), o.noise_threshold);
  if (o.micro) report["micro"] = std::move(micro.entries);
  return report;
}

}  // namespace allocbench
