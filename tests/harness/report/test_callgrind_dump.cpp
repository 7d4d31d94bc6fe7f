// The callgrind dump parser on committed dump parts (fixtures/callgrind, see its README), and the
// cache-simulation figures built from them.
#include <gtest/gtest.h>

#include <fstream>
#include <string>

#include <nlohmann/json.hpp>

#include "harness/report/cache_sim.hpp"
#include "harness/report/callgrind_dump.hpp"
#include "harness/report/schema.hpp"

namespace allocbench {
namespace {

using nlohmann::json;

const std::filesystem::path kFixtures = CALLGRIND_FIXTURES;

TEST(CallgrindDump, ReadsLabelGeometryAndSummary) {
  const CallgrindPart p = parse_callgrind_dump(
      "events: Ir Dr Dw I1mr D1mr D1mw ILmr DLmr DLmw\n"
      "desc: I1 cache: 32768 B, 64 B, 8-way associative\n"
      "desc: LL cache: 8388608 B, 64 B, 16-way associative\n"
      "desc: Trigger: Client Request: spawn_churn frame=64\n"
      "summary: 10 4 3 2 1\n"
      "totals: 9 4 3 2 1\n");
  EXPECT_EQ(p.label, "spawn_churn frame=64");
  EXPECT_EQ(p.trigger, "Client Request: spawn_churn frame=64");
  EXPECT_EQ(p.events.at("Ir"), 10u);  // summary wins over totals
  EXPECT_EQ(p.events.at("D1mr"), 1u);
  EXPECT_EQ(p.events.at("DLmw"), 0u);  // left out of the line: zero
  EXPECT_EQ(p.events.size(), 9u);
  EXPECT_EQ(p.geometry.at("I1"), (CacheLevel{32768, 8, 64}));
  EXPECT_EQ(p.geometry.at("LL"), (CacheLevel{8388608, 16, 64}));
  EXPECT_FALSE(p.geometry.count("D1"));
}

TEST(CallgrindDump, FallsBackToTotalsAndHandlesCrlf) {
  const CallgrindPart p = parse_callgrind_dump(
      "events: Ir D1mr\r\ndesc: Trigger: Program termination\r\ntotals: 7 1\r\n");
  EXPECT_EQ(p.trigger, "Program termination");
  EXPECT_TRUE(p.label.empty());
  EXPECT_EQ(p.events.at("Ir"), 7u);
  EXPECT_EQ(p.events.at("D1mr"), 1u);
}

TEST(CallgrindDump, RejectsWhatItCannotRead) {
  EXPECT_THROW(parse_callgrind_dump("summary: 1 2\n"), DumpError);              // no events
  EXPECT_THROW(parse_callgrind_dump("events: Ir\n"), DumpError);                // no totals
  EXPECT_THROW(parse_callgrind_dump("events: Ir\nsummary: 1 2\n"), DumpError);  // too many
  try {
    parse_callgrind_dump("events: Ir Dr\n\nsummary: 12 x3\n");
    FAIL() << "accepted a count that is not a number";
  } catch (const DumpError& e) {
    EXPECT_NE(std::string(e.what()).find("line 3"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("x3"), std::string::npos) << e.what();
  }
}

TEST(CallgrindDump, SumsTheFixturePartsPerLabel) {
  const auto totals = sum_callgrind_dumps(kFixtures, "cg.");
  // Two labels: the termination part has none and README.md is not a dump.
  ASSERT_EQ(totals.size(), 2u);
  const LabelTotals& churn = totals.at("spawn_churn frame=64");
  EXPECT_EQ(churn.parts, 2u);
  EXPECT_EQ(churn.events.at("Ir"), 3940075u + 1000u);  // cg.4242.1 summary + cg.4242.3 totals
  EXPECT_EQ(churn.events.at("D1mr"), 3u);
  EXPECT_EQ(churn.events.at("D1mw"), 6u);
  EXPECT_EQ(churn.events.at("DLmr"), 1u);
  EXPECT_EQ(churn.events.at("DLmw"), 3u);
  EXPECT_EQ(churn.geometry, cache_sim_geometry());
  const LabelTotals& burst = totals.at("spawn_burst frame=256 k=1024");
  EXPECT_EQ(burst.parts, 1u);
  EXPECT_EQ(burst.events.at("D1mw"), 52005u);
  EXPECT_EQ(burst.events.at("DLmr"), 0u);
}

TEST(CallgrindDump, NamesTheFileThatDoesNotParse) {
  const auto dir = std::filesystem::temp_directory_path() / "allocbench-cg-bad-test";
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  std::filesystem::copy_file(kFixtures / "cg.4242.1", dir / "cg.1.1");
  { std::ofstream(dir / "cg.1.2") << "events: Ir\nsummary: nope\n"; }
  try {
    sum_callgrind_dumps(dir, "cg.");
    ADD_FAILURE() << "accepted a broken dump";
  } catch (const DumpError& e) {
    EXPECT_NE(std::string(e.what()).find("cg.1.2"), std::string::npos) << e.what();
  }
  std::filesystem::remove_all(dir);
}

json worker_output() {
  auto result = [](const std::string& label, json ops) {
    return json{{"scenario", "s"},
                {"params", json::object()},
                {"ops", ops},
                {"cache", {{"source", "callgrind"}, {"label", label}}}};
  };
  return {{"backend", json::object()},
          {"results",
           {result("spawn_churn frame=64", 1000),
            result("spawn_burst frame=256 k=1024", 0),
            result("never dumped", 10),
            {{"scenario", "x"}, {"ops", 5}, {"cache", {{"source", "unavailable"}}}}}}};
}

TEST(CacheSim, DividesTheLabelsTotalsByTheResultsOps) {
  json out = worker_output();
  attach_callgrind(out, sum_callgrind_dumps(kFixtures, "cg."), cache_sim_geometry());
  const json& c = out["results"][0]["cache"];
  EXPECT_EQ(c["source"], "callgrind");
  EXPECT_DOUBLE_EQ(c["instructions_per_op"].get<double>(), 3941.075);
  EXPECT_DOUBLE_EQ(c["d1_misses_per_op"].get<double>(), 0.009);  // (3 + 6) / 1000
  EXPECT_DOUBLE_EQ(c["ll_misses_per_op"].get<double>(), 0.004);  // (1 + 3) / 1000
  EXPECT_DOUBLE_EQ(c["i1_misses_per_op"].get<double>(), 0.017);
  EXPECT_EQ(c["ops"], 1000);
  EXPECT_EQ(c["dumps"], 2);
  EXPECT_EQ(c["events"]["Ir"], 3941075);
  EXPECT_EQ(c["geometry"], geometry_json(cache_sim_geometry()));
  EXPECT_EQ(c["geometry"]["LL"]["size_bytes"], 8388608);
  // No operations, no dump, no label: unavailable with the reason, never zeros.
  for (int i : {1, 2, 3}) {
    const json& u = out["results"][i]["cache"];
    EXPECT_EQ(u["source"], "unavailable") << u;
    EXPECT_FALSE(u.contains("instructions_per_op")) << u;
    EXPECT_TRUE(u["reason"].is_string()) << u;
  }
  EXPECT_NE(out["results"][2]["cache"]["reason"].get<std::string>().find("never dumped"),
            std::string::npos);
}

TEST(CacheSim, TimingIsMarkedUnavailableAndTheReportStillValidates) {
  json results = json::array({{{"backend", "bounded"},
                               {"scenario", "s"},
                               {"params", json::object()},
                               {"throughput", {{"ops_per_sec", {{"median", 5.0}}}}},
                               {"latency_ns", {{"p50", 3.0}}},
                               {"memory",
                                {{"peak_rss_bytes", 100},
                                 {"minor_faults", 2},
                                 {"peak_rss_reset", true},
                                 {"requested_bytes", 64}}},
                               {"cache", {{"source", "callgrind"}}}}});
  mark_timing_unavailable(results);
  const json& r = results[0];
  EXPECT_EQ(r["throughput"]["ops_per_sec"]["source"], "unavailable");
  EXPECT_FALSE(r["throughput"]["ops_per_sec"].contains("median"));
  EXPECT_EQ(r["latency_ns"]["source"], "unavailable");
  EXPECT_EQ(r["latency_cycles"]["source"], "unavailable");
  EXPECT_EQ(r["timing"], kTimingUnderCallgrind);
  EXPECT_TRUE(r["memory"]["peak_rss_bytes"].is_null());
  EXPECT_TRUE(r["memory"]["minor_faults"].is_null());
  EXPECT_FALSE(r["memory"].contains("peak_rss_reset"));
  EXPECT_EQ(r["memory"]["requested_bytes"], 64);  // the backend's own figure stays
  const json report = {{"schema_version", kSchemaVersion},
                       {"generated_at", "x"},
                       {"machine", {{"cpu_model", "test CPU"}, {"cores", 2}}},
                       {"config", json::object()},
                       {"backends", json::array()},
                       {"results", results}};
  EXPECT_NO_THROW(validate_report(report));
  json broken = report;
  broken["results"][0]["throughput"]["ops_per_sec"].erase("reason");
  EXPECT_THROW(validate_report(broken), SchemaError);
}

}  // namespace
}  // namespace allocbench
