// Hardware cache and instruction counters through one perf_event_open group, so all four events
// are counted over exactly the same instructions. User space only (exclude_kernel, exclude_hv):
// the harness measures the allocator, not page-fault handling, and it keeps the events usable
// at perf_event_paranoid 2.
//
// Many VMs expose no hardware PMU: open() then reports unavailable with the errno text and the
// paranoid level, read() returns nothing, and cache_figures() says "unavailable" with that reason -
// never counts of zero.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>

namespace allocbench {

struct PerfCounts {
  std::uint64_t l1d_read_misses = 0;
  std::uint64_t llc_misses = 0;
  std::uint64_t instructions = 0;
  std::uint64_t cycles = 0;
  // time_running / time_enabled of the group: 1.0 when it was on the PMU the whole time; below 1
  // the counts above were scaled up by its inverse (the kernel multiplexed the counters).
  double running_fraction = 1.0;
};

class PerfCounters {
 public:
  PerfCounters() = default;
  ~PerfCounters();
  PerfCounters(const PerfCounters&) = delete;
  PerfCounters& operator=(const PerfCounters&) = delete;
  PerfCounters(PerfCounters&& other) noexcept;
  PerfCounters& operator=(PerfCounters&& other) noexcept;

  // Opens the group (disabled). Check available(); when false, reason() says why.
  static PerfCounters open();

  bool available() const noexcept { return leader_ >= 0; }
  const std::string& reason() const noexcept { return reason_; }
  // Which event serves llc_misses: the LL read-miss cache event or the generic cache-misses one.
  const std::string& llc_event() const noexcept { return llc_event_; }

  // Reset and enable / disable the group. No-ops when unavailable.
  void start() noexcept;
  void stop() noexcept;

  // Counts since start(), scaled for multiplexing. Empty when unavailable, when the read
  // fails, or when the group never got onto the PMU (time_running == 0).
  std::optional<PerfCounts> read() const;

 private:
  void close_all() noexcept;

  int leader_ = -1;
  int fds_[4] = {-1, -1, -1, -1};
  std::string reason_ = "perf counters not opened (PerfCounters::open() was not called)";
  std::string llc_event_;
};

// A result's cache figures per operation (the report's "cache", serialised by
// harness/report/probe_json): hardware counts, a label for callgrind to fill in later, or
// unavailable with the reason.
struct CacheFigures {
  enum class Source { kHw, kCallgrind, kUnavailable };
  Source source = Source::kUnavailable;
  std::string reason;  // kUnavailable: why
  std::string label;   // kCallgrind: the dump's label, which the driver turns into figures
  // kHw: per operation, scaled for multiplexing.
  double l1d_misses_per_op = 0;
  double llc_misses_per_op = 0;
  double instructions_per_op = 0;
  double cycles_per_op = 0;
  std::string llc_event;
  double running_fraction = 1.0;

  static CacheFigures callgrind(std::string label) {
    CacheFigures f;
    f.source = Source::kCallgrind;
    f.label = std::move(label);
    return f;
  }
};

// The figures for `ops` operations when `counts` holds a measurement, else unavailable with why.
CacheFigures cache_figures(const PerfCounters& counters, const std::optional<PerfCounts>& counts,
                           std::uint64_t ops);

}  // namespace allocbench
