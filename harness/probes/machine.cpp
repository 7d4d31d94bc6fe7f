#include "harness/probes/machine.hpp"

#include <sys/utsname.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <utility>
#include <vector>

#include "harness/probes/cpufreq.hpp"
#include "harness/probes/cycle_clock.hpp"
#include "harness/probes/perf_counters.hpp"
#include "harness/probes/timer.hpp"

#ifndef ALLOCBENCH_CXX_FLAGS
#define ALLOCBENCH_CXX_FLAGS "(unknown: ALLOCBENCH_CXX_FLAGS not defined by the build)"
#endif

namespace allocbench {
namespace {

namespace fs = std::filesystem;

std::string read_line(const fs::path& path) {
  std::ifstream in(path);
  std::string line;
  std::getline(in, line);
  return line;
}

std::string trim(const std::string& s) {
  const auto b = s.find_first_not_of(" \t");
  const auto e = s.find_last_not_of(" \t");
  return b == std::string::npos ? std::string() : s.substr(b, e - b + 1);
}

// "48K" / "32768K" / "1M" from sysfs into bytes; 0 if it does not parse.
std::size_t parse_size(const std::string& text) {
  std::size_t pos = 0;
  std::size_t value = 0;
  try {
    value = std::stoull(text, &pos);
  } catch (...) {
    return 0;
  }
  const std::string unit = trim(text.substr(pos));
  if (unit == "K") return value << 10;
  if (unit == "M") return value << 20;
  if (unit == "G") return value << 30;
  return unit.empty() ? value : 0;
}

int parse_int(const std::string& text) {
  try {
    return std::stoi(text);
  } catch (...) {
    return 0;
  }
}

struct CpuInfo {
  std::string model = "unknown";
  int logical = 0;
  int physical = 0;  // distinct (physical id, core id) pairs; 0 if /proc/cpuinfo lacks them
};

CpuInfo cpu_info() {
  CpuInfo info;
  std::ifstream in("/proc/cpuinfo");
  std::string line;
  std::set<std::pair<std::string, std::string>> cores;
  std::string package;
  while (std::getline(in, line)) {
    const auto colon = line.find(':');
    if (colon == std::string::npos) continue;
    const std::string key = trim(line.substr(0, colon));
    const std::string value = trim(line.substr(colon + 1));
    if (key == "processor") ++info.logical;
    if (key == "model name" && info.model == "unknown") info.model = value;
    if (key == "physical id") package = value;
    if (key == "core id") cores.emplace(package, value);
  }
  info.physical = static_cast<int>(cores.size());
  if (info.logical == 0) info.logical = static_cast<int>(sysconf(_SC_NPROCESSORS_ONLN));
  return info;
}

std::vector<CacheLevel> read_caches() {
  std::vector<CacheLevel> list;
  const fs::path dir = "/sys/devices/system/cpu/cpu0/cache";
  std::error_code ec;
  for (int i = 0;; ++i) {
    const fs::path index = dir / ("index" + std::to_string(i));
    if (!fs::exists(index, ec)) break;
    CacheLevel c;
    c.level = parse_int(read_line(index / "level"));
    c.type = read_line(index / "type");
    c.size_bytes = parse_size(read_line(index / "size"));
    c.ways = parse_int(read_line(index / "ways_of_associativity"));
    c.line_bytes = parse_int(read_line(index / "coherency_line_size"));
    list.push_back(std::move(c));
  }
  return list;
}

std::string kernel() {
  utsname u{};
  if (uname(&u) != 0) return "unknown";
  return std::string(u.sysname) + " " + u.release + " " + u.machine;
}

std::string compiler() {
#if defined(__clang__)
  return "clang++ " __clang_version__;
#elif defined(__GNUC__)
  return "g++ " __VERSION__;
#else
  return __VERSION__;
#endif
}

}  // namespace

LastLevelCache last_level_cache() {
  LastLevelCache llc;
  int best_level = 0;
  for (const CacheLevel& c : read_caches()) {
    if (c.type == "Instruction") continue;
    if (c.size_bytes > 0 && c.level >= best_level) {
      best_level = c.level;
      llc.bytes = c.size_bytes;
    }
  }
  std::ostringstream note;
  if (llc.bytes > 0) {
    llc.known = true;
    note << 'L' << best_level << " of cpu0 from /sys/devices/system/cpu";
  } else {
    llc.bytes = std::size_t{32} << 20;
    note << "unknown (no sizes in /sys/devices/system/cpu/cpu0/cache); assuming 32 MiB";
  }
  llc.note = note.str();
  return llc;
}

MachineInfo machine_info() {
  const CpuInfo cpu = cpu_info();
  const PerfCounters perf = PerfCounters::open();
  MachineInfo m;
  m.cpu_model = cpu.model;
  m.cores = cpu.logical;
  if (cpu.physical > 0) m.physical_cores = cpu.physical;
  m.caches = read_caches();
  m.last_level_cache = last_level_cache();
  m.kernel = kernel();
  m.compiler = compiler();
  m.flags = ALLOCBENCH_CXX_FLAGS;
  m.timer = calibrate_timer();
  // Ticks are TSC cycles only with the rdtscp source; otherwise there is no TSC rate to give.
  if (cycle_clock::active_source() == cycle_clock::Source::kRdtscp) {
    m.tsc_ghz = m.timer.ticks_per_ns;
  }
  m.hw_counters.available = perf.available();
  if (perf.available()) {
    m.hw_counters.llc_event = perf.llc_event();
  } else {
    m.hw_counters.reason = perf.reason();
  }
  m.cpufreq = cpufreq_info();
  return m;
}

}  // namespace allocbench
