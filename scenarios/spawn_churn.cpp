// spawn_churn: spawn one task through the backend, run it to completion, free it; repeat. The
// same slot is reused every time (LIFO), so this is the allocator's best case. Frame sizes are
// swept; the slab backends size their slots to fit each frame.
#include "scenarios/frames.hpp"
#include "scenarios/scenario.hpp"

namespace allocbench {
namespace {

void run(Session& s) {
  FrameRig rig(s.param("frame"), 64);
  auto op = [&] { rig.churn(); };
  // A plain loop, not Session::timed_rounds: through it g++ 12 emitted 5 more instructions per
  // operation (247 vs 242, callgrind), and this is the scenario the targets are read from.
  const std::size_t ops = s.count("ops");
  for (std::size_t i = 0; i < ops / 10; ++i) op();
  s.begin();
  for (std::size_t i = 0; i < ops; ++i) op();
  s.end(ops);
  s.note_backend(rig.rt().backend().stats());
  s.set_latency_of("spawn_slab + run to completion + free, one task");
  for (std::size_t i = 0; i < s.count("samples"); ++i) s.time_one(op);
  for (std::size_t i = 0; i < s.count("samples") / s.batch(); ++i) s.time_batch(s.batch(), op);
  rig.describe(s);
}

}  // namespace

ScenarioSpec spawn_churn_scenario() {
  return {"spawn_churn",
          "spawn one task, run it to completion, free it; repeat (LIFO slot reuse)",
          {{"frame",
            "target frame size in bytes (set by the task's locals)",
            {64, 256, 1024},
            {64, 256, 1024}},
           run_size_param("ops", "operations in the timed batch", {1'000'000}, {5'000'000}),
           run_size_param("samples", "single operations timed for latency", {200'000}, {1'000'000}),
           run_size_param("batch", "operations per batched latency sample (one timing pair each)",
                          {64}, {64})},
          true,
          run};
}

}  // namespace allocbench
