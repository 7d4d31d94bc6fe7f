#include <gtest/gtest.h>
#include <stdlib.h>

#include <algorithm>
#include <random>

#include "driver_harness.hpp"
#include "harness/report/schema.hpp"

namespace allocbench::testing {
namespace {

using nlohmann::json;

bool has(const std::string& hay, const std::string& needle) {
  return hay.find(needle) != std::string::npos;
}

TEST_F(DriverTest, ListShowsBackendsInCanonicalOrderAndScenarios) {
  install({"tcmalloc", "system", "bounded"});
  const auto r = run({"list"});
  ASSERT_EQ(r.exit_code(), 0) << r.err;
  EXPECT_LT(r.out.find("system"), r.out.find("bounded"));
  EXPECT_LT(r.out.find("bounded"), r.out.find("tcmalloc"));
  EXPECT_TRUE(has(r.out, "libfake-tcmalloc.so")) << r.out;
  EXPECT_TRUE(has(r.out, "spawn_burst")) << r.out;
  EXPECT_TRUE(has(r.out, "quick: 64; full: 64, 256")) << r.out;
}

TEST_F(DriverTest, RunWritesStampedAndLatestReports) {
  install({"system", "bounded", "unbounded"});
  const auto r = run({"run", "--seed", "9", "--threads", "2", "--verbose"});
  ASSERT_EQ(r.exit_code(), 0) << r.err;
  const auto stamped = stamped_reports();
  ASSERT_EQ(stamped.size(), 1u);
  EXPECT_EQ(slurp(stamped[0]), slurp(dir_ / "results" / "latest.json"));
  const json report = read_json(stamped[0]);
  ASSERT_NO_THROW(validate_report(report));
  EXPECT_EQ(report["config"]["repetitions"], 3);
  EXPECT_EQ(report["config"]["interrupted"], false);
  EXPECT_EQ(report["machine"]["cpu_model"], "fake cpu");
  // 3 backends x (floor + spawn_burst k=64), 3 samples each.
  ASSERT_EQ(report["results"].size(), 6u);
  for (const auto& res : report["results"]) {
    EXPECT_EQ(res["throughput"]["ops_per_sec"]["samples"].size(), 3u);
  }
  // The order rotates: every backend goes first once.
  const json& order = report["config"]["backend_order"];
  ASSERT_EQ(order.size(), 3u);
  EXPECT_EQ(order[0][0], "system");
  EXPECT_EQ(order[1][0], "bounded");
  EXPECT_EQ(order[2][0], "unbounded");
  // The parameter sets' order rotates too: floor and spawn_burst k=64 swap places.
  const json& grid = report["config"]["grid_order"];
  ASSERT_EQ(grid.size(), 3u);
  EXPECT_EQ(grid[0], json({"floor", "spawn_burst k=64"}));
  EXPECT_EQ(grid[1], json({"spawn_burst k=64", "floor"}));
  // The workers ran in that order, one process per parameter set, with the flags passed through.
  std::vector<std::string> runs;
  for (const auto& l : log_lines()) {
    if (has(l, " run ")) {
      runs.push_back(l.substr(0, l.find(' ')));
      EXPECT_TRUE(has(l, "--seed 9 --threads 2")) << l;
      EXPECT_TRUE(has(l, "--mode quick")) << l;
    }
  }
  EXPECT_EQ(runs, (std::vector<std::string>{
                      "system", "system", "bounded", "bounded", "unbounded", "unbounded", "bounded",
                      "bounded", "unbounded", "unbounded", "system", "system", "unbounded",
                      "unbounded", "system", "system", "bounded", "bounded"}));
  EXPECT_TRUE(has(r.err, "[rep 2/3] unbounded (2/3): spawn_burst k=64 (1/2): running spawn_burst"))
      << r.err;
  EXPECT_TRUE(has(r.out, "vs system")) << r.out;
}

// Issue 14: quiet by default. Without a terminal the driver prints one plain line per backend
// run (with the time elapsed and an estimate of what is left), not the workers' own lines;
// --quiet prints the summary only.
TEST_F(DriverTest, ProgressIsOneLinePerBackendRunAndQuietIsSilent) {
  install({"system", "bounded"});
  const auto r = run({"run", "--repetitions", "2"});
  ASSERT_EQ(r.exit_code(), 0) << r.err;
  std::size_t lines = 0;
  for (char c : r.err) lines += c == '\n';
  EXPECT_EQ(lines, 2u * 2u + 1u) << r.err;  // 2 repetitions x 2 backends + the report path
  EXPECT_TRUE(has(r.err, "[rep 2/2] system (2/2): done in")) << r.err;
  EXPECT_TRUE(has(r.err, "left ~0:00")) << r.err;
  EXPECT_FALSE(has(r.err, "running")) << r.err;
  const auto q = run({"run", "--repetitions", "1", "--quiet"});
  ASSERT_EQ(q.exit_code(), 0) << q.err;
  EXPECT_EQ(q.err, "");
  EXPECT_TRUE(has(q.out, "vs system")) << q.out;
}

TEST_F(DriverTest, OutWritesOnlyThatFile) {
  install({"system"});
  const auto r = run({"run", "--out", "mine.json", "--repetitions", "1", "--full", "--no-micro",
                      "--scenarios", "spawn_burst"});
  ASSERT_EQ(r.exit_code(), 0) << r.err;
  EXPECT_FALSE(fs::exists(dir_ / "results"));
  const json report = read_json(dir_ / "mine.json");
  EXPECT_EQ(report["config"]["mode"], "full");
  EXPECT_EQ(report["results"].size(), 2u);  // k = 64 and 256
}

TEST_F(DriverTest, FailuresAreRecordedWithCauseAndOthersKept) {
  install({"system", "bounded", "unbounded", "jemalloc", "mimalloc", "tcmalloc"});
  ::setenv("FAKE_WORKER_MODE",
           "bounded=crash,unbounded=hang,jemalloc=garbage,mimalloc=exit3,tcmalloc=badproto", 1);
  const auto r = run({"run", "--timeout", "1", "--repetitions", "2"});
  EXPECT_EQ(r.exit_code(), 1) << r.err;
  const json report = read_json(dir_ / "results" / "latest.json");
  ASSERT_NO_THROW(validate_report(report));
  std::map<std::string, json> by_name;
  for (const auto& b : report["backends"]) by_name[b["name"]] = b;
  EXPECT_EQ(by_name["system"]["status"], "ok");
  const std::map<std::string, std::string> causes = {
      {"bounded", "killed by signal SIGABRT"},
      {"unbounded", "timed out after 1 s"},
      {"jemalloc", "malformed output: not valid JSON"},
      {"mimalloc", "exited with status 3"},
      {"tcmalloc", "malformed output: results[0].params: missing"}};
  for (const auto& [name, cause] : causes) {
    EXPECT_EQ(by_name[name]["status"], "failed") << name;
    const std::string error = by_name[name]["error"];
    EXPECT_TRUE(has(error, cause)) << name << ": " << error;
    EXPECT_TRUE(has(error, "stderr line 29 of " + name)) << name << ": " << error;
    EXPECT_FALSE(has(error, "stderr line 9 of")) << "more than the last 20 lines: " << error;
  }
  // Only system has results, with both repetitions; each failed worker ran once.
  for (const auto& res : report["results"]) {
    EXPECT_EQ(res["backend"], "system");
    EXPECT_EQ(res["throughput"]["ops_per_sec"]["samples"].size(), 2u);
  }
  EXPECT_EQ(report["results"].size(), 2u);
  std::map<std::string, int> runs;
  for (const auto& l : log_lines()) {
    if (has(l, " run ")) ++runs[l.substr(0, l.find(' '))];
  }
  EXPECT_EQ(runs["system"], 4);  // two parameter sets, two repetitions
  for (const auto& [name, cause] : causes) EXPECT_EQ(runs[name], 1) << name;
  EXPECT_TRUE(has(r.out, "FAILED bounded")) << r.out;
}

TEST_F(DriverTest, NoisyWorkerDoesNotBlock) {
  install({"system"});
  ::setenv("FAKE_WORKER_MODE", "system=noisy", 1);
  const auto r = run({"run", "--repetitions", "1", "--out", "r.json"});
  EXPECT_EQ(r.exit_code(), 0) << r.err.substr(0, 500);
}

TEST_F(DriverTest, BadInputExitsTwoAndRunsNothing) {
  install({"system", "bounded"});
  fs::create_directory(dir_ / "ro");
  const std::vector<std::pair<std::vector<std::string>, std::vector<std::string>>> cases = {
      {{"run", "--backends", "system,nope"}, {"--backends", "nope", "system, bounded"}},
      {{"run", "--scenarios", "bogus"}, {"--scenarios", "floor, spawn_burst"}},
      {{"run", "--repetitions", "0"}, {"--repetitions"}},
      {{"run", "--repetitions", "-3"}, {"--repetitions"}},
      {{"run", "--threads", "two"}, {"--threads"}},
      {{"run", "--seed", "0"}, {"--seed"}},
      {{"run", "--timeout", "1.5"}, {"--timeout"}},
      {{"run", "--param", "k=-1"}, {"--param"}},
      {{"run", "--param", "k=abc"}, {"--param"}},
      {{"run", "--param", "zzz=4"}, {"--param", "zzz", "k"}},
      {{"run", "--scenarios", "floor", "--param", "k=4"}, {"--param", "(none)"}},
      {{"run", "--out", "missing/dir/r.json"}, {"--out", "does not exist"}},
      {{"run", "--out", "ro"}, {"--out", "is a directory"}},
      {{"run", "--out", "/dev/null"}, {"--out", "not a regular file"}},
      {{"run", "--quick", "--full"}, {"--full"}},
      {{"run", "--frobnicate"}, {"--frobnicate", "Usage"}},
      {{"explode"}, {"explode", "Usage"}},
      {{}, {"Usage"}},
  };
  for (const auto& [args, needles] : cases) {
    const auto r = run(args);
    std::string cmd;
    for (const auto& a : args) cmd += a + " ";
    EXPECT_EQ(r.exit_code(), 2) << cmd << "\n" << r.err;
    for (const auto& n : needles)
      EXPECT_TRUE(has(r.err, n)) << cmd << ": no '" << n << "' in\n" << r.err;
  }
  for (const auto& l : log_lines()) EXPECT_FALSE(has(l, " run ")) << "a worker ran: " << l;
  EXPECT_TRUE(stamped_reports().empty());
}

TEST_F(DriverTest, InterruptKeepsOnlyCompleteRepetitions) {
  install({"system", "bounded"});
  // A repetition is 2 backends x 2 parameter sets = 4 processes; run 6 is in repetition 2:
  // repetition 1 is complete, 2 is not.
  ::setenv("FAKE_WORKER_INTERRUPT_AT", "6", 1);
  const auto r = run({"run", "--repetitions", "3"});
  EXPECT_EQ(r.exit_code(), 130) << r.err;
  const json report = read_json(dir_ / "results" / "latest.json");
  ASSERT_NO_THROW(validate_report(report));
  EXPECT_EQ(report["config"]["interrupted"], true);
  EXPECT_EQ(report["config"]["repetitions_completed"], 1);
  ASSERT_FALSE(report["results"].empty());
  for (const auto& res : report["results"]) {
    EXPECT_EQ(res["throughput"]["ops_per_sec"]["samples"].size(), 1u);
  }
  for (const auto& b : report["backends"]) EXPECT_EQ(b["status"], "ok");
  int runs = 0;
  for (const auto& l : log_lines()) runs += has(l, " run ");
  EXPECT_EQ(runs, 6) << "a worker was launched after the interrupt";
}

TEST_F(DriverTest, InterruptInFirstRepetitionWritesNoReport) {
  install({"system", "bounded"});
  ::setenv("FAKE_WORKER_INTERRUPT_AT", "2", 1);
  const auto r = run({"run"});
  EXPECT_EQ(r.exit_code(), 130) << r.err;
  EXPECT_TRUE(stamped_reports().empty());
  EXPECT_FALSE(fs::exists(dir_ / "results" / "latest.json"));
}

TEST_F(DriverTest, InterruptAtAnyPointLeavesAParseableReportOrNone) {
  install({"system", "bounded", "unbounded"});
  std::mt19937 rng(1234);
  for (int round = 0; round < 6; ++round) {
    fs::remove_all(dir_ / "results");
    fs::remove(log_);
    // 3 backends x 2 parameter sets = 6 processes per repetition, 18 in all.
    const int at = std::uniform_int_distribution<int>(1, 20)(rng);
    ::setenv("FAKE_WORKER_INTERRUPT_AT", std::to_string(at).c_str(), 1);
    const auto r = run({"run", "--repetitions", "3"});
    ASSERT_FALSE(r.crashed()) << describe_end(r.process);
    EXPECT_EQ(r.exit_code(), at <= 18 ? 130 : 0) << "at=" << at << "\n" << r.err;
    for (const auto& p : stamped_reports()) {
      ASSERT_EQ(p.extension(), ".json") << "left behind: " << p;
      const json report = read_json(p);
      EXPECT_NO_THROW(validate_report(report));
      EXPECT_EQ(report["config"]["repetitions_completed"], std::min(3, (at - 1) / 6)) << at;
    }
  }
}

TEST_F(DriverTest, CompareTwoReportsAndBaseline) {
  install({"system", "bounded"});
  ASSERT_EQ(run({"run", "--out", "a.json", "--repetitions", "2"}).exit_code(), 0);
  ASSERT_EQ(run({"run", "--out", "b.json", "--repetitions", "2", "--seed", "50"}).exit_code(), 0);
  auto r = run({"compare", "a.json", "b.json"});
  ASSERT_EQ(r.exit_code(), 0) << r.err;
  // floor's throughput scales with the seed in the fake: 1.50 / 1.01.
  EXPECT_TRUE(has(r.out, "1.49x")) << r.out;
  r = run({"compare", "a.json", "--baseline", "system"});
  ASSERT_EQ(r.exit_code(), 0) << r.err;
  EXPECT_TRUE(has(r.out, "bounded")) << r.out;
  r = run({"compare", "a.json", "--baseline", "jemalloc"});
  EXPECT_EQ(r.exit_code(), 2);
  EXPECT_TRUE(has(r.err, "jemalloc") && has(r.err, "system")) << r.err;
}

// --repetitions auto stops when every median's CI is narrow enough (the fake's samples do not
// vary, so at the first repetition count with a 95 % interval: 6), or at a cap; the report says
// which.
TEST_F(DriverTest, AutoRepetitionsStopAtTheCiTargetOrACap) {
  install({"system", "bounded"});
  auto r = run({"run", "--repetitions", "auto", "--out", "auto.json"});
  ASSERT_EQ(r.exit_code(), 0) << r.err;
  json report = read_json(dir_ / "auto.json");
  EXPECT_EQ(report["config"]["repetitions"], 6);
  EXPECT_EQ(report["config"]["repetitions_mode"], "auto");
  EXPECT_EQ(report["config"]["auto_repetitions"]["stopped_because"], "target_ci");
  for (const auto& res : report["results"]) {
    EXPECT_EQ(res["throughput"]["ops_per_sec"]["samples"].size(), 6u);
    EXPECT_TRUE(res["throughput"]["ops_per_sec"]["ci95"].contains("low")) << res;
  }
  r = run({"run", "--repetitions", "auto", "--max-repetitions", "4", "--out", "cap.json"});
  ASSERT_EQ(r.exit_code(), 0) << r.err;
  report = read_json(dir_ / "cap.json");
  EXPECT_EQ(report["config"]["repetitions"], 4);
  EXPECT_EQ(report["config"]["auto_repetitions"]["stopped_because"], "max_repetitions");
  EXPECT_EQ(report["results"][0]["throughput"]["ops_per_sec"]["ci95"]["source"], "unavailable");
  for (const auto& args :
       std::vector<std::vector<std::string>>{{"run", "--target-ci", "3"},
                                             {"run", "--repetitions", "auto", "--target-ci", "0"},
                                             {"run", "--repetitions", "auto", "--max-time", "0"},
                                             {"run", "--noise-threshold", "x"},
                                             {"run", "--pin", "-1"},
                                             {"run", "--pin", "4095"}}) {
    r = run(args);
    EXPECT_EQ(r.exit_code(), 2) << args[1] << ": " << r.err;
    EXPECT_TRUE(has(r.err, args[args.size() - 2])) << r.err;
  }
}

// --pin: every worker runs on the one CPU, and the report records it.
TEST_F(DriverTest, PinRecordsTheCpu) {
  install({"system"});
  const auto r = run({"run", "--pin", "0", "--repetitions", "1", "--out", "pin.json"});
  ASSERT_EQ(r.exit_code(), 0) << r.err;
  const json report = read_json(dir_ / "pin.json");
  EXPECT_EQ(report["config"]["pin"]["cpu"], 0);
}

// The regression gate end to end: a synthetic pair, B 10 % slower than A over 9 repetitions.
TEST_F(DriverTest, CompareFailIfSlowerExitsOneAndWritesJson) {
  install({"system"});
  ASSERT_EQ(run({"run", "--out", "a.json", "--repetitions", "1"}).exit_code(), 0);
  json a = read_json(dir_ / "a.json"), b = a;
  const std::vector<double> base = {100, 101.5, 99, 103, 98, 100.5, 102, 97, 101};
  for (std::size_t i = 0; i < a["results"].size(); ++i) {
    json sa = json::array(), sb = json::array();
    for (double x : base) {
      sa.push_back(x * 1e6);
      sb.push_back(x * 0.9e6);
    }
    a["results"][i]["throughput"]["ops_per_sec"]["samples"] = sa;
    b["results"][i]["throughput"]["ops_per_sec"]["samples"] = sb;
  }
  std::ofstream(dir_ / "a9.json") << a.dump();
  std::ofstream(dir_ / "b9.json") << b.dump();

  auto r = run({"compare", "a9.json", "b9.json", "--fail-if-slower", "5", "--json", "cmp.json"});
  EXPECT_EQ(r.exit_code(), 1) << r.out << r.err;
  EXPECT_TRUE(has(r.out, "slower")) << r.out;
  EXPECT_TRUE(has(r.out, "GATE FAILED")) << r.out;
  const json cmp = read_json(dir_ / "cmp.json");
  ASSERT_FALSE(cmp["rows"].empty());
  for (const auto& row : cmp["rows"]) EXPECT_EQ(row["verdict"], "slower") << row;
  EXPECT_EQ(cmp["gate"]["failed"], true);
  // The same pair passes a 15 % gate, and a report against itself says "no change" (exit 0).
  EXPECT_EQ(run({"compare", "a9.json", "b9.json", "--fail-if-slower", "15"}).exit_code(), 0);
  r = run({"compare", "a9.json", "a9.json", "--fail-if-slower", "5", "--json", "self.json"});
  EXPECT_EQ(r.exit_code(), 0) << r.out << r.err;
  for (const auto& row : read_json(dir_ / "self.json")["rows"]) {
    EXPECT_EQ(row["verdict"], "no change") << row;
  }
  // Bad values are usage errors naming the flag.
  for (const auto& [flag, value] :
       std::vector<std::pair<std::string, std::string>>{{"--fail-if-slower", "abc"},
                                                        {"--fail-if-slower", "-1"},
                                                        {"--min-effect", "100"},
                                                        {"--noise-threshold", "0"},
                                                        {"--json", "missing/dir/x.json"}}) {
    r = run({"compare", "a9.json", "b9.json", flag, value});
    EXPECT_EQ(r.exit_code(), 2) << flag << " " << value << ": " << r.err;
    EXPECT_TRUE(has(r.err, flag)) << r.err;
  }
}

TEST_F(DriverTest, CompareRejectsMissingMalformedAndOtherSchema) {
  install({"system"});
  ASSERT_EQ(run({"run", "--out", "a.json", "--repetitions", "1"}).exit_code(), 0);
  std::ofstream(dir_ / "garbage.json") << "{\"schema_version\": 1, ";
  json other = read_json(dir_ / "a.json");
  other["schema_version"] = 2;
  std::ofstream(dir_ / "v2.json") << other.dump();
  json missing = read_json(dir_ / "a.json");
  missing.erase("results");
  std::ofstream(dir_ / "nores.json") << missing.dump();
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"nope.json", "cannot open"},
      {"garbage.json", "not valid JSON"},
      {"v2.json", "schema_version"},
      {"nores.json", "results: missing"}};
  for (const auto& [file, needle] : cases) {
    const auto r = run({"compare", "a.json", file});
    EXPECT_EQ(r.exit_code(), 2) << file;
    EXPECT_TRUE(has(r.err, file) && has(r.err, needle)) << file << ": " << r.err;
  }
}

}  // namespace
}  // namespace allocbench::testing
