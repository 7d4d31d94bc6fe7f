#include "harness/probes/timer.hpp"

#include <gtest/gtest.h>
#include <time.h>

#include <cmath>

namespace allocbench {
namespace {

TEST(Timer, CalibrationIsPositiveAndFinite) {
  const TimerCalibration& cal = calibrate_timer();
  EXPECT_TRUE(std::isfinite(cal.ticks_per_ns));
  EXPECT_GT(cal.ticks_per_ns, 0.0);
  EXPECT_GE(cal.overhead_ticks, 0.0);
  EXPECT_GE(cal.overhead_ns, 0.0);
  EXPECT_GT(cal.rounds, 0);
  EXPECT_EQ(cal.source, cycle_clock::source_name(cycle_clock::active_source()));
  // The same object every time: calibration runs once per process.
  EXPECT_EQ(&cal, &calibrate_timer());
}

TEST(Timer, UsesRdtscpWhenTheCpuHasIt) {
  EXPECT_EQ(cycle_clock::active_source() == cycle_clock::Source::kRdtscp,
            cycle_clock::cpu_has_rdtscp());
}

TEST(Timer, InvariantTscMeansBothFlags) {
  const TimerCalibration& cal = calibrate_timer();
  EXPECT_EQ(cal.invariant_tsc, cal.constant_tsc && cal.nonstop_tsc);
}

// Loose bounds: a VM can be descheduled at any time, so only gross errors (a wrong unit, an
// inverted ratio, a forgotten scale) must fail here.
TEST(Timer, AgreesWithClockGettimeOverASleep) {
  const TimerCalibration& cal = calibrate_timer();
  const std::uint64_t ns0 = cycle_clock::monotonic_raw_ns();
  const std::uint64_t t0 = ticks_now();
  const timespec nap{0, 30'000'000};
  nanosleep(&nap, nullptr);
  const std::uint64_t t1 = ticks_now();
  const std::uint64_t ns1 = cycle_clock::monotonic_raw_ns();
  const double by_ticks = ticks_to_ns(static_cast<double>(t1 - t0), cal);
  const double by_clock = static_cast<double>(ns1 - ns0);
  EXPECT_GE(by_clock, 30e6);
  EXPECT_NEAR(by_ticks / by_clock, 1.0, 0.05)
      << "ticks say " << by_ticks << " ns, clock says " << by_clock << " ns";
}

TEST(Timer, TwoCalibrationsAgree) {
  const TimerCalibration a = calibrate(cycle_clock::active_source(), 3, 10.0);
  const TimerCalibration b = calibrate(cycle_clock::active_source(), 3, 10.0);
  EXPECT_NEAR(a.ticks_per_ns / b.ticks_per_ns, 1.0, 0.05);
}

TEST(Timer, ClockGettimeFallbackCountsNanoseconds) {
  const TimerCalibration cal = calibrate(cycle_clock::Source::kClockGettime, 1, 1.0);
  EXPECT_EQ(cal.ticks_per_ns, 1.0);
  EXPECT_EQ(cal.source, "clock_gettime(CLOCK_MONOTONIC_RAW)");
  EXPECT_GE(cal.overhead_ns, 0.0);
  EXPECT_EQ(cal.overhead_ns, cal.overhead_ticks);
}

TEST(Timer, TicksAreMonotonicOnOneThread) {
  std::uint64_t prev = ticks_now();
  for (int i = 0; i < 200000; ++i) {
    const std::uint64_t now = ticks_now();
    ASSERT_GE(now, prev) << "at read " << i;
    prev = now;
  }
}

TEST(Timer, OverheadSubtractionNeverGoesNegative) {
  const TimerCalibration& cal = calibrate_timer();
  int clamped = 0;
  for (int i = 0; i < 100000; ++i) {
    const std::uint64_t a = ticks_now();
    const std::uint64_t b = ticks_now();
    const double ns = elapsed_ns(a, b, cal);
    ASSERT_GE(ns, 0.0);
    clamped += ns == 0.0 ? 1 : 0;
  }
  // The overhead is the median empty pair, so a good share of empty pairs must clamp to 0.
  EXPECT_GT(clamped, 0);
  EXPECT_EQ(elapsed_ticks(100, 50, cal), 0.0);  // reversed stamps
}

TEST(Timer, OverheadIsSubtractedExactly) {
  TimerCalibration cal;
  cal.ticks_per_ns = 2.0;
  cal.overhead_ticks = 10.0;
  EXPECT_DOUBLE_EQ(elapsed_ticks(1000, 1110, cal), 100.0);
  EXPECT_DOUBLE_EQ(elapsed_ns(1000, 1110, cal), 50.0);
  EXPECT_DOUBLE_EQ(elapsed_ns(1000, 1005, cal), 0.0);
  EXPECT_DOUBLE_EQ(ticks_to_ns(26.0, cal), 13.0);
}

}  // namespace
}  // namespace allocbench
