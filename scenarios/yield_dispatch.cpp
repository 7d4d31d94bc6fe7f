// yield_dispatch: T tasks each yield Y times. Every resumption is a dispatch through the ready
// queue with no allocation: the executor's own cost.
#include <vector>

#include "scenarios/scenario.hpp"

namespace allocbench {
namespace {

struct Dispatch {
  Session* session;
  std::uint64_t last_stamp = 0;
  bool sampling = false;
};

Task<void> yielder(Dispatch* d, std::size_t yields) {
  for (std::size_t i = 0; i < yields; ++i) {
    co_await yield_now();
    if (d->sampling) {
      const std::uint64_t now = ticks_now();
      if (d->last_stamp != 0) d->session->record_ticks(now - d->last_stamp);
      d->last_stamp = ticks_now();
    }
  }
}

void run(Session& s) {
  const std::size_t tasks = s.count("tasks");
  const std::size_t yields = s.count("yields");
  BackendConfig cfg;
  cfg.capacity = tasks;
  Runtime rt(cfg);
  Dispatch d{&s};
  auto round = [&] {
    for (std::size_t i = 0; i < tasks; ++i) {
      rt.spawn_slab([&] { return yielder(&d, yields); }).detach();
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
  d.sampling = true;
  const std::size_t sample_rounds = std::max<std::size_t>(1, s.count("samples") / per_round);
  for (std::size_t r = 0; r < sample_rounds; ++r) {
    d.last_stamp = 0;
    round();
  }
}

}  // namespace

ScenarioSpec yield_dispatch_scenario() {
  return {"yield_dispatch",
          "T tasks each yield Y times: dispatch cost without allocation",
          {{"tasks", "tasks yielding side by side", {64}, {64, 4096}},
           {"yields", "yields per task", {100}, {100}},
           {"ops", "dispatches in the timed batch", {2'000'000}, {10'000'000}},
           {"samples", "dispatches timed for latency", {200'000}, {1'000'000}}},
          false,
          run};
}

}  // namespace allocbench
