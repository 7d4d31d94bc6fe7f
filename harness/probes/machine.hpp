// Describes the machine a report was measured on (the report's "machine" object): CPU, caches,
// kernel, compiler and flags, and what the timer and hardware counters could do here. Numbers are
// machine-relative, so every report carries this.
#pragma once

#include <cstddef>
#include <string>

#include <nlohmann/json.hpp>

namespace allocbench {

// {"cpu_model", "cores", "physical_cores", "caches", "kernel", "compiler", "flags", "tsc_ghz",
//  "timer": {"source", "overhead_ns", "invariant_tsc", ...}, "hw_counters": {"available",
//  "reason"}}. Calibrates the timer and probes perf_event_open on first use.
nlohmann::json machine_info();

struct LastLevelCache {
  std::size_t bytes = 0;
  bool known = false;
  std::string note;  // where the size came from, or why the fallback is used
};

// The largest cache of cpu0 in /sys/devices/system/cpu/cpu0/cache; 32 MiB when sysfs says nothing.
LastLevelCache last_level_cache();
inline std::size_t last_level_cache_bytes() {
  return last_level_cache().bytes;
}

}  // namespace allocbench
