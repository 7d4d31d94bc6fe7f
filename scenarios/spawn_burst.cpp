// spawn_burst: spawn K tasks, then run them all. How cost grows with the live set; on the
// unbounded slab, how growth by chunks behaves (the slab is kept across rounds, as a service
// would keep it, so growth happens in the first rounds and in warm-up).
#include <algorithm>

#include "scenarios/frames.hpp"
#include "scenarios/scenario.hpp"

namespace allocbench {
namespace {

void run(Session& s) {
  const std::size_t k = s.count("k");
  FrameRig rig(s.param("frame"), k);
  Runtime& rt = rig.rt();
  auto round = [&] {
    for (std::size_t i = 0; i < k; ++i) rig.spawn();
    rt.run_until_idle();
  };
  s.timed_rounds(k, round);
  // Memory at the peak of a round: all K frames live.
  for (std::size_t i = 0; i < k; ++i) rig.spawn();
  s.note_backend(rt.backend().stats());
  rt.run_until_idle();
  // Tails: single spawns timed while the live set fills up, then the round is run.
  s.set_latency_of("one spawn_slab call (frame allocation + enqueue) while K tasks fill up");
  const std::size_t samples = s.count("samples");
  for (std::size_t done = 0; done < samples;) {
    for (std::size_t i = 0; i < k && done < samples; ++i, ++done) {
      s.time_one([&] { rig.spawn(); });
    }
    rt.run_until_idle();
  }
  // Batched: the same spawns in batches (of K when K is smaller than the batch).
  const std::size_t b = std::min(s.batch(), k);
  for (std::size_t done = 0; done + b <= samples;) {
    for (std::size_t i = 0; i + b <= k && done + b <= samples; i += b, done += b) {
      s.time_batch(b, [&] { rig.spawn(); });
    }
    rt.run_until_idle();
  }
  rig.describe(s);
}

}  // namespace

ScenarioSpec spawn_burst_scenario() {
  return {
      "spawn_burst",
      "spawn K tasks, then run them all: cost against the live set",
      {{"k", "tasks spawned before any runs", {1024}, {16, 256, 1024, 4096, 16384, 65536}},
       {"frame", "target frame size in bytes", {256}, {256}},
       run_size_param("ops", "tasks in the timed batch (rounds of K)", {1'000'000}, {4'000'000}),
       run_size_param("samples", "single spawns timed for latency", {200'000}, {1'000'000}),
       run_size_param("batch", "operations per batched latency sample (one timing pair each)", {64},
                      {64})},
      true,
      run};
}

}  // namespace allocbench
