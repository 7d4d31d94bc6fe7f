// `allocbench run --micro` and the refusals of `--cache-sim`, end to end against fake workers and
// fake allocbench-micro-<b> executables (fake_worker.cpp).
#include <gtest/gtest.h>
#include <stdlib.h>

#include <map>

#include "driver_harness.hpp"
#include "harness/report/schema.hpp"

namespace allocbench::testing {
namespace {

using nlohmann::json;

bool has(const std::string& hay, const std::string& needle) {
  return hay.find(needle) != std::string::npos;
}

std::vector<std::string> micro_calls(const std::vector<std::string>& log) {
  std::vector<std::string> out;
  for (const auto& l : log) {
    if (l.rfind("micro-", 0) == 0) out.push_back(l);
  }
  return out;
}

TEST_F(DriverTest, MicroRowsAreMergedAndBrokenMicroRecordedAsFailed) {
  install({"system", "bounded", "unbounded", "jemalloc"});
  install_micro({"system", "bounded", "unbounded", "jemalloc"});
  ::setenv("FAKE_MICRO_MODE", "bounded=crash,unbounded=hang,jemalloc=garbage", 1);
  const auto r = run({"run", "--micro", "--repetitions", "2", "--timeout", "2"});
  EXPECT_EQ(r.exit_code(), 1) << r.err;
  const json report = read_json(dir_ / "results" / "latest.json");
  ASSERT_NO_THROW(validate_report(report));
  EXPECT_EQ(report["config"]["micro"], true);
  // The scenario results of every backend are kept: only their micro failed.
  for (const auto& b : report["backends"]) EXPECT_EQ(b["status"], "ok") << b;
  EXPECT_EQ(report["results"].size(), 8u);
  const json& micro = report["micro"];
  ASSERT_EQ(micro["system"]["status"], "ok") << micro["system"];
  EXPECT_EQ(micro["system"]["context"]["backend"], "system");
  // Google Benchmark's rows as written: 2 repetitions + 4 aggregates, for 2 benchmarks.
  const json& rows = micro["system"]["benchmarks"];
  ASSERT_EQ(rows.size(), 12u);
  int iterations = 0, medians = 0;
  for (const auto& row : rows) {
    iterations += row["run_type"] == "iteration";
    medians += row.value("aggregate_name", "") == "median";
  }
  EXPECT_EQ(iterations, 4);
  EXPECT_EQ(medians, 2);
  const std::map<std::string, std::string> causes = {
      {"bounded", "killed by signal SIGABRT"},
      {"unbounded", "timed out after 2 s"},
      {"jemalloc", "malformed output: not valid JSON"}};
  for (const auto& [name, cause] : causes) {
    EXPECT_EQ(micro[name]["status"], "failed") << name;
    const std::string error = micro[name]["error"];
    EXPECT_TRUE(has(error, cause)) << name << ": " << error;
    EXPECT_TRUE(has(error, "micro stderr of " + name)) << name << ": " << error;
    EXPECT_FALSE(micro[name].contains("benchmarks")) << name;
  }
  // Each ran once, after the scenarios, with the run's repetitions.
  const auto calls = micro_calls(log_lines());
  ASSERT_EQ(calls.size(), 4u);
  for (const auto& c : calls) {
    EXPECT_TRUE(has(c, "--benchmark_format=json --benchmark_repetitions=2")) << c;
    EXPECT_FALSE(has(c, "--benchmark_filter")) << c;
  }
  EXPECT_TRUE(has(r.err, "[micro] bounded (2/4): FAILED: killed by signal SIGABRT")) << r.err;
  EXPECT_TRUE(has(r.err, "[micro] system (1/4): done in")) << r.err;
  // The summary: medians per benchmark (ns_per_item, else real_time), then the failures.
  EXPECT_TRUE(has(r.out, "micro benchmarks")) << r.out;
  EXPECT_TRUE(has(r.out, "batch_free/n:16/manual_time")) << r.out;
  EXPECT_TRUE(has(r.out, "10.50 ns real")) << r.out;
  EXPECT_TRUE(has(r.out, "FAILED micro bounded: killed by signal SIGABRT")) << r.out;
  // compare reads the real row names of the merged micro section.
  const auto c = run({"compare", "results/latest.json", "--baseline", "system"});
  EXPECT_EQ(c.exit_code(), 0) << c.err;
}

TEST_F(DriverTest, FullRunsMicroUnlessNoMicroAndMicroOnlySkipsScenarios) {
  install({"system"});
  install_micro({"system"});
  auto r = run({"run", "--full", "--repetitions", "1", "--out", "full.json"});
  ASSERT_EQ(r.exit_code(), 0) << r.err;
  json report = read_json(dir_ / "full.json");
  EXPECT_EQ(report["config"]["micro"], true);
  EXPECT_EQ(report["micro"]["system"]["status"], "ok");
  EXPECT_EQ(report["results"].size(), 3u);  // floor + spawn_burst k=64, 256

  r = run({"run", "--full", "--no-micro", "--repetitions", "1", "--out", "none.json"});
  ASSERT_EQ(r.exit_code(), 0) << r.err;
  report = read_json(dir_ / "none.json");
  EXPECT_EQ(report["config"]["micro"], false);
  EXPECT_FALSE(report.contains("micro"));
  EXPECT_EQ(micro_calls(log_lines()).size(), 1u);

  ::unlink(log_.c_str());
  r = run({"run", "--micro-only", "--micro-filter", "alloc_free", "--out", "only.json"});
  ASSERT_EQ(r.exit_code(), 0) << r.err;
  report = read_json(dir_ / "only.json");
  ASSERT_NO_THROW(validate_report(report));
  EXPECT_TRUE(report["results"].empty());
  EXPECT_TRUE(report["config"]["scenarios"].empty());
  EXPECT_EQ(report["config"]["micro_filter"], "alloc_free");
  EXPECT_EQ(report["micro"]["system"]["status"], "ok");
  for (const auto& l : log_lines()) EXPECT_FALSE(has(l, " run ")) << "a scenario ran: " << l;
  const auto calls = micro_calls(log_lines());
  ASSERT_EQ(calls.size(), 1u);
  EXPECT_TRUE(has(calls[0], "--benchmark_repetitions=3 --benchmark_filter=alloc_free")) << calls[0];
}

TEST_F(DriverTest, MissingMicroExecutableIsAFailureOfThatBackendOnly) {
  install({"system", "bounded"});
  install_micro({"system"});
  const auto r = run({"run", "--micro", "--repetitions", "1", "--out", "r.json"});
  EXPECT_EQ(r.exit_code(), 1) << r.err;
  const json report = read_json(dir_ / "r.json");
  EXPECT_EQ(report["micro"]["system"]["status"], "ok");
  EXPECT_EQ(report["micro"]["bounded"]["status"], "failed");
  EXPECT_TRUE(has(report["micro"]["bounded"]["error"], "could not be started"))
      << report["micro"]["bounded"];
}

TEST_F(DriverTest, CacheSimWithoutValgrindIsRefusedBeforeAnythingRuns) {
  install({"system"});
  const std::string saved = std::getenv("PATH") ? std::getenv("PATH") : "";
  ::setenv("PATH", dir_.c_str(), 1);  // holds no valgrind
  const auto r = run({"run", "--cache-sim", "--out", "r.json"});
  ::setenv("PATH", saved.c_str(), 1);
  EXPECT_EQ(r.exit_code(), 2) << r.err;
  EXPECT_TRUE(has(r.err, "--cache-sim needs valgrind")) << r.err;
  EXPECT_FALSE(fs::exists(dir_ / "r.json"));
  EXPECT_TRUE(log_lines().empty()) << "a worker was started";
}

}  // namespace
}  // namespace allocbench::testing
