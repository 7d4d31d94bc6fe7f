#include "harness/probes/histogram.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <utility>

#include <nlohmann/json.hpp>

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

nlohmann::json Histogram::to_json() const {
  nlohmann::json buckets = nlohmann::json::array();
  for (std::size_t i = 0; i < kIndexCount; ++i) {
    if (counts_[i]) buckets.push_back({i, counts_[i]});
  }
  return {{"scheme", kScheme},
          {"sub_bucket_bits", kSubBucketBits},
          {"index_count", kIndexCount},
          {"unit", unit_},
          {"count", total_},
          {"min", min()},
          {"max", max_},
          {"buckets", std::move(buckets)}};
}

namespace {

[[noreturn]] void reject(const std::string& why) {
  throw std::invalid_argument("histogram JSON: " + why);
}

std::uint64_t unsigned_field(const nlohmann::json& j, const char* key) {
  auto it = j.find(key);
  if (it == j.end()) reject(std::string("missing \"") + key + "\"");
  if (!it->is_number_unsigned()) {
    // A non-negative integer parsed as signed is still fine; anything else is not.
    if (it->is_number_integer() && it->get<std::int64_t>() >= 0) {
      return static_cast<std::uint64_t>(it->get<std::int64_t>());
    }
    reject(std::string("\"") + key + "\" is not a non-negative integer");
  }
  return it->get<std::uint64_t>();
}

}  // namespace

Histogram Histogram::from_json(const nlohmann::json& j) {
  if (!j.is_object()) reject("not an object");
  auto scheme = j.find("scheme");
  if (scheme == j.end() || !scheme->is_string() || scheme->get<std::string>() != kScheme) {
    reject(std::string("scheme is not \"") + kScheme + "\"");
  }
  if (unsigned_field(j, "sub_bucket_bits") != kSubBucketBits ||
      unsigned_field(j, "index_count") != kIndexCount) {
    reject("layout (sub_bucket_bits, index_count) differs from this build's (" +
           std::to_string(kSubBucketBits) + ", " + std::to_string(kIndexCount) + ")");
  }
  auto unit = j.find("unit");
  if (unit == j.end() || !unit->is_string()) reject("missing or non-string \"unit\"");
  const std::string u = unit->get<std::string>();
  if (u != kUnitTicks && u != kUnitNs16) reject("unknown unit \"" + u + "\"");

  Histogram h(u);
  const std::uint64_t count = unsigned_field(j, "count");
  const std::uint64_t min = unsigned_field(j, "min");
  const std::uint64_t max = unsigned_field(j, "max");
  auto buckets = j.find("buckets");
  if (buckets == j.end() || !buckets->is_array()) reject("missing or non-array \"buckets\"");
  std::uint64_t sum = 0;
  std::size_t first = kIndexCount, last = 0;
  for (const auto& b : *buckets) {
    if (!b.is_array() || b.size() != 2) reject("a bucket is not an [index, count] pair");
    const auto index_json = nlohmann::json{{"i", b[0]}, {"n", b[1]}};
    const std::uint64_t index = unsigned_field(index_json, "i");
    const std::uint64_t n = unsigned_field(index_json, "n");
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
