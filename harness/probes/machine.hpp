// Describes the machine a report was measured on (the report's "machine" object): CPU, caches,
// kernel, compiler and flags, and what the timer and hardware counters could do here. Numbers are
// machine-relative, so every report carries this.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "harness/probes/cpufreq.hpp"
#include "harness/probes/timer.hpp"

namespace allocbench {

struct LastLevelCache {
  std::size_t bytes = 0;
  bool known = false;
  std::string note;  // where the size came from, or why the fallback is used
};

struct CacheLevel {  // one /sys/devices/system/cpu/cpu0/cache/indexN
  int level = 0;
  std::string type;  // "Data", "Instruction", "Unified"
  std::size_t size_bytes = 0;
  int ways = 0;
  int line_bytes = 0;
};

struct HwCounterSupport {
  bool available = false;
  std::string reason;     // why not, when not
  std::string llc_event;  // which event serves LLC misses, when available
};

// The report's "machine" (serialised by harness/report/probe_json).
struct MachineInfo {
  std::string cpu_model;
  int cores = 0;                      // logical CPUs
  std::optional<int> physical_cores;  // absent when /proc/cpuinfo does not say
  std::vector<CacheLevel> caches;
  LastLevelCache last_level_cache;
  std::string kernel, compiler, flags;
  std::optional<double> tsc_ghz;  // ticks per ns, only when ticks are TSC cycles (rdtscp)
  TimerCalibration timer;
  HwCounterSupport hw_counters;
  CpuFreqInfo cpufreq;
};

// Calibrates the timer and probes perf_event_open on first use.
MachineInfo machine_info();

// The largest cache of cpu0 in /sys/devices/system/cpu/cpu0/cache; 32 MiB when sysfs says nothing.
LastLevelCache last_level_cache();
inline std::size_t last_level_cache_bytes() {
  return last_level_cache().bytes;
}

}  // namespace allocbench
