// mixed_lifetime: a steady state of W live tasks with seeded random frame sizes and lifetimes.
// When one finishes another is spawned. Shows tails under churn with mixed sizes, peak memory,
// and reserved versus requested bytes: a slab sized for the largest frame wastes the difference.
#include <array>
#include <random>

#include "scenarios/frames.hpp"
#include "scenarios/scenario.hpp"

namespace allocbench {
namespace {

struct Mixed {
  std::size_t live = 0;
  std::uint64_t finished = 0;
};

template <std::size_t Payload>
Task<void> living(Mixed* m, std::uint32_t yields) {
  std::array<std::uint8_t, Payload> pad;
  pad[0] = static_cast<std::uint8_t>(yields);
  for (std::uint32_t i = 0; i < yields; ++i) co_await yield_now();
  m->finished += pad[0] == static_cast<std::uint8_t>(yields) ? 1 : 0;  // proves pad survived
  --m->live;
}

using LivingFn = Task<void> (*)(Mixed*, std::uint32_t);
constexpr std::array<LivingFn, 3> kShapes{&living<8>, &living<128>, &living<896>};

void run(Session& s) {
  const std::size_t width = s.count("width");
  const auto max_yields = static_cast<std::uint32_t>(s.param("max_yields"));
  std::size_t largest = 0;
  std::array<std::size_t, kShapes.size()> sizes{};
  for (std::size_t i = 0; i < kShapes.size(); ++i) {
    Mixed dummy;
    sizes[i] = measured_block(kShapes[i], &dummy, std::uint32_t{0});
    largest = std::max(largest, sizes[i]);
  }
  Runtime rt(config_for_frame(largest, width));
  Mixed m;
  std::mt19937_64 rng(s.seed());
  std::uniform_int_distribution<std::size_t> shape(0, kShapes.size() - 1);
  std::uniform_int_distribution<std::uint32_t> life(0, max_yields);
  bool sampling = false;
  auto spawn_one = [&] {
    const std::size_t k = shape(rng);
    const std::uint32_t y = life(rng);
    ++m.live;
    if (sampling) {
      s.time_one([&] { rt.spawn_slab([&] { return kShapes[k](&m, y); }).detach(); });
    } else {
      rt.spawn_slab([&] { return kShapes[k](&m, y); }).detach();
    }
  };
  auto steady = [&](std::uint64_t tasks) {
    const std::uint64_t target = m.finished + tasks;
    while (m.finished < target) {
      while (m.live < width) spawn_one();
      rt.run_one();
    }
  };
  steady(s.count("ops") / 10);  // warm-up reaches the steady state
  s.begin();
  steady(s.count("ops"));
  s.end(s.count("ops"));
  s.note_backend(rt.backend().stats());
  s.set_latency_of("one spawn_slab call in the steady state (mixed frame sizes)");
  sampling = true;
  steady(s.count("samples"));
  // Batched: b spawns in a row once b tasks have finished (the live set dips to width - b).
  sampling = false;
  const std::size_t b = std::min(s.batch(), width);
  const std::uint64_t target = m.finished + s.count("samples");
  while (m.finished < target) {
    while (m.live + b > width) rt.run_one();
    s.time_batch(b, spawn_one);
  }
  s.note_backend(rt.backend().stats());
  s.set_extra("frame_sizes_bytes", sizes);
  s.set_frame_size(largest);
}

}  // namespace

ScenarioSpec mixed_lifetime_scenario() {
  return {
      "mixed_lifetime",
      "steady state of W live tasks with seeded random frame sizes and lifetimes",
      {{"width", "live tasks kept in the steady state", {1024}, {1024, 16384}},
       {"max_yields", "a task yields uniformly 0..max_yields times before finishing", {16}, {16}},
       run_size_param("ops", "tasks completed in the timed batch", {300'000}, {2'000'000}),
       run_size_param("samples", "spawns timed for latency", {100'000}, {500'000}),
       run_size_param("batch", "operations per batched latency sample (one timing pair each)", {64},
                      {64})},
      false,
      run};
}

}  // namespace allocbench
