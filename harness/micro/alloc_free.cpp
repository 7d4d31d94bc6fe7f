// One allocate + free pair through the backend object, at several block sizes: the backend's
// fastest path, with the block written once as a frame would be.
#include <benchmark/benchmark.h>

#include <cstddef>
#include <cstdint>

#include "allocators/backend.hpp"
#include "harness/micro/micro_support.hpp"

namespace allocbench::micro {
namespace {

void alloc_free(benchmark::State& state) {
  const auto size = static_cast<std::size_t>(state.range(0));
  TaskBackend backend(config_for(size, 1));
  // Decide servability with the backend itself, outside the timed loop; this also warms it.
  void* probe = backend.allocate(size);
  if (probe == nullptr) {
    state.SkipWithError(unservable_reason(size, backend).c_str());
    return;
  }
  backend.deallocate(probe, size);

  std::uint64_t allocs = 0;
  std::uint64_t frees = 0;
  GlobalAllocWindow global;
  global.start();
  for (auto _ : state) {
    void* p = backend.allocate(size);
    benchmark::DoNotOptimize(p);
    if (p == nullptr) [[unlikely]] {
      state.SkipWithError(unservable_reason(size, backend).c_str());
      break;
    }
    ++allocs;
    *static_cast<volatile unsigned char*>(p) = 1;  // a frame is written as soon as it exists
    benchmark::ClobberMemory();
    backend.deallocate(p, size);
    ++frees;
  }
  global.stop();
  report_per_item(state, 1, static_cast<std::int64_t>(size),
                  {static_cast<double>(allocs), static_cast<double>(frees)}, global);
}

BENCHMARK(alloc_free)
    ->ArgName("size")
    ->Arg(16)
    ->Arg(64)
    ->Arg(256)
    ->Arg(1024)
    ->Arg(4096)
    ->ReportAggregatesOnly(false);

}  // namespace
}  // namespace allocbench::micro
