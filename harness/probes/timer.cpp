#include "harness/probes/timer.hpp"

#include <algorithm>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace allocbench {
namespace {

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  return n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2.0;
}

// True if the first "flags" line of /proc/cpuinfo lists `flag`.
bool cpu_flag(const std::string& flag) {
  std::ifstream in("/proc/cpuinfo");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("flags", 0) != 0) continue;
    std::istringstream words(line.substr(line.find(':') + 1));
    std::string w;
    while (words >> w) {
      if (w == flag) return true;
    }
    return false;
  }
  return false;
}

// A tick stamp paired with a CLOCK_MONOTONIC_RAW stamp; the tick is the midpoint of two reads
// bracketing the clock read, which halves the error from the clock call's own duration.
struct PairedStamp {
  double ticks;
  std::uint64_t ns;
};

PairedStamp paired_stamp(cycle_clock::Source source) {
  const std::uint64_t a = cycle_clock::ticks_now(source);
  const std::uint64_t ns = cycle_clock::monotonic_raw_ns();
  const std::uint64_t b = cycle_clock::ticks_now(source);
  return {static_cast<double>(a) / 2.0 + static_cast<double>(b) / 2.0, ns};
}

// Median ticks of an empty timing pair; many pairs because a single one is dominated by noise
// (interrupts, the VM's exits), and the median ignores those outliers.
double empty_pair_ticks(cycle_clock::Source source) {
  constexpr int kWarmup = 1000;
  constexpr int kPairs = 20001;
  std::vector<double> costs;
  costs.reserve(kPairs);
  for (int i = 0; i < kWarmup + kPairs; ++i) {
    const std::uint64_t t0 = cycle_clock::ticks_now(source);
    const std::uint64_t t1 = cycle_clock::ticks_now(source);
    if (i >= kWarmup) costs.push_back(static_cast<double>(t1 - t0));
  }
  return median(std::move(costs));
}

// The smallest non-zero step between two reads. Some VMs advance the TSC in coarse steps (26
// ticks, 10 ns, seen here), which quantises every single-operation latency sample.
double resolution_ticks(cycle_clock::Source source) {
  std::uint64_t best = UINT64_MAX;
  for (int i = 0; i < 20000; ++i) {
    const std::uint64_t t0 = cycle_clock::ticks_now(source);
    std::uint64_t t1 = cycle_clock::ticks_now(source);
    while (t1 == t0) t1 = cycle_clock::ticks_now(source);
    best = std::min(best, t1 - t0);
  }
  return static_cast<double>(best);
}

}  // namespace

TimerCalibration calibrate(cycle_clock::Source source, int rounds, double round_ms) {
  TimerCalibration cal;
  cal.source = cycle_clock::source_name(source);
  cal.constant_tsc = cpu_flag("constant_tsc");
  cal.nonstop_tsc = cpu_flag("nonstop_tsc");
  cal.invariant_tsc = cal.constant_tsc && cal.nonstop_tsc;
  cal.rounds = rounds;
  cal.round_ms = round_ms;

  if (source == cycle_clock::Source::kClockGettime) {
    cal.ticks_per_ns = 1.0;  // the ticks are already nanoseconds
  } else {
    // Busy-wait rather than sleep: the thread stays on its core, so a TSC that is not synchronised
    // across cores (rare, but possible on old hosts) cannot skew a round.
    const auto round_ns = static_cast<std::uint64_t>(round_ms * 1e6);
    std::vector<double> rates;
    for (int r = 0; r < rounds; ++r) {
      const PairedStamp begin = paired_stamp(source);
      while (cycle_clock::monotonic_raw_ns() - begin.ns < round_ns) {
      }
      const PairedStamp end = paired_stamp(source);
      rates.push_back((end.ticks - begin.ticks) / static_cast<double>(end.ns - begin.ns));
    }
    cal.ticks_per_ns = median(rates);
    const auto [lo, hi] = std::minmax_element(rates.begin(), rates.end());
    cal.rate_spread = (*hi - *lo) / cal.ticks_per_ns;
  }
  cal.overhead_ticks = empty_pair_ticks(source);
  cal.overhead_ns = cal.overhead_ticks / cal.ticks_per_ns;
  cal.resolution_ticks = resolution_ticks(source);
  cal.resolution_ns = cal.resolution_ticks / cal.ticks_per_ns;
  return cal;
}

const TimerCalibration& calibrate_timer() {
  static const TimerCalibration cal = calibrate(cycle_clock::active_source());
  return cal;
}

}  // namespace allocbench
