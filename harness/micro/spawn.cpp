// Spawn + run + free of a trivial task through the runtime: the whole frame path, on both the
// backend path (spawn_slab) and the Box path (spawn, frame from global operator new).
#include <benchmark/benchmark.h>

#include <cstddef>
#include <cstdint>
#include <exception>
#include <string>

#include "harness/micro/micro_support.hpp"
#include "runtime/runtime.hpp"

namespace allocbench::micro {
namespace {

Task<void> trivial() {
  co_return;
}

void spawn_slab_one(Runtime& rt) {
  rt.spawn_slab([] { return trivial(); }).detach();
}
void spawn_box_one(Runtime& rt) {
  rt.spawn(trivial()).detach();
}

// Backend calls per task, read from the backend's own block count: kProbeTasks tasks are spawned
// and left queued (their frames are live), then run (their frames are freed). Done once, before
// the timed loop, with the same spawn function the loop uses; it also warms the runtime.
constexpr std::size_t kProbeTasks = 64;  // within the bounded slab's default 1024 slots

template <class SpawnOne>
BackendCalls probe_backend_calls(Runtime& rt, SpawnOne spawn_one) {
  const std::size_t before = rt.backend().stats().live_blocks;
  for (std::size_t i = 0; i < kProbeTasks; ++i) spawn_one(rt);
  const std::size_t queued = rt.backend().stats().live_blocks;
  rt.run_until_idle();
  const std::size_t after = rt.backend().stats().live_blocks;
  return {static_cast<double>(queued - before) / kProbeTasks,
          static_cast<double>(queued - after) / kProbeTasks};
}

template <class SpawnOne>
void spawn_run_free(benchmark::State& state, SpawnOne spawn_one) {
  Runtime rt;  // default BackendConfig: 256-byte slots, 1024 of them
  BackendCalls per_task;
  std::size_t frame_bytes = 0;
  try {
    per_task = probe_backend_calls(rt, spawn_one);
    frame_bytes = detail::tls_last_block_size;
  } catch (const std::exception& e) {
    state.SkipWithError((std::string(TaskBackend::name()) + ": " + e.what()).c_str());
    return;
  }

  GlobalAllocWindow global;
  global.start();
  try {
    for (auto _ : state) {
      spawn_one(rt);
      rt.run_until_idle();
    }
  } catch (const std::exception& e) {
    state.SkipWithError((std::string(TaskBackend::name()) + ": " + e.what()).c_str());
  }
  global.stop();
  if (rt.live_tasks() != 0) state.SkipWithError("tasks still live after run_until_idle");
  const auto tasks = static_cast<double>(state.iterations());
  report_per_item(state, 1, static_cast<std::int64_t>(frame_bytes),
                  {per_task.allocs * tasks, per_task.frees * tasks}, global);
  state.counters["frame_size_bytes"] = static_cast<double>(frame_bytes);
}

void spawn_slab_run_free(benchmark::State& state) {
  spawn_run_free(state, spawn_slab_one);
}
void spawn_box_run_free(benchmark::State& state) {
  spawn_run_free(state, spawn_box_one);
}

BENCHMARK(spawn_slab_run_free)->ReportAggregatesOnly(false);
BENCHMARK(spawn_box_run_free)->ReportAggregatesOnly(false);

}  // namespace
}  // namespace allocbench::micro
