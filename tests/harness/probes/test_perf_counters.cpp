#include "harness/probes/perf_counters.hpp"
#include "harness/report/probe_json.hpp"

#include <gtest/gtest.h>

#include <string>

namespace allocbench {
namespace {

// Every number in a cache object is a measurement; the unavailable form must carry none.
void expect_no_counts(const nlohmann::json& cache) {
  EXPECT_EQ(cache.at("source"), "unavailable");
  EXPECT_TRUE(cache.at("reason").is_string());
  EXPECT_FALSE(cache.at("reason").get<std::string>().empty());
  for (const auto& [key, value] : cache.items()) {
    EXPECT_FALSE(value.is_number()) << key << " is a number in an unavailable cache object";
    EXPECT_EQ(key.find("per_op"), std::string::npos) << key;
  }
}

TEST(PerfCounters, OpenEitherWorksOrSaysWhy) {
  PerfCounters pc = PerfCounters::open();
  if (pc.available()) {
    EXPECT_FALSE(pc.llc_event().empty());
    return;
  }
  const std::string& reason = pc.reason();
  EXPECT_NE(reason.find("perf_event_open(PERF_COUNT_"), std::string::npos) << reason;
  EXPECT_NE(reason.find("perf_event_paranoid="), std::string::npos) << reason;
}

TEST(PerfCounters, UnavailableReadsNothingAndReportsNoCounts) {
  PerfCounters pc = PerfCounters::open();
  if (pc.available()) GTEST_SKIP() << "hardware counters work here; see CountsAWorkload";
  pc.start();
  pc.stop();
  EXPECT_FALSE(pc.read().has_value());
  const nlohmann::json cache = to_json(cache_figures(pc, pc.read(), 1000));
  expect_no_counts(cache);
  EXPECT_EQ(cache.at("reason"), pc.reason());
}

TEST(PerfCounters, CountsAWorkload) {
  PerfCounters pc = PerfCounters::open();
  if (!pc.available()) GTEST_SKIP() << pc.reason();
  volatile std::uint64_t sink = 0;
  pc.start();
  for (int i = 0; i < 1'000'000; ++i) sink = sink + static_cast<std::uint64_t>(i);
  pc.stop();
  const auto counts = pc.read();
  ASSERT_TRUE(counts.has_value());
  EXPECT_GT(counts->instructions, 1'000'000u);
  EXPECT_GT(counts->cycles, 0u);
  EXPECT_GT(counts->running_fraction, 0.0);
  const nlohmann::json cache = to_json(cache_figures(pc, counts, 1'000'000));
  EXPECT_EQ(cache.at("source"), "hw");
  EXPECT_GT(cache.at("instructions_per_op").get<double>(), 1.0);
  EXPECT_TRUE(cache.at("l1d_misses_per_op").is_number());
  EXPECT_TRUE(cache.at("llc_misses_per_op").is_number());
  EXPECT_TRUE(cache.at("cycles_per_op").is_number());
}

// Zeros handed in by mistake must not come out as a measurement.
TEST(PerfCounters, CountsWithoutAnOpenGroupAreNotReported) {
  const PerfCounters never_opened;
  EXPECT_FALSE(never_opened.available());
  expect_no_counts(to_json(cache_figures(never_opened, PerfCounts{}, 1000)));
}

TEST(PerfCounters, ZeroOpsIsNotAMeasurement) {
  PerfCounters pc = PerfCounters::open();
  if (!pc.available()) GTEST_SKIP() << pc.reason();
  expect_no_counts(to_json(cache_figures(pc, PerfCounts{}, 0)));
}

TEST(PerfCounters, MovingKeepsTheState) {
  PerfCounters a = PerfCounters::open();
  const bool was_available = a.available();
  const std::string reason = a.reason();
  PerfCounters b = std::move(a);
  EXPECT_EQ(b.available(), was_available);
  EXPECT_EQ(b.reason(), reason);
  EXPECT_FALSE(a.available());  // NOLINT(bugprone-use-after-move): moved-from is closed
}

}  // namespace
}  // namespace allocbench
