// The raw tick source every timing in the harness reads. Like Google Benchmark's cycleclock.h:
// header-only and inline, because a call per read would be part of what is measured.
//
// On x86-64 with RDTSCP the tick is the time-stamp counter, read as `rdtscp; lfence`: rdtscp
// waits until every earlier instruction has executed, and the lfence keeps later instructions
// from starting before the read, so one function serves as both the start and the end stamp of a
// timed region. Elsewhere (or if the CPU lacks RDTSCP) the tick is CLOCK_MONOTONIC_RAW in ns.
// The choice is made once per process, so ticks from one process are always comparable;
// timer.hpp converts them to nanoseconds.
#pragma once

#include <time.h>

#include <cstdint>

#if defined(__x86_64__)
#include <cpuid.h>
#include <x86intrin.h>
#endif

namespace allocbench::cycle_clock {

enum class Source { kRdtscp, kClockGettime };

// Reads CLOCK_MONOTONIC_RAW (not slewed by NTP, which is what a TSC is compared against).
inline std::uint64_t monotonic_raw_ns() noexcept {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC_RAW, &ts);
  return static_cast<std::uint64_t>(ts.tv_sec) * 1'000'000'000u +
         static_cast<std::uint64_t>(ts.tv_nsec);
}

// CPUID leaf 0x80000001, EDX bit 27: RDTSCP is implemented.
inline bool cpu_has_rdtscp() noexcept {
#if defined(__x86_64__)
  unsigned eax = 0, ebx = 0, ecx = 0, edx = 0;
  if (__get_cpuid(0x80000001u, &eax, &ebx, &ecx, &edx) == 0) return false;
  return (edx & (1u << 27)) != 0;
#else
  return false;
#endif
}

// Reads the TSC with `rdtscp; lfence`. Only call it where cpu_has_rdtscp() holds.
inline std::uint64_t read_tsc() noexcept {
#if defined(__x86_64__)
  unsigned aux = 0;
  const std::uint64_t t = __rdtscp(&aux);
  _mm_lfence();
  return t;
#else
  return monotonic_raw_ns();
#endif
}

// The source ticks_now() uses in this process, decided on first use.
inline Source active_source() noexcept {
  static const Source source = cpu_has_rdtscp() ? Source::kRdtscp : Source::kClockGettime;
  return source;
}

inline const char* source_name(Source s) noexcept {
  return s == Source::kRdtscp ? "rdtscp" : "clock_gettime(CLOCK_MONOTONIC_RAW)";
}

// One serialising read of the process's tick source.
inline std::uint64_t ticks_now() noexcept {
  return active_source() == Source::kRdtscp ? read_tsc() : monotonic_raw_ns();
}

// Reads a specific source; for calibration and tests, which compare sources side by side.
inline std::uint64_t ticks_now(Source s) noexcept {
  return s == Source::kRdtscp ? read_tsc() : monotonic_raw_ns();
}

}  // namespace allocbench::cycle_clock
