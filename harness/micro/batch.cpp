// N allocations, then N frees, of 256-byte blocks: the backend with many live blocks at once, as
// in a burst of spawned tasks. Reported per block.
#include <benchmark/benchmark.h>

#include <cstddef>
#include <cstdint>
#include <vector>

#include "allocators/backend.hpp"
#include "harness/micro/micro_support.hpp"

namespace allocbench::micro {
namespace {

constexpr std::size_t kBlock = 256;

void batch_alloc_free(benchmark::State& state) {
  const auto n = static_cast<std::size_t>(state.range(0));
  TaskBackend backend(config_for(kBlock, n));
  std::vector<void*> blocks(n);
  // One untimed round: slabs have their chunks and malloc libraries their pages before timing.
  for (auto& p : blocks) {
    p = backend.allocate(kBlock);
    if (p == nullptr) {
      state.SkipWithError(unservable_reason(kBlock, backend).c_str());
      for (void* q : blocks)
        if (q != nullptr) backend.deallocate(q, kBlock);
      return;
    }
  }
  for (void* p : blocks) backend.deallocate(p, kBlock);

  std::uint64_t allocs = 0;
  std::uint64_t frees = 0;
  GlobalAllocWindow global;
  global.start();
  for (auto _ : state) {
    std::size_t got = 0;
    for (; got < n; ++got) {
      void* p = backend.allocate(kBlock);
      if (p == nullptr) [[unlikely]]
        break;
      *static_cast<volatile unsigned char*>(p) = 1;
      blocks[got] = p;
    }
    allocs += got;
    benchmark::DoNotOptimize(blocks.data());
    benchmark::ClobberMemory();
    for (std::size_t i = 0; i < got; ++i) backend.deallocate(blocks[i], kBlock);
    frees += got;
    benchmark::ClobberMemory();
    if (got != n) [[unlikely]] {
      state.SkipWithError(unservable_reason(kBlock, backend).c_str());
      break;
    }
  }
  global.stop();
  report_per_item(state, static_cast<std::int64_t>(n), kBlock,
                  {static_cast<double>(allocs), static_cast<double>(frees)}, global);
}

BENCHMARK(batch_alloc_free)
    ->ArgName("n")
    ->Arg(16)
    ->Arg(256)
    ->Arg(4096)
    ->Arg(65536)
    ->ReportAggregatesOnly(false);

}  // namespace
}  // namespace allocbench::micro
