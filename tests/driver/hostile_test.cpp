// The driver under hostile use (issue 13): workers that print bytes that are not UTF-8,
// concurrent runs, planted symlinks, signals, extreme arguments and hostile reports. Each test
// here failed before its fix.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <set>
#include <thread>

#include "driver_harness.hpp"
#include "harness/driver/cli.hpp"
#include "harness/report/schema.hpp"

namespace allocbench::testing {
namespace {

using nlohmann::json;

bool has(const std::string& hay, const std::string& needle) {
  return hay.find(needle) != std::string::npos;
}

// Item 1: one byte that is not UTF-8 in a failing worker's stderr used to make the report's
// dump throw, losing every backend's results.
TEST_F(DriverTest, NonUtf8StderrOfAFailedWorkerKeepsTheReport) {
  install({"system", "bounded"});
  ::setenv("FAKE_WORKER_MODE", "bounded=badutf8", 1);
  const auto r = run({"run", "--repetitions", "2"});
  EXPECT_EQ(r.exit_code(), 1) << r.err;
  ASSERT_TRUE(fs::exists(dir_ / "results" / "latest.json")) << r.err;
  const json report = read_json(dir_ / "results" / "latest.json");
  ASSERT_NO_THROW(validate_report(report));
  ASSERT_EQ(report["backends"].size(), 2u);
  EXPECT_EQ(report["backends"][0]["status"], "ok");
  EXPECT_EQ(report["backends"][1]["status"], "failed");
  const std::string error = report["backends"][1]["error"];
  EXPECT_TRUE(has(error, "caf\xEF\xBF\xBD crashed")) << error;  // the byte became U+FFFD
  EXPECT_FALSE(report["results"].empty());
  for (const auto& res : report["results"]) EXPECT_EQ(res["backend"], "system");
}

// The "report: <path>" line of a run's stderr.
std::string reported_path(const DriverRun& r) {
  const auto at = r.err.find("report: ");
  if (at == std::string::npos) return {};
  const auto end = r.err.find_first_of(" \n", at + 8);
  return r.err.substr(at + 8, end - at - 8);
}

// Item 2: a run used to write results/<UTC>.json even when another run had written that name
// since it started. Here the worker itself plays the other run and takes the names of the
// last three seconds: every one of them must survive, and the report go to a free name.
TEST_F(DriverTest, StampedReportNeverReplacesAnotherRunsReport) {
  install({"system"});
  fs::create_directories(dir_ / "results");
  ::setenv("FAKE_WORKER_MODE", "system=squat", 1);
  const auto r = run({"run", "--repetitions", "1"});
  ASSERT_EQ(r.exit_code(), 0) << r.err;
  std::size_t squatters = 0;
  for (const auto& p : stamped_reports()) {
    if (slurp(p) == "squatter") {
      ++squatters;
    } else {
      EXPECT_NO_THROW(validate_report(read_json(p))) << p;
      EXPECT_EQ(dir_ / reported_path(r), p) << r.err;
    }
  }
  EXPECT_EQ(squatters, 3u);
  EXPECT_EQ(stamped_reports().size(), 4u);
}

TEST_F(DriverTest, ConcurrentRunsWriteOneReportEach) {
  install({"system", "bounded"});
  constexpr int kRuns = 4;
  std::vector<DriverRun> runs(kRuns);
  std::vector<std::thread> threads;
  for (int i = 0; i < kRuns; ++i) {
    threads.emplace_back([&, i] { runs[i] = run({"run", "--repetitions", "1"}); });
  }
  for (auto& t : threads) t.join();
  std::set<std::string> named;
  for (const auto& r : runs) {
    ASSERT_EQ(r.exit_code(), 0) << r.err;
    named.insert(reported_path(r));
  }
  EXPECT_EQ(named.size(), std::size_t{kRuns}) << "two runs claim the same report file";
  EXPECT_EQ(stamped_reports().size(), std::size_t{kRuns});
  for (const auto& p : stamped_reports()) EXPECT_NO_THROW(validate_report(read_json(p))) << p;
}

// Item 3: a read-only --out is refused before anything runs, and left as it was.
TEST_F(DriverTest, ReadOnlyOutIsRefusedNotReplaced) {
  install({"system"});
  std::ofstream(dir_ / "ro.json") << "keep me";
  ASSERT_EQ(::chmod((dir_ / "ro.json").c_str(), 0444), 0);
  const auto r = run({"run", "--out", "ro.json"});
  EXPECT_EQ(r.exit_code(), 2) << r.err;
  EXPECT_TRUE(has(r.err, "read-only")) << r.err;
  EXPECT_EQ(slurp(dir_ / "ro.json"), "keep me");
  for (const auto& l : log_lines()) EXPECT_FALSE(has(l, " run ")) << "a worker ran: " << l;
}

ParseOutcome parse_args(std::vector<const char*> args, std::string& err) {
  args.insert(args.begin(), "allocbench");
  std::string out;
  return parse_command_line(static_cast<int>(args.size()), args.data(), out, err);
}

// Item 5: values a worker would truncate or reject are usage errors naming the range, and the
// limits are in --help; the extremes inside the range are accepted as given.
TEST(HostileCli, ValuesOutsideTheWorkersRangeAreUsageErrors) {
  const std::vector<std::pair<std::vector<const char*>, std::string>> refused = {
      {{"run", "--threads", "4294967297"}, "--threads: expected an integer from 1 to 1024"},
      {{"run", "--threads", "4294967296"}, "--threads"},
      {{"run", "--threads", "1025"}, "--threads"},
      {{"run", "--seed", "18446744073709551616"}, "--seed"},
      {{"run", "--param", "k=9223372036854775808"}, "--param k: expected an integer from 1 to"},
      {{"run", "--param", "k=4294967296"}, "--param k"},
  };
  for (const auto& [args, needle] : refused) {
    std::string err;
    const auto p = parse_args(args, err);
    EXPECT_FALSE(p.command) << needle;
    EXPECT_EQ(p.exit_code, kExitUsage) << needle;
    EXPECT_TRUE(has(err, needle)) << "message lacks '" << needle << "': " << err;
  }
  std::string err;
  const auto p = parse_args(
      {"run", "--threads", "1024", "--seed", "18446744073709551615", "--param", "k=4294967295"},
      err);
  ASSERT_TRUE(p.command) << err;
  const auto& o = std::get<RunOptions>(*p.command);
  EXPECT_EQ(o.threads, 1024u);
  EXPECT_EQ(o.seed, 18446744073709551615u);
  EXPECT_EQ(o.params.at(0).second, 4294967295u);
  std::string help;
  std::vector<const char*> args = {"allocbench", "run", "--help"};
  parse_command_line(3, args.data(), help, err);
  EXPECT_TRUE(has(help, "1 to 1024")) << help;
  EXPECT_TRUE(has(help, "1 to 2^64-1")) << help;
  EXPECT_TRUE(has(help, "1 to 2^32-1")) << help;
}

// Also: a backend, scenario or parameter named twice would run twice into one report.
TEST(HostileCli, DuplicateNamesAreRefused) {
  for (const auto& [args, needle] : std::vector<std::pair<std::vector<const char*>, std::string>>{
           {{"run", "--backends", "system,system"}, "--backends: 'system' is given more"},
           {{"run", "--scenarios", "floor,spawn_burst,floor"}, "--scenarios: 'floor'"},
           {{"run", "--param", "k=1", "--param", "k=2"}, "--param: 'k'"}}) {
    std::string err;
    const auto p = parse_args(args, err);
    EXPECT_FALSE(p.command) << needle;
    EXPECT_EQ(p.exit_code, kExitUsage) << needle;
    EXPECT_TRUE(has(err, needle)) << "message lacks '" << needle << "': " << err;
  }
}

TEST_F(DriverTest, DuplicateBackendRunsNothing) {
  install({"system"});
  const auto r = run({"run", "--backends", "system,system"});
  EXPECT_EQ(r.exit_code(), 2) << r.err;
  EXPECT_TRUE(log_lines().empty());
  EXPECT_TRUE(stamped_reports().empty());
}

}  // namespace
}  // namespace allocbench::testing
