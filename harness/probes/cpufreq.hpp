// The CPU frequency policy the measurements ran under, where Linux exposes it: the cpufreq
// governor of every CPU and the boost (turbo) switch. A "performance" governor with boost off
// is the quiet setting; "powersave"/"schedutil" with boost on lets the clock move under the
// benchmark. Where sysfs has no cpufreq (VMs usually do not), the answer is "unavailable" with
// the path that was missing, never a guess.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace allocbench {

struct CpuFreqInfo {
  std::vector<std::pair<std::string, std::string>> governors;  // ("cpu0", "performance"), ...
  std::string governors_unavailable;                           // why governors is empty
  std::optional<bool> boost;      // the boost (turbo) switch, when a file tells
  std::string boost_source;       // the file that told
  std::string boost_unavailable;  // why boost is empty
};

// root: /sys/devices/system/cpu. Serialised by harness/report/probe_json.
CpuFreqInfo cpufreq_info(const std::filesystem::path& root = "/sys/devices/system/cpu");

}  // namespace allocbench
