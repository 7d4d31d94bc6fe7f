// cold_churn: spawn churn with a cache polluter (a walk over more than twice the last-level
// cache) between operations, so every operation starts with cold caches: the cost a task pays
// when it is spawned after the service has been busy elsewhere.
#include "harness/probes/cache_polluter.hpp"
#include "scenarios/frames.hpp"
#include "scenarios/scenario.hpp"

namespace allocbench {
namespace {

void run(Session& s) {
  FrameRig rig(s.param("frame"), 64);
  CachePolluter polluter;
  auto op = [&] { rig.churn(); };
  op();
  s.set_latency_of("spawn_slab + run + free of one task, caches polluted before it");
  // Each operation is timed alone (the polluter runs between them, outside the timed region),
  // so throughput here is 1 / mean cold-operation time.
  for (std::size_t i = 0; i < s.count("ops"); ++i) {
    polluter.pollute();
    s.begin();
    s.time_one(op);
    s.end(1);
  }
  s.note_backend(rig.rt().backend().stats());
  s.set_batched_unavailable(
      "every operation follows its own cache-polluting walk: a batch would time warm operations");
  s.set_extra("polluter_bytes", polluter.bytes());
  rig.describe(s);
}

}  // namespace

ScenarioSpec cold_churn_scenario() {
  return {"cold_churn",
          "spawn churn with the caches polluted (walk over > 2x LLC) before every operation",
          {{"frame", "target frame size in bytes", {256}, {256, 1024}},
           run_size_param("ops", "cold operations (each timed alone)", {300}, {2000})},
          false,
          run,
          // An 80 MiB polluter walk per operation: hours under callgrind.
          /*in_cache_sim_suite=*/false};
}

}  // namespace allocbench
