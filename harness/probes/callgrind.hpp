// Switches callgrind's event collection on only around a timed region, for the cache-simulation
// mode (workers run under `valgrind --tool=callgrind --cache-sim=yes`). Outside valgrind every
// call is a few no-op instructions.
//
// Valgrind 3.19 has these callgrind client requests (valgrind/callgrind.h): CALLGRIND_DUMP_STATS,
// CALLGRIND_DUMP_STATS_AT(str), CALLGRIND_ZERO_STATS, CALLGRIND_TOGGLE_COLLECT,
// CALLGRIND_START_INSTRUMENTATION and CALLGRIND_STOP_INSTRUMENTATION. Cachegrind has no client
// requests in 3.19, which is why the simulation mode uses callgrind.
//
// We toggle *collection*, not instrumentation: with instrumentation stopped the cache simulator
// does not run either, so the caches would be cold (or stale) when the timed region starts.
// Collection off still simulates every access, so warm-up really warms the simulated caches.
// Launch the worker with collection off from the start:
//   valgrind --tool=callgrind --cache-sim=yes --collect-atstart=no
//            --I1=32768,8,64 --D1=32768,8,64 --LL=8388608,16,64
//            --callgrind-out-file=callgrind.out.%p allocbench-worker-<backend> run ...
// (one command line)
// and bracket each timed region with start() / stop_and_dump("<scenario>"); each dump is a
// separate part in the output file holding only that region's events.
#pragma once

#if __has_include(<valgrind/callgrind.h>)
#include <valgrind/callgrind.h>
#include <valgrind/valgrind.h>
#define ALLOCBENCH_HAVE_VALGRIND 1
#else
#define ALLOCBENCH_HAVE_VALGRIND 0
#endif

namespace allocbench::callgrind {

// Compiled with the valgrind headers (otherwise everything below is a no-op).
inline constexpr bool kHeadersAvailable = ALLOCBENCH_HAVE_VALGRIND != 0;

inline bool running_on_valgrind() noexcept {
#if ALLOCBENCH_HAVE_VALGRIND
  return RUNNING_ON_VALGRIND != 0;
#else
  return false;
#endif
}

namespace detail {
// TOGGLE_COLLECT flips the state, so keep track of it: a second start() must not switch off.
inline bool collecting = false;
}  // namespace detail

// Zeroes the counters gathered so far and switches collection on.
inline void start() noexcept {
#if ALLOCBENCH_HAVE_VALGRIND
  CALLGRIND_ZERO_STATS;
  if (!detail::collecting) CALLGRIND_TOGGLE_COLLECT;
#endif
  detail::collecting = true;
}

// Switches collection off.
inline void stop() noexcept {
#if ALLOCBENCH_HAVE_VALGRIND
  if (detail::collecting) CALLGRIND_TOGGLE_COLLECT;
#endif
  detail::collecting = false;
}

// stop(), then writes the region's counts as a dump part named `label` (and zeroes them).
inline void stop_and_dump(const char* label) noexcept {
  stop();
#if ALLOCBENCH_HAVE_VALGRIND
  CALLGRIND_DUMP_STATS_AT(label);
#else
  (void)label;
#endif
}

}  // namespace allocbench::callgrind
