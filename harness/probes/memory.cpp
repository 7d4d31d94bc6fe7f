#include "harness/probes/memory.hpp"

#include <fcntl.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

namespace allocbench {
namespace {

// Parses a "Name:   1234 kB" line of /proc/self/status into bytes.
std::optional<std::uint64_t> status_kb_field(const std::string& text, const char* name) {
  std::istringstream in(text);
  std::string line;
  const std::string prefix = std::string(name) + ":";
  while (std::getline(in, line)) {
    if (line.rfind(prefix, 0) != 0) continue;
    std::istringstream fields(line.substr(prefix.size()));
    std::uint64_t kb = 0;
    std::string unit;
    if (fields >> kb >> unit && unit == "kB") return kb * 1024;
    return std::nullopt;
  }
  return std::nullopt;
}

}  // namespace

MemorySample read_memory() {
  MemorySample s;
  std::ifstream in("/proc/self/status");
  if (in) {
    std::stringstream buf;
    buf << in.rdbuf();
    const std::string text = buf.str();
    s.peak_rss_bytes = status_kb_field(text, "VmHWM");
    s.current_rss_bytes = status_kb_field(text, "VmRSS");
    if (!s.peak_rss_bytes || !s.current_rss_bytes) {
      s.unavailable_reason = "/proc/self/status has no VmHWM/VmRSS line";
    }
  } else {
    s.unavailable_reason = "cannot read /proc/self/status";
  }
  rusage ru{};
  if (getrusage(RUSAGE_SELF, &ru) == 0) {
    s.minor_faults = static_cast<std::uint64_t>(ru.ru_minflt);
    s.major_faults = static_cast<std::uint64_t>(ru.ru_majflt);
  }
  return s;
}

PeakRssReset reset_peak_rss() {
  PeakRssReset r;
  const int fd = open("/proc/self/clear_refs", O_WRONLY | O_CLOEXEC);
  if (fd < 0) {
    r.detail = std::string("open(/proc/self/clear_refs): ") + std::strerror(errno) +
               " - peak RSS accumulates over the whole process";
    return r;
  }
  const ssize_t n = write(fd, "5", 1);
  const int err = errno;
  close(fd);
  if (n != 1) {
    r.detail = std::string("write(\"5\" > /proc/self/clear_refs): ") + std::strerror(err) +
               " (needs Linux >= 4.0) - peak RSS accumulates over the whole process";
    return r;
  }
  r.ok = true;
  r.detail = "VmHWM reset to current RSS via /proc/self/clear_refs";
  return r;
}

}  // namespace allocbench
