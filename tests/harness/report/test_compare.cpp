#include <gtest/gtest.h>

#include <string>

#include <nlohmann/json.hpp>

#include "harness/report/compare_reporter.hpp"
#include "harness/report/noise.hpp"
#include "harness/report/schema.hpp"
#include "harness/report/summary_reporter.hpp"

namespace allocbench {
namespace {

using nlohmann::json;

json row(const std::string& backend, const std::string& scenario, double lo, double med, double hi,
         double p99) {
  return {
      {"backend", backend},
      {"scenario", scenario},
      {"params", {{"k", 64}}},
      {"throughput",
       {{"ops_per_sec", {{"median", med}, {"min", lo}, {"max", hi}, {"samples", {lo, med, hi}}}}}},
      {"latency_ns",
       {{"p50", p99 / 2},
        {"p99", p99},
        {"p999", p99 * 2},
        {"p99_samples", {p99 * 0.99, p99 * 1.01}}}},
      {"memory", json::object()},
      {"cache", {{"source", "unavailable"}, {"reason", "not measured in this test"}}}};
}

json report(std::vector<json> rows) {
  return {{"schema_version", 1},
          {"generated_at", "2026-11-24T10:00:00Z"},
          {"machine", {{"cpu_model", "test CPU"}, {"cores", 2}}},
          {"config", json::object()},
          {"backends", {{{"name", "system"}, {"status", "ok"}}}},
          {"results", rows}};
}

TEST(Schema, AcceptsAValidReport) {
  EXPECT_NO_THROW(validate_report(report({row("a", "s", 1, 2, 3, 4)})));
}

TEST(Schema, NamesTheOffendingField) {
  json r = report({row("a", "s", 1, 2, 3, 4)});
  r["results"][0]["throughput"]["ops_per_sec"].erase("median");
  try {
    validate_report(r);
    FAIL() << "accepted a report without a median";
  } catch (const SchemaError& e) {
    EXPECT_STREQ(e.what(), "results[0].throughput.ops_per_sec.median: missing");
  }
  r = report({});
  r["schema_version"] = 2;
  try {
    validate_report(r);
    FAIL() << "accepted schema_version 2";
  } catch (const SchemaError& e) {
    EXPECT_NE(std::string(e.what()).find("schema_version"), std::string::npos) << e.what();
  }
  r = report({});
  r["backends"][0]["status"] = 1;
  EXPECT_THROW(validate_report(r), SchemaError);
  EXPECT_THROW(validate_report(json::array()), SchemaError);
}

// A row with the given ops/s samples (one per repetition).
json sampled(const std::string& backend, const std::string& scenario,
             const std::vector<double>& samples) {
  json r = row(backend, scenario, 1, 1, 1, 50);
  r["throughput"]["ops_per_sec"]["samples"] = samples;
  r["throughput"]["ops_per_sec"]["median"] = samples[samples.size() / 2];
  return r;
}

const json* find_row(const json& rows, const std::string& backend) {
  for (const auto& r : rows) {
    if (r["backend"] == backend) return &r;
  }
  return nullptr;
}

TEST(Compare, ThreeRepetitionsCannotReachAlphaAndSaySo) {
  // Disjoint ranges with 3 + 3 samples: the old "*" mark; the U test's smallest p is 0.1.
  const json a =
      report({row("system", "spawn", 90, 100, 110, 50), row("bounded", "spawn", 90, 100, 110, 50)});
  const json b =
      report({row("system", "spawn", 200, 210, 220, 50), row("bounded", "spawn", 95, 105, 115, 50),
              row("mimalloc", "spawn", 1, 2, 3, 4)});
  const Comparison c = compare_reports(a, b, "A.json", "B.json");
  EXPECT_NE(c.text.find("2.100x"), std::string::npos) << c.text;
  EXPECT_NE(c.text.find("too few repetitions"), std::string::npos) << c.text;
  EXPECT_NE(c.text.find("warning: with 3 and 3 repetitions the smallest possible p-value is 0.100"),
            std::string::npos)
      << c.text;
  EXPECT_NE(c.text.find("only in B: mimalloc spawn k=64"), std::string::npos) << c.text;
  EXPECT_NE(c.text.find("micro: not compared"), std::string::npos) << c.text;
  for (const auto& r : c.json["rows"]) EXPECT_EQ(r["verdict"], "too few repetitions") << r;
  EXPECT_EQ(c.json["rows"][0]["ratio_ci95"]["source"], "unavailable");
}

TEST(Compare, SelfComparisonSaysNoChangeEverywhere) {
  const json a = report({sampled("system", "spawn", {100, 101, 99, 103, 98, 100, 102, 97, 101}),
                         sampled("bounded", "spawn", {50, 80, 65, 70, 52, 90, 61, 75, 58}),
                         sampled("jemalloc", "spawn", {7, 7, 7, 7, 7})});
  const Comparison c = compare_reports(a, a, "A.json", "A.json");
  ASSERT_EQ(c.json["rows"].size(), 3u);
  for (const auto& r : c.json["rows"]) {
    EXPECT_EQ(r["verdict"], "no change") << r;
    EXPECT_DOUBLE_EQ(r["ratio"].get<double>(), 1.0);
    EXPECT_DOUBLE_EQ(r["p_value"].get<double>(), 1.0);
  }
  EXPECT_EQ(c.json["summary"], json({{"no change", 3}}));
  EXPECT_TRUE(c.json["warnings"].empty());
}

TEST(Compare, TenPercentSlowerOverNineRepetitionsIsSlowerAndFailsTheGate) {
  // Nine distinct samples a side (no ties: the exact test applies), B = 0.9 A.
  const std::vector<double> a = {100, 101.5, 99, 103, 98, 100.5, 102, 97, 101};
  std::vector<double> b;
  for (double x : a) b.push_back(x * 0.9);
  const json ra = report({sampled("system", "spawn", a)});
  const json rb = report({sampled("system", "spawn", b)});
  CompareSettings st;
  st.fail_if_slower = 0.05;
  const Comparison c = compare_reports(ra, rb, "A.json", "B.json", st);
  const json& r = c.json["rows"][0];
  EXPECT_EQ(r["verdict"], "slower") << r;
  EXPECT_NEAR(r["ratio"].get<double>(), 0.9, 1e-12);
  EXPECT_EQ(r["test"], "Mann-Whitney U, two-sided, exact");
  EXPECT_LT(r["ratio_ci95"]["low"].get<double>(), 0.9);
  EXPECT_GT(r["ratio_ci95"]["high"].get<double>(), 0.9);
  EXPECT_LT(r["ratio_ci95"]["high"].get<double>(), 1.0);
  EXPECT_NEAR(r["p_value"].get<double>(), 4.113533525298231e-05, 1e-15);  // 2 / C(18, 9)
  EXPECT_TRUE(c.gate_failed);
  EXPECT_NE(c.text.find("GATE FAILED"), std::string::npos) << c.text;
  // A 15 % gate is not breached by a 10 % slowdown; a 1 % change is below --min-effect 2 %.
  st.fail_if_slower = 0.15;
  EXPECT_FALSE(compare_reports(ra, rb, "A.json", "B.json", st).gate_failed);
  std::vector<double> tiny;
  for (double x : a) tiny.push_back(x * 0.99);
  const Comparison small =
      compare_reports(ra, report({sampled("system", "spawn", tiny)}), "A.json", "B.json");
  EXPECT_EQ(small.json["rows"][0]["verdict"], "no change") << small.json["rows"][0];
  // The other direction is "faster".
  EXPECT_EQ(compare_reports(rb, ra, "B.json", "A.json").json["rows"][0]["verdict"], "faster");
}

TEST(Compare, AnUnconfirmedShiftBetweenNoisySamplesIsNoisy) {
  const json a = report({sampled("system", "spawn", {100, 60, 140, 90, 150, 55, 120, 70, 110})});
  const json b = report({sampled("system", "spawn", {130, 75, 160, 100, 170, 65, 140, 90, 120})});
  const Comparison c = compare_reports(a, b, "A.json", "B.json");
  const json& r = c.json["rows"][0];
  // scipy: stats.mannwhitneyu(b, a) -> statistic 52.0, pvalue 0.3303869554490739 (ties: normal).
  EXPECT_NEAR(r["p_value"].get<double>(), 0.3303869554490739, 1e-12) << r;
  EXPECT_EQ(r["verdict"], "noisy") << r;
  EXPECT_TRUE(r["a"]["noisy"].get<bool>());
}

TEST(Compare, BaselineWithinOneReport) {
  const json r = report({sampled("system", "spawn", {90, 100, 110, 95, 105}),
                         sampled("bounded", "spawn", {290, 300, 310, 295, 305})});
  const Comparison c = compare_baseline(r, "system");
  const json* b = find_row(c.json["rows"], "bounded");
  ASSERT_TRUE(b) << c.json;
  EXPECT_EQ((*b)["verdict"], "faster");
  EXPECT_NEAR((*b)["ratio"].get<double>(), 3.0, 1e-12);
  EXPECT_NE(c.text.find("3.000x"), std::string::npos) << c.text;
  EXPECT_THROW(format_baseline(r, "jemalloc"), std::invalid_argument);
}

TEST(Compare, MicroMediansMatchedByName) {
  auto micro = [](double t) {
    return json{{"system",
                 {{"benchmarks",
                   {{{"name", "BM_x_median"},
                     {"run_name", "BM_x"},
                     {"run_type", "aggregate"},
                     {"aggregate_name", "median"},
                     {"real_time", t},
                     {"cpu_time", t},
                     {"time_unit", "ns"}},
                    {{"name", "BM_x_mean"},
                     {"run_name", "BM_x"},
                     {"aggregate_name", "mean"},
                     {"real_time", 1e9}}}}}}};
  };
  json a = report({}), b = report({});
  a["micro"] = micro(10);
  b["micro"] = micro(15);
  const std::string out = format_compare(a, b, "A", "B");
  EXPECT_NE(out.find("BM_x"), std::string::npos) << out;
  EXPECT_NE(out.find("1.50x"), std::string::npos) << out;
}

// Rows as allocbench-micro-<b> writes them: repetitions plus aggregates, ns_per_item counters.
json gb_rows(const std::string& run_name, double ns_per_item, double real_time) {
  json rows = json::array();
  for (int i = 0; i < 2; ++i) {
    rows.push_back({{"name", run_name},
                    {"run_name", run_name},
                    {"run_type", "iteration"},
                    {"repetition_index", i},
                    {"real_time", real_time * 100},
                    {"time_unit", "ns"},
                    {"ns_per_item", ns_per_item * 100}});
  }
  for (const char* agg : {"mean", "median", "stddev"}) {
    rows.push_back({{"name", run_name + "_" + agg},
                    {"run_name", run_name},
                    {"run_type", "aggregate"},
                    {"aggregate_name", agg},
                    {"real_time", std::string(agg) == "median" ? real_time : 1e6},
                    {"time_unit", "ns"},
                    {"ns_per_item", std::string(agg) == "median" ? ns_per_item : 1e6}});
  }
  return rows;
}

TEST(Compare, MicroUsesNsPerItemOfRealRowNames) {
  json a = report({}), b = report({});
  json rows_a = gb_rows("batch_free/n:4096/manual_time", 2.0, 9000);
  json rows_b = gb_rows("batch_free/n:4096/manual_time", 3.0, 9000);
  // A row without ns_per_item is compared by real_time.
  json plain_a = gb_rows("spawn_box_run_free", 0, 10),
       plain_b = gb_rows("spawn_box_run_free", 0, 40);
  for (json* r : {&plain_a, &plain_b}) {
    for (json& row : *r) row.erase("ns_per_item");
  }
  rows_a.insert(rows_a.end(), plain_a.begin(), plain_a.end());
  rows_b.insert(rows_b.end(), plain_b.begin(), plain_b.end());
  a["micro"]["bounded"] = {{"status", "ok"}, {"context", json::object()}, {"benchmarks", rows_a}};
  b["micro"]["bounded"] = {{"status", "ok"}, {"context", json::object()}, {"benchmarks", rows_b}};
  ASSERT_NO_THROW(validate_report(a));
  const std::string out = format_compare(a, b, "A", "B");
  EXPECT_NE(out.find("batch_free/n:4096/manual_time "), std::string::npos) << out;
  EXPECT_EQ(out.find("manual_time_median"), std::string::npos) << out;
  EXPECT_NE(out.find("2.00 ns/item"), std::string::npos) << out;
  EXPECT_NE(out.find("1.50x"), std::string::npos) << out;  // 3 / 2 ns per item
  EXPECT_NE(out.find("1.00x"), std::string::npos) << out;  // the same real_time
  EXPECT_NE(out.find("40.00 ns"), std::string::npos) << out;
  EXPECT_NE(out.find("4.00x"), std::string::npos) << out;  // real_time 40 / 10
  // A failed micro entry has no rows and is simply not compared.
  b["micro"]["system"] = {{"status", "failed"}, {"error", "killed by signal SIGABRT (6)"}};
  a["micro"]["system"] = b["micro"]["system"];
  EXPECT_NO_THROW(format_compare(a, b, "A", "B"));
  EXPECT_NO_THROW(format_baseline(report({row("system", "s", 1, 2, 3, 4)}), "system"));
}

json callgrind_row(const std::string& backend, double ir, double d1, double ll) {
  json r = row(backend, "spawn_churn", 1, 1, 1, 1);
  r["throughput"] = {{"ops_per_sec", {{"source", "unavailable"}, {"reason", "callgrind"}}}};
  r["latency_ns"] = {{"source", "unavailable"}, {"reason", "callgrind"}};
  r["cache"] = {{"source", "callgrind"},
                {"instructions_per_op", ir},
                {"d1_misses_per_op", d1},
                {"ll_misses_per_op", ll}};
  return r;
}

TEST(Compare, CallgrindFiguresAreComparedAndSummarised) {
  const json a =
      report({callgrind_row("system", 400, 2, 0.5), callgrind_row("bounded", 200, 1, 0)});
  const json b =
      report({callgrind_row("system", 300, 2, 0.25), callgrind_row("bounded", 200, 1, 0)});
  ASSERT_NO_THROW(validate_report(a));
  const std::string out = format_compare(a, b, "A", "B");
  EXPECT_NE(out.find("callgrind cache simulation"), std::string::npos) << out;
  EXPECT_NE(out.find("0.75x"), std::string::npos) << out;  // 300 / 400 instructions
  EXPECT_NE(out.find("0.50x"), std::string::npos) << out;  // LL 0.25 / 0.5
  const std::string base = format_baseline(a, "system");
  EXPECT_NE(base.find("0.50x"), std::string::npos) << base;  // bounded 200 / system 400
  const std::string summary = format_summary(a);
  EXPECT_NE(summary.find("instr/op"), std::string::npos) << summary;
  EXPECT_NE(summary.find("400.0"), std::string::npos) << summary;
  EXPECT_EQ(summary.find("ops/s"), std::string::npos) << "timing shown for a callgrind run\n"
                                                      << summary;
}

TEST(Summary, RatiosToSystemAndFloorAndFailures) {
  json r = report({row("system", "floor", 1, 400, 500, 5), row("system", "spawn", 1, 100, 200, 50),
                   row("bounded", "spawn", 1, 200, 300, 25)});
  r["backends"].push_back(
      {{"name", "jemalloc"}, {"status", "failed"}, {"error", "timed out after 5 s"}});
  const std::string out = format_summary(r);
  EXPECT_NE(out.find("2.00x"), std::string::npos) << out;  // bounded vs system
  EXPECT_NE(out.find("0.25x"), std::string::npos) << out;  // system spawn vs its floor
  EXPECT_NE(out.find("n/a"), std::string::npos) << out;    // bounded has no floor row
  EXPECT_NE(out.find("FAILED jemalloc: timed out after 5 s"), std::string::npos) << out;
}

// A row the worker marked not comparable (an arena whose frees are no-ops) is labelled, with one
// footnote that says why; unmarked rows are not.
TEST(Summary, NotComparableRowsAreMarkedAndExplained) {
  json r =
      report({row("system", "spawn", 1, 100, 200, 50), row("bounded", "spawn", 1, 200, 300, 25)});
  EXPECT_EQ(format_summary(r).find("n/c"), std::string::npos);
  r["results"][1]["not_comparable"] = "frees are no-ops";
  const std::string out = format_summary(r);
  EXPECT_NE(out.find("bounded (n/c)"), std::string::npos) << out;
  EXPECT_EQ(out.find("system (n/c)"), std::string::npos) << out;
  EXPECT_NE(out.find("(n/c): not comparable"), std::string::npos) << out;
}

}  // namespace
// Issue 14: a quick and a full run of one workload differ in run sizes only; they pair, the
// text says once that run sizes differ, and rows only one side has are still listed. A declares
// its run-size parameters; B is an older report that does not (the legacy names apply).
TEST(Compare, PairsWorkloadsAcrossRunSizes) {
  auto sized = [](json r, int ops, int samples) {
    r["params"]["ops"] = ops;
    r["params"]["samples"] = samples;
    return r;
  };
  json a = report({sized(row("system", "burst", 1, 2, 3, 40), 1000, 100),
                   sized(row("system", "floor", 1, 2, 3, 40), 1000, 100),
                   sized(row("system", "quick_only", 1, 2, 3, 40), 1000, 100)});
  a["config"]["run_size_params"] = {{"burst", {"ops", "samples", "batch"}},
                                    {"floor", {"ops", "samples", "batch"}},
                                    {"quick_only", {"ops", "samples", "batch"}}};
  json b = report({sized(row("system", "burst", 2, 4, 6, 40), 5000, 900),
                   sized(row("system", "floor", 1, 2, 3, 40), 1000, 100),
                   sized(row("system", "full_only", 1, 2, 3, 40), 5000, 900)});
  const Comparison c = compare_reports(a, b, "quick.json", "full.json");
  ASSERT_EQ(c.json["rows"].size(), 2u) << c.text;
  EXPECT_EQ(c.json["rows"][0]["scenario"], "burst");
  EXPECT_EQ(c.json["rows"][0]["a_params"]["ops"], 1000);
  EXPECT_EQ(c.json["rows"][0]["params"]["ops"], 5000);
  EXPECT_DOUBLE_EQ(c.json["rows"][0]["ratio"].get<double>(), 2.0);
  EXPECT_EQ(c.json["run_sizes_differ"]["rows"], 1);
  EXPECT_EQ(c.json["run_sizes_differ"]["params"], json({"ops", "samples"}));
  EXPECT_EQ(c.json["only_in_a"].size(), 1u);
  EXPECT_EQ(c.json["only_in_b"].size(), 1u);
  // Said once, before the table; the params column shows the workload both ran.
  const std::size_t first = c.text.find("run sizes differ");
  ASSERT_NE(first, std::string::npos) << c.text;
  EXPECT_EQ(c.text.find("run sizes differ", first + 1), std::string::npos) << c.text;
  EXPECT_EQ(c.text.find("no results in common"), std::string::npos) << c.text;
  EXPECT_NE(c.text.find("only in A: system quick_only"), std::string::npos) << c.text;
  EXPECT_NE(c.text.find("only in B: system full_only"), std::string::npos) << c.text;
  // A workload parameter that differs is another workload: k=64 against k=128 stays unpaired.
  json d = b;
  for (auto& r : d["results"]) r["params"]["k"] = 128;
  EXPECT_TRUE(compare_reports(a, d, "a", "d").json["rows"].empty());
}

// Issue 14: compare opens with what differs besides the results; a report without provenance
// (older ones) reads "not recorded" and nothing throws.
TEST(Compare, OpensWithWhatDiffers) {
  json a = report({row("system", "s", 1, 2, 3, 40)});
  json b = a;
  a["machine"] = {{"kernel", "Linux 6.1"}, {"timer", {{"overhead_ns", 20.0}}}};
  b["machine"] = {{"kernel", "Linux 6.18"}, {"timer", {{"overhead_ns", 20.0}}}};
  b["provenance"] = {{"version", "0.1.0"}, {"commit", "0123456789abcdef"}, {"dirty", true}};
  b["backends"][0]["version"] = "2.36";
  b["config"]["mode"] = "quick";
  const Comparison c = compare_reports(a, b, "a.json", "b.json");
  for (const char* needle :
       {"what differs between A and B", "kernel", "Linux 6.18", "0123456789ab (dirty)",
        "not recorded", "backend system version", "mode"}) {
    EXPECT_NE(c.text.find(needle), std::string::npos) << needle << "\n" << c.text;
  }
  EXPECT_EQ(c.text.find("timer overhead"), std::string::npos) << c.text;  // the same on both
  EXPECT_TRUE(c.text.find("what differs") < c.text.find("backend  scenario")) << c.text;
  EXPECT_FALSE(c.json["differences"]["differ"].empty());
}

// Issue 14: the floor is the run's control. Its spread across backends and repetitions is the
// noise level; the summary states it first, warns above the threshold, and marks ratios within
// it; compare marks rows within the larger of the two reports' noise.
TEST(Noise, FloorSpreadIsTheRunsNoise) {
  json r =
      report({row("system", "floor", 90, 100, 110, 10), row("bounded", "floor", 118, 120, 122, 10),
              row("system", "churn", 9, 10, 11, 40), row("bounded", "churn", 10, 11, 12, 40),
              row("jemalloc", "churn", 19, 20, 21, 40)});
  r["config"]["noise_threshold_pct"] = 5.0;
  const NoiseLevel n = floor_noise(r);
  ASSERT_TRUE(n.available);
  EXPECT_NEAR(*n.across_backends, 20.0 / 110.0, 1e-12);  // medians 100 and 120
  EXPECT_NEAR(*n.across_repetitions, 0.2, 1e-12);        // system: (110 - 90) / 100
  EXPECT_NEAR(n.level, 0.2, 1e-12);
  EXPECT_TRUE(within_noise(1.1, n));
  EXPECT_TRUE(within_noise(1 / 1.1, n));
  EXPECT_FALSE(within_noise(2.0, n));
  const std::string s = format_summary(r);
  EXPECT_EQ(s.rfind("noise: 20.0%", 0), 0u) << s;
  EXPECT_NE(s.find("warning: the noise (20.0%) exceeds --noise-threshold 5.0%"), std::string::npos)
      << s;
  EXPECT_NE(s.find("1.10x~"), std::string::npos) << s;  // bounded churn vs system: within
  EXPECT_NE(s.find("2.00x "), std::string::npos) << s;  // jemalloc: a finding, unmarked
  EXPECT_EQ(s.find("2.00x~"), std::string::npos) << s;
  const Comparison c = compare_baseline(r, "system");
  for (const auto& row : c.json["rows"]) {
    EXPECT_EQ(row["within_noise"].get<bool>(), row["backend"] != "jemalloc") << row.dump();
  }
  // Without the control the level is unavailable, and says why; nothing is marked.
  json no_floor =
      report({row("system", "churn", 9, 10, 11, 40), row("bounded", "churn", 10, 11, 12, 40)});
  EXPECT_FALSE(floor_noise(no_floor).available);
  EXPECT_NE(format_summary(no_floor).find("noise: unavailable"), std::string::npos);
  EXPECT_EQ(format_summary(no_floor).find("x~"), std::string::npos);
}

}  // namespace allocbench
