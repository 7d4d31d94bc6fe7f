// What every micro benchmark shares: the backend geometry chosen for a block size, and the
// per-item counters each one reports, so the JSON rows of all benchmarks read the same way.
//
// Counters (all per item; an item is one block or one task):
//   allocs_per_item / frees_per_item: calls into the task-allocator backend. An elided or
//     skipped allocation shows as 0 here instead of as a suspiciously fast time.
//   global_allocs_per_item / global_frees_per_item: calls into global operator new / delete on
//     this thread during the timed part (harness/probes/alloc_counter.hpp). Omitted when the
//     counter is not linked (sanitizer builds); the context key global_alloc_counter says why.
//   ns_per_item: the benchmark's time divided by the items it processed.
//
// Times are the thread's CPU time (Google Benchmark's default), except batch_free's manual TSC
// time. Wall time is still in every row (real_time), but it does not decide the iteration count:
// on a shared 2-core VM one preemption during the one-iteration estimation run passed for a whole
// measurement (1 iteration of 10 ms, reused by every repetition).
#pragma once

#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>

#include "allocators/backend.hpp"
#include "harness/probes/alloc_counter.hpp"

namespace allocbench::micro {

// The largest slab slot these benchmarks build. A slab models fixed task-frame slots; a block
// larger than this is reported as skipped, with the reason, rather than served by a slab sized
// to whatever was asked.
inline constexpr std::size_t kSlabMaxSlot = 1024;

inline constexpr std::size_t round_up(std::size_t n, std::size_t to) noexcept {
  return (n + to - 1) / to * to;
}

// A backend configuration whose slot fits `block` bytes (up to kSlabMaxSlot) and which holds
// `blocks` of them without growing inside the timed loop. Malloc backends use none of it.
inline BackendConfig config_for(std::size_t block, std::size_t blocks) {
  BackendConfig c;
  c.slot_size = std::min(round_up(block, kSlotAlign), kSlabMaxSlot);
  c.capacity = blocks;
  c.slots_per_chunk = std::min<std::size_t>(blocks, 256);
  c.reserve_chunks = (blocks + c.slots_per_chunk - 1) / c.slots_per_chunk;
  return c;
}

// Why a backend returned nullptr for a block, for SkipWithError.
inline std::string unservable_reason(std::size_t block, const TaskBackend& b) {
  std::string why = std::string(TaskBackend::name()) + ": allocate(" + std::to_string(block) +
                    ") returned nullptr";
  if (TaskBackend::kIsSlab && block > b.max_block()) {
    why += " (block larger than the " + std::to_string(b.max_block()) +
           "-byte slot; micro benchmarks build slab slots of at most " +
           std::to_string(kSlabMaxSlot) + " bytes)";
  }
  return why;
}

// Calls into global new/delete on this thread, summed over the timed parts of a benchmark.
class GlobalAllocWindow {
 public:
  void start() noexcept { at_start_ = alloc_counter::snapshot(); }
  void stop() noexcept {
    const alloc_counter::Snapshot d = alloc_counter::snapshot() - at_start_;
    total_.news += d.news;
    total_.deletes += d.deletes;
  }
  const alloc_counter::Snapshot& total() const noexcept { return total_; }

 private:
  alloc_counter::Snapshot at_start_;
  alloc_counter::Snapshot total_;
};

// Backend calls made for the items of one benchmark run.
struct BackendCalls {
  double allocs = 0;
  double frees = 0;
};

// Sets items/bytes processed and the per-item counters described at the top of this file.
// items_per_iteration: items one iteration of the state loop processes.
inline void report_per_item(benchmark::State& state, std::int64_t items_per_iteration,
                            std::int64_t bytes_per_item, const BackendCalls& calls,
                            const GlobalAllocWindow& global) {
  const auto items = static_cast<double>(state.iterations() * items_per_iteration);
  if (items == 0) return;
  state.SetItemsProcessed(state.iterations() * items_per_iteration);
  state.SetBytesProcessed(state.iterations() * items_per_iteration * bytes_per_item);
  state.counters["allocs_per_item"] = calls.allocs / items;
  state.counters["frees_per_item"] = calls.frees / items;
  if (alloc_counter::enabled()) {
    state.counters["global_allocs_per_item"] = static_cast<double>(global.total().news) / items;
    state.counters["global_frees_per_item"] = static_cast<double>(global.total().deletes) / items;
  }
  // Rate counters divide by the benchmark's time (CPU or manual) in seconds; inverted,
  // items * 1e-9 per iteration gives ns per item.
  state.counters["ns_per_item"] = benchmark::Counter(
      static_cast<double>(items_per_iteration) * 1e-9,
      benchmark::Counter::kIsIterationInvariantRate | benchmark::Counter::kInvert);
}

}  // namespace allocbench::micro
