// yield_dispatch: T tasks each yield Y times. Every resumption is a dispatch through the ready
// queue with no allocation: the executor's own cost.
#include <vector>

#include "scenarios/gap_sampler.hpp"
#include "scenarios/scenario.hpp"

namespace allocbench {
namespace {

// A resume to the next resume (of whichever task is next): one dispatch.
Task<void> yielder(GapSampler* gaps, std::size_t yields) {
  for (std::size_t i = 0; i < yields; ++i) {
    co_await yield_now();
    gaps->event();
  }
}

void run(Session& s) {
  const std::size_t tasks = s.count("tasks");
  const std::size_t yields = s.count("yields");
  BackendConfig cfg;
  cfg.capacity = tasks;
  Runtime rt(cfg);
  GapSampler gaps(s);
  auto round = [&] {
    for (std::size_t i = 0; i < tasks; ++i) {
      rt.spawn_slab([&] { return yielder(&gaps, yields); }).detach();
    }
    rt.run_until_idle();
  };
  const std::size_t per_round = tasks * yields;
  const std::size_t rounds = std::max<std::size_t>(1, s.count("ops") / per_round);
  round();  // warm-up
  // The timed batch includes one spawn and one free per Y dispatches; with Y = 100 they are
  // about 1% of the operations (allocations per op in the report shows it).
  s.begin();
  for (std::size_t r = 0; r < rounds; ++r) round();
  s.end(rounds * per_round);
  s.note_backend(rt.backend().stats());
  s.set_latency_of("one dispatch: a task's resume to the next task's resume");
  gaps.enable();
  const std::size_t sample_rounds = std::max<std::size_t>(1, s.count("samples") / per_round);
  for (std::size_t r = 0; r < sample_rounds; ++r) {
    gaps.restart();
    round();
  }
  gaps.enable_batched(s.batch());
  for (std::size_t r = 0; r < sample_rounds; ++r) {
    gaps.restart();
    round();
  }
}

}  // namespace

ScenarioSpec yield_dispatch_scenario() {
  return {"yield_dispatch",
          "T tasks each yield Y times: dispatch cost without allocation",
          {{"tasks", "tasks yielding side by side", {64}, {64, 4096}},
           {"yields", "yields per task", {100}, {100}},
           run_size_param("ops", "dispatches in the timed batch", {2'000'000}, {10'000'000}),
           run_size_param("samples", "dispatches timed for latency", {200'000}, {1'000'000}),
           run_size_param("batch", "operations per batched latency sample (one timing pair each)",
                          {64}, {64})},
          false,
          run};
}

}  // namespace allocbench
