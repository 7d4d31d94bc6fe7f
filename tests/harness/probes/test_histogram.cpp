#include "harness/probes/histogram.hpp"
#include "harness/report/probe_json.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <random>

#include <nlohmann/json.hpp>

namespace allocbench {
namespace {

using nlohmann::json;

double rel_error(std::uint64_t got, std::uint64_t want) {
  return std::fabs(static_cast<double>(got) - static_cast<double>(want)) /
         static_cast<double>(want);
}

TEST(Histogram, BucketsTileTheRangeWithoutGaps) {
  for (std::size_t i = 0; i + 1 < Histogram::kIndexCount; ++i) {
    ASSERT_EQ(Histogram::lowest_of(i) + Histogram::width_of(i), Histogram::lowest_of(i + 1)) << i;
    ASSERT_EQ(Histogram::index_of(Histogram::lowest_of(i)), i);
  }
  EXPECT_EQ(Histogram::index_of(std::numeric_limits<std::uint64_t>::max()),
            Histogram::kIndexCount - 1);
}

TEST(Histogram, RelativeErrorUnderOnePercentFrom1To1e9) {
  std::mt19937_64 rng(7);
  for (int i = 0; i < 20000; ++i) {
    // Log-uniform over [1, 1e9], plus the exact bucket edges below.
    const double e = std::uniform_real_distribution<double>(0, 9)(rng);
    const auto v = static_cast<std::uint64_t>(std::pow(10.0, e));
    // Recording v next to its neighbours means min/max clamping cannot hide a wrong bucket.
    Histogram h;
    h.record(1);
    h.record(v);
    h.record(2'000'000'000);
    const std::uint64_t got = h.value_at_percentile(50);
    ASSERT_LE(rel_error(got, v), 0.01) << "v=" << v << " got=" << got;
    ASSERT_LE(static_cast<double>(Histogram::width_of(Histogram::index_of(v))),
              0.01 * static_cast<double>(v) + 1.0);
  }
}

TEST(Histogram, UniformDistributionPercentiles) {
  Histogram h;
  for (std::uint64_t v = 1; v <= 10000; ++v) h.record(v);
  EXPECT_EQ(h.count(), 10000u);
  EXPECT_EQ(h.min(), 1u);
  EXPECT_EQ(h.max(), 10000u);
  EXPECT_LE(rel_error(h.value_at_percentile(50), 5000), 0.01);
  EXPECT_LE(rel_error(h.value_at_percentile(90), 9000), 0.01);
  EXPECT_LE(rel_error(h.value_at_percentile(99), 9900), 0.01);
  EXPECT_LE(rel_error(h.value_at_percentile(99.9), 9990), 0.01);
  EXPECT_EQ(h.value_at_percentile(0), 1u);
  EXPECT_EQ(h.value_at_percentile(100), 10000u);
  EXPECT_EQ(h.value_at_percentile(250), 10000u);  // clamped
}

TEST(Histogram, ExponentialTailPercentile) {
  // Exponential with mean 1000: p99 = 1000 * ln(100) = 4605.
  std::mt19937_64 rng(3);
  std::exponential_distribution<double> d(1.0 / 1000.0);
  Histogram h;
  for (int i = 0; i < 200000; ++i) h.record(static_cast<std::uint64_t>(d(rng)) + 1);
  EXPECT_NEAR(static_cast<double>(h.value_at_percentile(99)), 1000 * std::log(100.0), 0.03 * 4605);
}

TEST(Histogram, MergeEqualsRecordingBoth) {
  std::mt19937_64 rng(11);
  Histogram a, b, both;
  for (int i = 0; i < 5000; ++i) {
    const std::uint64_t v = rng() >> (rng() % 64);
    (i % 3 ? a : b).record(v);
    both.record(v);
  }
  a.merge(b);
  EXPECT_EQ(to_json(a), to_json(both));
  for (double p : {1.0, 50.0, 99.0, 99.99}) {
    EXPECT_EQ(a.value_at_percentile(p), both.value_at_percentile(p));
  }
}

TEST(Histogram, MergeRefusesOtherUnit) {
  Histogram ticks(Histogram::kUnitTicks), ns(Histogram::kUnitNs16);
  EXPECT_THROW(ticks.merge(ns), std::invalid_argument);
}

TEST(Histogram, RecordNWithZeroCountChangesNothing) {
  Histogram h;
  h.record_n(500, 0);
  EXPECT_EQ(h.count(), 0u);
  EXPECT_EQ(h.min(), 0u);
  EXPECT_EQ(h.max(), 0u);
  EXPECT_EQ(h.value_at_percentile(50), 0u);
  h.record_n(7, 3);
  EXPECT_EQ(h.count(), 3u);
  EXPECT_EQ(h.value_at_percentile(50), 7u);
}

TEST(Histogram, ExtremesRoundTrip) {
  Histogram h;
  h.record(0);
  h.record(std::numeric_limits<std::uint64_t>::max());
  const Histogram back = histogram_from_json(json::parse(to_json(h).dump()));
  EXPECT_EQ(back.min(), 0u);
  EXPECT_EQ(back.max(), std::numeric_limits<std::uint64_t>::max());
  EXPECT_EQ(to_json(back), to_json(h));
}

TEST(Histogram, JsonRoundTripIsSparseAndExact) {
  Histogram h(Histogram::kUnitNs16);
  for (std::uint64_t v = 1; v < 1'000'000; v = v * 3 + 1) h.record_n(v, v % 7 + 1);
  const json j = to_json(h);
  EXPECT_LT(j["buckets"].size(), 20u);
  const Histogram back = histogram_from_json(json::parse(j.dump()));
  EXPECT_EQ(to_json(back), j);
  EXPECT_EQ(back.unit(), "ns16");
  EXPECT_EQ(back.value_at_percentile(99), h.value_at_percentile(99));
}

class HistogramJsonRejects : public ::testing::TestWithParam<const char*> {};

TEST_P(HistogramJsonRejects, Malformed) {
  Histogram h;
  h.record(10);
  h.record(1000);
  json j = to_json(h);
  const std::string what = GetParam();
  if (what == "not object") j = json::array();
  if (what == "scheme") j["scheme"] = "linear";
  if (what == "bits") j["sub_bucket_bits"] = 8;
  if (what == "index_count") j["index_count"] = 100;
  if (what == "unit") j["unit"] = "furlongs";
  if (what == "missing count") j.erase("count");
  if (what == "count") j["count"] = 3;
  if (what == "negative") j["buckets"][0][1] = -1;
  if (what == "index range") j["buckets"][0][0] = Histogram::kIndexCount;
  if (what == "string index") j["buckets"][0][0] = "10";
  if (what == "pair") j["buckets"][0] = json::array({10});
  if (what == "duplicate") j["buckets"][1][0] = j["buckets"][0][0];
  if (what == "min") j["min"] = 500;
  if (what == "max") j["max"] = 5;
  if (what == "buckets type") j["buckets"] = json::object();
  if (what == "zero count") {
    j["buckets"].push_back({2000, 0});
  }
  EXPECT_THROW(histogram_from_json(j), std::invalid_argument) << what << ": " << j.dump();
}

INSTANTIATE_TEST_SUITE_P(All, HistogramJsonRejects,
                         ::testing::Values("not object", "scheme", "bits", "index_count", "unit",
                                           "missing count", "count", "negative", "index range",
                                           "string index", "pair", "duplicate", "min", "max",
                                           "buckets type", "zero count"));

}  // namespace
}  // namespace allocbench
