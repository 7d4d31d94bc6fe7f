// HDR-style log-linear latency histogram. Debian ships no HdrHistogram for C++ (only the C
// library's sources are elsewhere, and not packaged), so this is a small one of our own.
//
// Layout: values below 2 * kSubBuckets are counted exactly; above that, every power-of-two range
// [2^k, 2^(k+1)) is split into kSubBuckets equal-width sub-buckets. A bucket's width is at most
// 1/kSubBuckets of the values it holds, so any reported value is within 2^-kSubBucketBits
// (0.78%) of the recorded one. The whole uint64_t range fits in kBucketCount counters (58 KiB),
// allocated once at construction: record() never allocates.
//
// Units: values are integers. Workers record latencies in raw timer ticks ("tsc_ticks": the
// rdtsc/rdtscp counter, converted by the report with machine.tsc_ghz) or, where the timer is a
// clock and not a cycle counter, in sixteenths of a nanosecond ("ns16"). The unit travels with
// the serialized histogram so a reader converts correctly and merge() refuses to mix units.
#pragma once

#include <bit>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace allocbench {

class Histogram {
 public:
  static constexpr unsigned kSubBucketBits = 7;
  static constexpr std::uint64_t kSubBuckets = std::uint64_t{1} << kSubBucketBits;  // 128
  // Bucket 0 covers [0, 2 * kSubBuckets) exactly; bucket b >= 1 covers
  // [kSubBuckets << b, kSubBuckets << (b + 1)). The top bucket ends at 2^64.
  static constexpr unsigned kBucketCount = 64 - kSubBucketBits;  // 57
  static constexpr std::size_t kIndexCount = (kBucketCount + 1) * kSubBuckets;
  static constexpr const char* kScheme = "log-linear";
  static constexpr const char* kUnitTicks = "tsc_ticks";
  static constexpr const char* kUnitNs16 = "ns16";

  explicit Histogram(std::string unit = kUnitTicks);

  // O(1), no allocation, no data-dependent branch beyond what min/max compile to (cmov).
  void record(std::uint64_t value) noexcept { record_n(value, 1); }
  void record_n(std::uint64_t value, std::uint64_t n) noexcept {
    counts_[index_of(value)] += n;
    total_ += n;
    // n == 0 must not move min/max: fold it into the compared value.
    const std::uint64_t lo = n ? value : std::numeric_limits<std::uint64_t>::max();
    const std::uint64_t hi = n ? value : 0;
    min_ = lo < min_ ? lo : min_;
    max_ = hi > max_ ? hi : max_;
  }

  // Adds other's counts. Throws std::invalid_argument if the units differ.
  void merge(const Histogram& other);
  void reset() noexcept;

  // The value below or at which p percent of recorded values lie (p in [0, 100], clamped):
  // the midpoint of the bucket holding that rank, clamped to [min(), max()]. 0 when empty.
  std::uint64_t value_at_percentile(double p) const noexcept;
  std::uint64_t min() const noexcept { return total_ ? min_ : 0; }
  std::uint64_t max() const noexcept { return max_; }
  std::uint64_t count() const noexcept { return total_; }
  const std::string& unit() const noexcept { return unit_; }

  // The non-zero buckets as (index, count), in index order: what a serialised histogram holds
  // (harness/report/probe_json).
  std::vector<std::pair<std::size_t, std::uint64_t>> nonzero_buckets() const;
  // The histogram those parts describe. Throws std::invalid_argument naming what is
  // inconsistent: an unknown unit, an index out of range or repeated, a zero count, counts that
  // do not sum to `count`, min/max outside the first/last bucket.
  static Histogram from_parts(const std::string& unit,
                              const std::vector<std::pair<std::uint64_t, std::uint64_t>>& buckets,
                              std::uint64_t count, std::uint64_t min, std::uint64_t max);

  static constexpr std::size_t index_of(std::uint64_t v) noexcept {
    // Forcing the low kSubBucketBits + 1 bits on makes every v < 2 * kSubBuckets land in bucket 0.
    const unsigned bucket =
        static_cast<unsigned>(std::bit_width(v | (2 * kSubBuckets - 1))) - (kSubBucketBits + 1);
    const std::uint64_t sub = v >> bucket;  // [0, 2K) in bucket 0, [K, 2K) above it
    return (static_cast<std::size_t>(bucket) << kSubBucketBits) + static_cast<std::size_t>(sub);
  }
  // The smallest value mapping to index i, and the number of values sharing it.
  static constexpr std::uint64_t lowest_of(std::size_t i) noexcept {
    const std::size_t bucket = i < 2 * kSubBuckets ? 0 : (i >> kSubBucketBits) - 1;
    const std::uint64_t sub = i - (bucket << kSubBucketBits);
    return sub << bucket;
  }
  static constexpr std::uint64_t width_of(std::size_t i) noexcept {
    const std::size_t bucket = i < 2 * kSubBuckets ? 0 : (i >> kSubBucketBits) - 1;
    return std::uint64_t{1} << bucket;
  }

 private:
  std::vector<std::uint64_t> counts_;
  std::uint64_t total_ = 0;
  std::uint64_t min_ = std::numeric_limits<std::uint64_t>::max();
  std::uint64_t max_ = 0;
  std::string unit_;
};

}  // namespace allocbench
