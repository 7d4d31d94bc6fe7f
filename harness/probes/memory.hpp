// Process memory as the kernel sees it: resident set (current and peak) and page faults.
// Peak RSS is a high-water mark for the whole process, so a worker that runs several scenarios
// resets it (reset_peak_rss) before each one; where the kernel refuses, the result says so
// instead of reporting a peak polluted by an earlier scenario.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace allocbench {

struct MemorySample {
  std::optional<std::uint64_t> peak_rss_bytes;     // VmHWM of /proc/self/status
  std::optional<std::uint64_t> current_rss_bytes;  // VmRSS of /proc/self/status
  std::uint64_t minor_faults = 0;                  // getrusage(RUSAGE_SELF).ru_minflt
  std::uint64_t major_faults = 0;                  // getrusage(RUSAGE_SELF).ru_majflt
  std::string unavailable_reason;                  // why a field above is empty, else ""
};

MemorySample read_memory();

struct PeakRssReset {
  bool ok = false;
  std::string detail;  // what was done, or why the reset is not possible
};

// Writes "5" to /proc/self/clear_refs (Linux >= 4.0), which sets VmHWM back to the current RSS.
PeakRssReset reset_peak_rss();

}  // namespace allocbench
