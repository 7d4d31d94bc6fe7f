#include "harness/report/merge.hpp"
#include "harness/report/probe_json.hpp"

#include <gtest/gtest.h>

#include "harness/probes/histogram.hpp"
#include "harness/report/protocol.hpp"
#include "harness/report/schema.hpp"

namespace allocbench {
namespace {

using nlohmann::json;

json result(const char* scenario, json params, double ops, std::uint64_t latency_ticks,
            std::uint64_t rss, const char* unit = Histogram::kUnitTicks) {
  Histogram h(unit);
  h.record_n(latency_ticks, 100);
  return {{"scenario", scenario},
          {"params", params},
          {"ops_per_sec", ops},
          {"latency_histogram", to_json(h)},
          {"memory", {{"peak_rss_bytes", rss}, {"major_faults", 0}}},
          {"allocations_per_op", ops / 1e9},
          {"backend_allocations_per_op", 1.0},
          {"cache", {{"source", "unavailable"}, {"reason", "test"}}},
          {"frame_size_bytes", 176}};
}

json output(std::vector<json> results) {
  return {{"backend", {{"name", "system"}}}, {"results", results}};
}

TEST(Merge, FoldsRepetitionsPerBackendScenarioAndParams) {
  BackendRuns runs{"system",
                   {output({result("spawn", {{"k", 1}}, 3e6, 200, 100),
                            result("spawn", {{"k", 2}}, 9e6, 200, 100)}),
                    output({result("spawn", {{"k", 1}}, 1e6, 400, 300)}),
                    output({result("spawn", {{"k", 1}}, 2e6, 600, 200)})}};
  for (const auto& o : runs.outputs) ASSERT_EQ(check_run_output(o), "");
  const json results = merge_results({runs}, 2.0);
  ASSERT_EQ(results.size(), 2u);
  const json& r = results[0];
  EXPECT_EQ(r["params"], json({{"k", 1}}));
  const json& ops = r["throughput"]["ops_per_sec"];
  EXPECT_EQ(ops["median"], 2e6);
  EXPECT_EQ(ops["min"], 1e6);
  EXPECT_EQ(ops["max"], 3e6);
  EXPECT_EQ(ops["samples"], json({3e6, 1e6, 2e6}));
  // 2.0 GHz: 200 ticks = 100 ns. The merged p50 is the middle repetition's 400 ticks.
  EXPECT_NEAR(r["latency_cycles"]["p50"].get<double>(), 400, 4);
  EXPECT_NEAR(r["latency_ns"]["p50"].get<double>(), 200, 2);
  EXPECT_NEAR(r["latency_ns"]["max"].get<double>(), 300, 0.01);
  EXPECT_EQ(r["latency_ns"]["count"], 300);
  EXPECT_EQ(r["latency_ns"]["p99_samples"].size(), 3u);
  EXPECT_EQ(r["memory"]["peak_rss_bytes"], 300);
  EXPECT_DOUBLE_EQ(r["allocations_per_op"].get<double>(), 3e6 / 1e9);
  EXPECT_EQ(results[1]["throughput"]["ops_per_sec"]["samples"].size(), 1u);
}

TEST(Merge, UnknownClockRateMakesTheOtherUnitUnavailable) {
  BackendRuns runs{"system", {output({result("floor", json::object(), 1e6, 200, 1)})}};
  const json r = merge_results({runs}, std::nullopt)[0];
  EXPECT_EQ(r["latency_ns"]["source"], "unavailable");
  EXPECT_NE(r["latency_ns"]["reason"].get<std::string>().find("TSC"), std::string::npos);
  EXPECT_NEAR(r["latency_cycles"]["p50"].get<double>(), 200, 2);

  BackendRuns ns{"system",
                 {output({result("floor", json::object(), 1e6, 160, 1, Histogram::kUnitNs16)})}};
  const json n = merge_results({ns}, std::nullopt)[0];
  EXPECT_NEAR(n["latency_ns"]["p50"].get<double>(), 10, 0.1);
  EXPECT_EQ(n["latency_cycles"]["source"], "unavailable");
}

TEST(Merge, MissingMemoryIsUnavailableNotZero) {
  json r = result("floor", json::object(), 1e6, 200, 1);
  r.erase("memory");
  const json m = merge_results({{"system", {output({r})}}}, 1.0)[0];
  EXPECT_EQ(m["memory"]["source"], "unavailable");
}

TEST(Merge, Median) {
  EXPECT_EQ(median({3, 1, 2}), 2);
  EXPECT_EQ(median({4, 1, 2, 3}), 2.5);
  EXPECT_THROW(median({}), std::invalid_argument);
}

TEST(Protocol, RejectsBrokenRunOutput) {
  EXPECT_NE(check_run_output(json::array()), "");
  EXPECT_NE(check_run_output({{"backend", json::object()}}), "");
  json bad = output({result("floor", json::object(), 1e6, 200, 1)});
  bad["results"][0]["ops_per_sec"] = "fast";
  EXPECT_NE(check_run_output(bad).find("ops_per_sec"), std::string::npos);
  bad = output({result("floor", json::object(), 1e6, 200, 1)});
  bad["results"][0]["latency_histogram"]["sub_bucket_bits"] = 3;
  EXPECT_NE(check_run_output(bad).find("latency_histogram"), std::string::npos);
}

}  // namespace
}  // namespace allocbench
