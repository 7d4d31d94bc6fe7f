// The CPU frequency policy the measurements ran under, where Linux exposes it: the cpufreq
// governor of every CPU and the boost (turbo) switch. A "performance" governor with boost off
// is the quiet setting; "powersave"/"schedutil" with boost on lets the clock move under the
// benchmark. Where sysfs has no cpufreq (VMs usually do not), the answer is "unavailable" with
// the path that was missing, never a guess.
#pragma once

#include <filesystem>

#include <nlohmann/json.hpp>

namespace allocbench {

// {"governors": {"cpu0": "performance", ...}, "boost": {"enabled": bool, "source": path}} or
// parts of it as {"source": "unavailable", "reason": ...}. root: /sys/devices/system/cpu.
nlohmann::json cpufreq_info(const std::filesystem::path& root = "/sys/devices/system/cpu");

}  // namespace allocbench
