// chained_spawn: each task spawns the next, to depth N. The live set stays at one or two tasks;
// what is measured is spawn-from-inside-a-task plus dispatch.
#include "scenarios/frames.hpp"
#include "scenarios/gap_sampler.hpp"
#include "scenarios/scenario.hpp"

namespace allocbench {
namespace {

struct Chain {
  Runtime* rt;
  GapSampler gaps;  // a link's start to the next link's start: one spawn + one dispatch
};

Task<void> link(Chain* c, std::size_t depth) {
  c->gaps.event();
  if (depth > 1) c->rt->spawn_slab([c, depth] { return link(c, depth - 1); }).detach();
  co_return;
}

void run(Session& s) {
  const std::size_t depth = s.count("depth");
  const std::uint64_t frame = [&s] {
    Chain dummy{nullptr, GapSampler(s)};
    return measured_block(&link, &dummy, std::size_t{1});
  }();
  BackendConfig cfg;
  cfg.slot_size = (frame + kSlotAlign - 1) / kSlotAlign * kSlotAlign;
  cfg.capacity = 16;
  Runtime rt(cfg);
  Chain c{&rt, GapSampler(s)};
  auto chain = [&] {
    rt.spawn_slab([&] { return link(&c, depth); }).detach();
    rt.run_until_idle();
  };
  s.timed_rounds(depth, chain);
  s.note_backend(rt.backend().stats());
  s.set_latency_of("one link: a task's start to the next task's start (spawn + dispatch)");
  c.gaps.enable();
  const std::size_t sample_rounds = std::max<std::size_t>(1, s.count("samples") / depth);
  for (std::size_t r = 0; r < sample_rounds; ++r) {
    c.gaps.restart();
    chain();
  }
  c.gaps.enable_batched(s.batch());
  for (std::size_t r = 0; r < sample_rounds; ++r) {
    c.gaps.restart();
    chain();
  }
  s.set_frame_size(frame);
}

}  // namespace

ScenarioSpec chained_spawn_scenario() {
  return {
      "chained_spawn",
      "each task spawns the next, to depth N",
      {{"depth", "tasks in one chain", {1000}, {1000, 100000}},
       run_size_param("ops", "tasks in the timed batch (whole chains)", {1'000'000}, {5'000'000}),
       run_size_param("samples", "links timed for latency", {200'000}, {1'000'000}),
       run_size_param("batch", "operations per batched latency sample (one timing pair each)", {64},
                      {64})},
      false,
      run};
}

}  // namespace allocbench
