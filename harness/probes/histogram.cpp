#include "harness/probes/histogram.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <utility>

namespace allocbench {

Histogram::Histogram(std::string unit) : counts_(kIndexCount, 0), unit_(std::move(unit)) {}

void Histogram::merge(const Histogram& other) {
  if (other.unit_ != unit_) {
    throw std::invalid_argument("histogram merge: unit '" + other.unit_ + "' differs from '" +
                                unit_ + "'");
  }
  for (std::size_t i = 0; i < kIndexCount; ++i) counts_[i] += other.counts_[i];
  total_ += other.total_;
  if (other.total_) {
    min_ = std::min(min_, other.min_);
    max_ = std::max(max_, other.max_);
  }
}

void Histogram::reset() noexcept {
  std::fill(counts_.begin(), counts_.end(), 0);
  total_ = 0;
  min_ = std::numeric_limits<std::uint64_t>::max();
  max_ = 0;
}

std::uint64_t Histogram::value_at_percentile(double p) const noexcept {
  if (total_ == 0) return 0;
  if (!(p > 0)) return min_;  // also catches NaN
  if (p >= 100) return max_;
  // Nearest-rank: the smallest value with at least p% of the samples at or below it.
  auto rank = static_cast<std::uint64_t>(std::ceil(p / 100.0 * static_cast<double>(total_)));
  rank = std::clamp<std::uint64_t>(rank, 1, total_);
  std::uint64_t seen = 0;
  for (std::size_t i = 0; i < kIndexCount; ++i) {
    seen += counts_[i];
    if (seen >= rank) {
      const std::uint64_t mid = lowest_of(i) + (width_of(i) - 1) / 2;
      return std::clamp(mid, min_, max_);
    }
  }
  return max_;
}

std::vector<std::pair<std::size_t, std::uint64_t>> Histogram::nonzero_buckets() const {
  std::vector<std::pair<std::size_t, std::uint64_t>> out;
  for (std::size_t i = 0; i < kIndexCount; ++i) {
    if (counts_[i]) out.emplace_back(i, counts_[i]);
  }
  return out;
}

namespace {

[[noreturn]] void reject(const std::string& why) {
  throw std::invalid_argument("histogram JSON: " + why);
}

}  // namespace

Histogram Histogram::from_parts(const std::string& unit,
                                const std::vector<std::pair<std::uint64_t, std::uint64_t>>& buckets,
                                std::uint64_t count, std::uint64_t min, std::uint64_t max) {
  if (unit != kUnitTicks && unit != kUnitNs16) reject("unknown unit \"" + unit + "\"");
  Histogram h(unit);
  std::uint64_t sum = 0;
  std::size_t first = kIndexCount, last = 0;
  for (const auto& [index, n] : buckets) {
    if (index >= kIndexCount) reject("bucket index " + std::to_string(index) + " out of range");
    if (n == 0) reject("bucket " + std::to_string(index) + " has a zero count");
    if (h.counts_[index]) reject("bucket " + std::to_string(index) + " appears twice");
    if (sum + n < sum) reject("counts overflow");
    h.counts_[index] = n;
    sum += n;
    first = std::min<std::size_t>(first, index);
    last = std::max<std::size_t>(last, index);
  }
  if (sum != count)
    reject("bucket counts sum to " + std::to_string(sum) + ", not " + std::to_string(count));
  if (count) {
    // min and max are exact, so each must fall in the first / last non-empty bucket.
    if (index_of(min) != first || index_of(max) != last || min > max) {
      reject("min/max disagree with the buckets");
    }
    h.min_ = min;
    h.max_ = max;
  } else if (min != 0 || max != 0) {
    reject("empty histogram with non-zero min/max");
  }
  h.total_ = count;
  return h;
}

}  // namespace allocbench
