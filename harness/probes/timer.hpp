// Converts cycle_clock ticks to nanoseconds. The tick rate is calibrated against
// CLOCK_MONOTONIC_RAW, and the cost of an empty timing pair (two back-to-back reads) is measured
// so that it can be subtracted from every timed region: at 6-30 ns per operation the pair's own
// cost is a large share of what a single-operation sample shows.
#pragma once

#include <cstdint>
#include <string>

#include "harness/probes/cycle_clock.hpp"

namespace allocbench {

struct TimerCalibration {
  double ticks_per_ns = 1.0;    // median over the calibration rounds
  double overhead_ticks = 0;    // median cost of an empty ticks_now() pair
  double overhead_ns = 0;       // the same in ns
  double resolution_ticks = 1;  // smallest non-zero step between two reads
  double resolution_ns = 0;     // the same in ns: single-operation samples are multiples of it
  std::string source;           // "rdtscp" or "clock_gettime(CLOCK_MONOTONIC_RAW)"
  bool invariant_tsc = false;   // /proc/cpuinfo has both constant_tsc and nonstop_tsc
  bool constant_tsc = false;    // TSC rate does not follow frequency scaling
  bool nonstop_tsc = false;     // TSC keeps counting in deep C-states
  int rounds = 0;               // calibration rounds the median was taken over
  double round_ms = 0;          // length of one round against CLOCK_MONOTONIC_RAW
  double rate_spread = 0;       // (max - min) / median of the per-round rates: calibration noise
};

// Calibrates `source` now (about rounds * round_ms of busy waiting). For tests and tools;
// measurements use calibrate_timer(). Every worker process calibrates, so the rounds are short:
// 10 ms rounds give the same median rate as 20 ms rounds to 1e-5 on the development VM, and
// the 50 ms saved per process is about 20 s of a quick run (420 processes).
TimerCalibration calibrate(cycle_clock::Source source, int rounds = 5, double round_ms = 10.0);

// The calibration of the process's tick source, computed on first call and cached.
const TimerCalibration& calibrate_timer();

// One serialising tick read (see cycle_clock.hpp).
inline std::uint64_t ticks_now() noexcept {
  return cycle_clock::ticks_now();
}

// Converts a tick count to ns; no overhead is subtracted.
inline double ticks_to_ns(double ticks, const TimerCalibration& cal) noexcept {
  return ticks / cal.ticks_per_ns;
}

// Ticks between two stamps minus the empty-pair overhead, clamped at 0: a region faster than the
// average pair cost is reported as 0, never negative.
inline double elapsed_ticks(std::uint64_t start, std::uint64_t end,
                            const TimerCalibration& cal) noexcept {
  const double raw = end > start ? static_cast<double>(end - start) : 0.0;
  return raw > cal.overhead_ticks ? raw - cal.overhead_ticks : 0.0;
}

// elapsed_ticks() in ns.
inline double elapsed_ns(std::uint64_t start, std::uint64_t end,
                         const TimerCalibration& cal) noexcept {
  return ticks_to_ns(elapsed_ticks(start, end, cal), cal);
}

}  // namespace allocbench
