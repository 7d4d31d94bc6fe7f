#include "harness/probes/perf_counters.hpp"

#include <linux/perf_event.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <utility>

namespace allocbench {
namespace {

struct EventSpec {
  const char* name;
  std::uint32_t type;
  std::uint64_t config;
};

constexpr std::uint64_t cache_event(std::uint64_t cache, std::uint64_t op, std::uint64_t result) {
  return cache | (op << 8) | (result << 16);
}

constexpr EventSpec kInstructions{"PERF_COUNT_HW_INSTRUCTIONS", PERF_TYPE_HARDWARE,
                                  PERF_COUNT_HW_INSTRUCTIONS};
constexpr EventSpec kCycles{"PERF_COUNT_HW_CPU_CYCLES", PERF_TYPE_HARDWARE,
                            PERF_COUNT_HW_CPU_CYCLES};
constexpr EventSpec kL1dReadMiss{"PERF_COUNT_HW_CACHE_L1D:READ:MISS", PERF_TYPE_HW_CACHE,
                                 cache_event(PERF_COUNT_HW_CACHE_L1D, PERF_COUNT_HW_CACHE_OP_READ,
                                             PERF_COUNT_HW_CACHE_RESULT_MISS)};
constexpr EventSpec kLlReadMiss{"PERF_COUNT_HW_CACHE_LL:READ:MISS", PERF_TYPE_HW_CACHE,
                                cache_event(PERF_COUNT_HW_CACHE_LL, PERF_COUNT_HW_CACHE_OP_READ,
                                            PERF_COUNT_HW_CACHE_RESULT_MISS)};
// Some PMUs (AMD Zen among them) have no LL entry in the kernel's cache-event table; the generic
// cache-misses event is the last-level miss count there.
constexpr EventSpec kCacheMisses{"PERF_COUNT_HW_CACHE_MISSES", PERF_TYPE_HARDWARE,
                                 PERF_COUNT_HW_CACHE_MISSES};

int open_event(const EventSpec& ev, int group_fd) {
  perf_event_attr attr{};
  attr.size = sizeof(attr);
  attr.type = ev.type;
  attr.config = ev.config;
  attr.disabled = group_fd < 0 ? 1 : 0;  // only the leader starts disabled; it gates the group
  attr.exclude_kernel = 1;
  attr.exclude_hv = 1;
  attr.read_format =
      PERF_FORMAT_GROUP | PERF_FORMAT_TOTAL_TIME_ENABLED | PERF_FORMAT_TOTAL_TIME_RUNNING;
  return static_cast<int>(syscall(SYS_perf_event_open, &attr, 0, -1, group_fd, 0));
}

std::string paranoid_level() {
  std::ifstream in("/proc/sys/kernel/perf_event_paranoid");
  std::string level;
  if (!(in >> level)) return "unreadable";
  return level;
}

// "perf_event_open(EVENT): <errno text> - <likely cause>; perf_event_paranoid=N".
std::string failure_reason(const EventSpec& ev, int err) {
  std::string why;
  switch (err) {
    case ENOENT:
    case EOPNOTSUPP:
      why = "hardware events not supported on this machine (VM without a virtual PMU?)";
      break;
    case EACCES:
    case EPERM:
      why = "not permitted; lower /proc/sys/kernel/perf_event_paranoid or grant CAP_PERFMON";
      break;
    case ENOSYS:
      why = "kernel built without perf events";
      break;
    default:
      why = "event could not be opened";
  }
  return std::string("perf_event_open(") + ev.name + "): " + std::strerror(err) + " - " + why +
         "; perf_event_paranoid=" + paranoid_level();
}

}  // namespace

PerfCounters::~PerfCounters() {
  close_all();
}

PerfCounters::PerfCounters(PerfCounters&& other) noexcept {
  *this = std::move(other);
}

PerfCounters& PerfCounters::operator=(PerfCounters&& other) noexcept {
  if (this != &other) {
    close_all();
    leader_ = std::exchange(other.leader_, -1);
    for (int i = 0; i < 4; ++i) fds_[i] = std::exchange(other.fds_[i], -1);
    reason_ = std::exchange(other.reason_, "perf counters were moved to another object");
    llc_event_ = std::move(other.llc_event_);
  }
  return *this;
}

void PerfCounters::close_all() noexcept {
  for (int& fd : fds_) {
    if (fd >= 0) ::close(fd);
    fd = -1;
  }
  leader_ = -1;
}

// Group order, which is also the order of values in a PERF_FORMAT_GROUP read:
// instructions (leader), cycles, L1D read misses, LLC misses.
PerfCounters PerfCounters::open() {
  PerfCounters pc;
  const EventSpec* order[3] = {&kInstructions, &kCycles, &kL1dReadMiss};
  for (int i = 0; i < 3; ++i) {
    const int fd = open_event(*order[i], i == 0 ? -1 : pc.fds_[0]);
    if (fd < 0) {
      const int err = errno;
      pc.close_all();
      pc.reason_ = failure_reason(*order[i], err);
      return pc;
    }
    pc.fds_[i] = fd;
    if (i == 0) pc.leader_ = fd;
  }
  int fd = open_event(kLlReadMiss, pc.fds_[0]);
  pc.llc_event_ = kLlReadMiss.name;
  if (fd < 0) {
    fd = open_event(kCacheMisses, pc.fds_[0]);
    pc.llc_event_ = kCacheMisses.name;
  }
  if (fd < 0) {
    const int err = errno;
    pc.close_all();
    pc.reason_ = failure_reason(kCacheMisses, err);
    pc.llc_event_.clear();
    return pc;
  }
  pc.fds_[3] = fd;
  return pc;
}

void PerfCounters::start() noexcept {
  if (leader_ < 0) return;
  ioctl(leader_, PERF_EVENT_IOC_RESET, PERF_IOC_FLAG_GROUP);
  ioctl(leader_, PERF_EVENT_IOC_ENABLE, PERF_IOC_FLAG_GROUP);
}

void PerfCounters::stop() noexcept {
  if (leader_ < 0) return;
  ioctl(leader_, PERF_EVENT_IOC_DISABLE, PERF_IOC_FLAG_GROUP);
}

std::optional<PerfCounts> PerfCounters::read() const {
  if (leader_ < 0) return std::nullopt;
  // PERF_FORMAT_GROUP layout: nr, time_enabled, time_running, value[nr].
  std::uint64_t buf[3 + 4] = {};
  const ssize_t n = ::read(leader_, buf, sizeof(buf));
  if (n < static_cast<ssize_t>(sizeof(buf)) || buf[0] != 4) return std::nullopt;
  const std::uint64_t enabled = buf[1];
  const std::uint64_t running = buf[2];
  if (running == 0) return std::nullopt;  // never scheduled: nothing was measured
  const double scale = static_cast<double>(enabled) / static_cast<double>(running);
  auto scaled = [scale](std::uint64_t v) {
    return static_cast<std::uint64_t>(static_cast<double>(v) * scale + 0.5);
  };
  PerfCounts c;
  c.instructions = scaled(buf[3]);
  c.cycles = scaled(buf[4]);
  c.l1d_read_misses = scaled(buf[5]);
  c.llc_misses = scaled(buf[6]);
  c.running_fraction = static_cast<double>(running) / static_cast<double>(enabled);
  return c;
}

CacheFigures cache_figures(const PerfCounters& counters, const std::optional<PerfCounts>& counts,
                           std::uint64_t ops) {
  CacheFigures f;
  if (!counters.available()) {
    f.reason = counters.reason();
    return f;
  }
  if (!counts || ops == 0) {
    f.reason = !counts ? "perf counter group was never scheduled or could not be read"
                       : "no operations were measured";
    return f;
  }
  const auto per_op = [ops](std::uint64_t v) {
    return static_cast<double>(v) / static_cast<double>(ops);
  };
  f.source = CacheFigures::Source::kHw;
  f.l1d_misses_per_op = per_op(counts->l1d_read_misses);
  f.llc_misses_per_op = per_op(counts->llc_misses);
  f.instructions_per_op = per_op(counts->instructions);
  f.cycles_per_op = per_op(counts->cycles);
  f.llc_event = counters.llc_event();
  f.running_fraction = counts->running_fraction;
  return f;
}

}  // namespace allocbench
