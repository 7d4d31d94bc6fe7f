// Free only: N 256-byte blocks are allocated untimed, then their N frees are timed as one batch
// with the calibrated TSC timer (manual time). Pausing the benchmark's own timer per item would
// cost more than the free itself.
#include <benchmark/benchmark.h>

#include <cstddef>
#include <cstdint>
#include <vector>

#include "allocators/backend.hpp"
#include "harness/micro/micro_support.hpp"
#include "harness/probes/timer.hpp"

namespace allocbench::micro {
namespace {

constexpr std::size_t kBlock = 256;

// Allocates every block; false (with nothing left allocated) if the backend ran out.
bool fill(TaskBackend& backend, std::vector<void*>& blocks) {
  for (std::size_t i = 0; i < blocks.size(); ++i) {
    void* p = backend.allocate(kBlock);
    if (p == nullptr) {
      for (std::size_t j = 0; j < i; ++j) backend.deallocate(blocks[j], kBlock);
      return false;
    }
    *static_cast<volatile unsigned char*>(p) = 1;
    blocks[i] = p;
  }
  return true;
}

void batch_free(benchmark::State& state) {
  const auto n = static_cast<std::size_t>(state.range(0));
  const TimerCalibration& cal = calibrate_timer();
  TaskBackend backend(config_for(kBlock, n));
  std::vector<void*> blocks(n);

  std::uint64_t allocs = 0;
  std::uint64_t frees = 0;
  GlobalAllocWindow global;
  for (auto _ : state) {
    if (!fill(backend, blocks)) {
      state.SkipWithError(unservable_reason(kBlock, backend).c_str());
      break;
    }
    allocs += n;
    benchmark::DoNotOptimize(blocks.data());
    benchmark::ClobberMemory();
    global.start();
    const std::uint64_t start = ticks_now();
    for (void* p : blocks) backend.deallocate(p, kBlock);
    benchmark::ClobberMemory();
    const std::uint64_t end = ticks_now();
    global.stop();
    frees += n;
    state.SetIterationTime(elapsed_ns(start, end, cal) * 1e-9);
  }
  report_per_item(state, static_cast<std::int64_t>(n), kBlock,
                  {static_cast<double>(allocs), static_cast<double>(frees)}, global);
}

BENCHMARK(batch_free)
    ->ArgName("n")
    ->Arg(16)
    ->Arg(256)
    ->Arg(4096)
    ->Arg(65536)
    ->UseManualTime()
    ->ReportAggregatesOnly(false);

}  // namespace
}  // namespace allocbench::micro
