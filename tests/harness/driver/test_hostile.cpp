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
#include "harness/report/text_table.hpp"

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
  EXPECT_EQ(o.params.at(0).second, (std::vector<std::uint64_t>{4294967295u}));
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

// Whether pid is gone (or a zombie nobody has reaped yet), waiting up to two seconds.
bool process_gone(pid_t pid) {
  for (int i = 0; i < 200; ++i) {
    if (::kill(pid, 0) != 0) return true;
    std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
    std::string line;
    std::getline(stat, line);
    const auto paren = line.rfind(')');
    if (paren != std::string::npos && paren + 2 < line.size() && line[paren + 2] == 'Z') {
      return true;
    }
    ::usleep(10000);
  }
  return false;
}

pid_t read_pid(const fs::path& p) {
  std::ifstream in(p);
  pid_t pid = 0;
  in >> pid;
  return pid;
}

// Item 6: SIGHUP (terminal closed) and SIGPIPE (reader gone) used to kill the driver outright:
// no report, and the running worker left behind. Now they stop the run like SIGINT.
TEST_F(DriverTest, HangupAndBrokenPipeStopTheRunLikeSigint) {
  install({"system", "bounded"});
  for (const int sig : {SIGHUP, SIGPIPE}) {
    fs::remove_all(dir_ / "results");
    fs::remove(log_);
    // A repetition is 2 backends x 2 parameter sets = 4 processes: run 6 is in repetition 2.
    ::setenv("FAKE_WORKER_INTERRUPT_AT", "6", 1);
    ::setenv("FAKE_WORKER_SIGNAL", std::to_string(sig).c_str(), 1);
    ::setenv("FAKE_WORKER_PIDFILE", (dir_ / "worker.pid").c_str(), 1);
    const auto r = run({"run", "--repetitions", "3"});
    ::unsetenv("FAKE_WORKER_SIGNAL");
    ::unsetenv("FAKE_WORKER_PIDFILE");
    ASSERT_FALSE(r.crashed()) << "signal " << sig << ": " << describe_end(r.process);
    EXPECT_EQ(r.exit_code(), 130) << r.err;
    const json report = read_json(dir_ / "results" / "latest.json");
    EXPECT_NO_THROW(validate_report(report));
    EXPECT_EQ(report["config"]["interrupted"], true);
    EXPECT_EQ(report["config"]["repetitions_completed"], 1);
    // Also: backend_order lists only the repetitions kept (it used to list the dropped one).
    EXPECT_EQ(report["config"]["backend_order"].size(), 1u) << report["config"].dump();
    const pid_t worker = read_pid(dir_ / "worker.pid");
    ASSERT_GT(worker, 0) << "signal " << sig;
    EXPECT_TRUE(process_gone(worker))
        << "signal " << sig << ": worker " << worker << " outlived the run";
  }
}

// Item 6 through a real pipe: the driver's stderr goes into a pipe whose reader has quit.
TEST_F(DriverTest, ClosedStderrPipeIsAnInterruptNotADeath) {
  install({"system"});
  const auto r = run_argv({"/bin/bash", "-c",
                           "./allocbench run --repetitions 1 2>&1 | true; echo $? "
                           "${PIPESTATUS[0]} > status"});
  (void)r;
  std::ifstream in(dir_ / "status");
  int last = -1, driver = -1;
  in >> last >> driver;
  EXPECT_NE(driver, 128 + SIGPIPE) << "killed by SIGPIPE";
  EXPECT_TRUE(driver == 0 || driver == 130) << driver;
  for (const auto& p : stamped_reports()) EXPECT_NO_THROW(validate_report(read_json(p))) << p;
}

// Item 6: a worker dies with the driver even when the driver is killed outright (SIGKILL gives
// it no chance to clean up); it used to run on under init.
TEST_F(DriverTest, WorkerDiesWithAKilledDriver) {
  install({"system"});
  ::setenv("FAKE_WORKER_MODE", "system=hang", 1);
  ::setenv("FAKE_WORKER_PIDFILE", (dir_ / "worker.pid").c_str(), 1);
  // run() kills the driver's process group with SIGKILL at its timeout; the worker has a group
  // of its own, so only the parent-death signal can reach it.
  const auto r = run({"run", "--repetitions", "1"}, std::chrono::seconds(2));
  ::unsetenv("FAKE_WORKER_PIDFILE");
  EXPECT_EQ(r.process.end, ProcessResult::End::kTimedOut);
  const pid_t worker = read_pid(dir_ / "worker.pid");
  ASSERT_GT(worker, 0);
  const bool gone = process_gone(worker);
  if (!gone) ::kill(worker, SIGKILL);
  EXPECT_TRUE(gone) << "worker " << worker << " outlived the driver";
}

// Also: a worker gets descriptors 0, 1 and 2 only, whatever the driver itself inherited.
TEST_F(DriverTest, WorkerInheritsOnlyTheStandardDescriptors) {
  install({"system"});
  ::setenv("FAKE_WORKER_MODE", "system=fds", 1);
  const auto r =
      run_argv({"/bin/sh", "-c",
                "exec 7</dev/null 8>/dev/null; exec ./allocbench run --repetitions 1 --verbose"});
  ASSERT_EQ(r.exit_code(), 0) << r.err;
  EXPECT_TRUE(has(r.err, "open fds: 0 1 2\n")) << r.err;
}

// A stand-in valgrind on PATH for --cache-sim: drops its own options and runs the worker.
void install_fake_valgrind(const fs::path& dir) {
  fs::create_directories(dir / "bin");
  const fs::path v = dir / "bin" / "valgrind";
  std::ofstream(v) << "#!/bin/sh\n"
                      "while [ $# -gt 0 ]; do case \"$1\" in --*) shift;; *) break;; esac; done\n"
                      "exec \"$@\"\n";
  fs::permissions(v, fs::perms::owner_all);
  const char* path = std::getenv("PATH");
  ::setenv("PATH", ((dir / "bin").string() + ":" + (path ? path : "/usr/bin:/bin")).c_str(), 1);
}

// Item 6 with --cache-sim: a hangup removes the callgrind dump folder it made.
TEST_F(DriverTest, HangupUnderCacheSimRemovesItsTemporaryFolder) {
  install({"system"});
  const std::string old_path = std::getenv("PATH") ? std::getenv("PATH") : "";
  install_fake_valgrind(dir_);
  fs::create_directories(dir_ / "tmp");
  ::setenv("TMPDIR", (dir_ / "tmp").c_str(), 1);
  ::setenv("FAKE_WORKER_INTERRUPT_AT", "1", 1);
  ::setenv("FAKE_WORKER_SIGNAL", std::to_string(SIGHUP).c_str(), 1);
  const auto r = run({"run", "--cache-sim", "--scenarios", "floor"});
  ::unsetenv("FAKE_WORKER_SIGNAL");
  ::unsetenv("TMPDIR");
  ::setenv("PATH", old_path.c_str(), 1);
  ASSERT_FALSE(r.crashed()) << describe_end(r.process);
  EXPECT_EQ(r.exit_code(), 130) << r.err;
  EXPECT_TRUE(fs::is_empty(dir_ / "tmp")) << "a temporary folder was left behind";
}

// Item 9: --cache-sim with TMPDIR naming a missing folder is a usage error before anything runs.
TEST_F(DriverTest, CacheSimWithAMissingTmpdirIsAUsageError) {
  install({"system"});
  const std::string old_path = std::getenv("PATH") ? std::getenv("PATH") : "";
  install_fake_valgrind(dir_);
  ::setenv("TMPDIR", (dir_ / "no-such-folder").c_str(), 1);
  const auto r = run({"run", "--cache-sim", "--scenarios", "floor"});
  ::unsetenv("TMPDIR");
  ::setenv("PATH", old_path.c_str(), 1);
  EXPECT_EQ(r.exit_code(), 2) << r.err;
  EXPECT_TRUE(has(r.err, "TMPDIR")) << r.err;
  for (const auto& l : log_lines()) EXPECT_FALSE(has(l, " run ")) << "a worker ran: " << l;
}

// Item 4: compare used to overflow the stack on a result whose params nest 100,000 deep (the
// row key and label dump recursively). The depth is bounded at parse time: exit 2.
class HostileReports : public DriverTest {
 protected:
  void SetUp() override {
    DriverTest::SetUp();
    install({"system", "bounded"});
    ASSERT_EQ(run({"run", "--out", "good.json", "--repetitions", "1"}).exit_code(), 0);
    good_ = read_json(dir_ / "good.json");
  }
  // compare good.json with text, and text alone against a baseline: exit 2 naming needle.
  void expect_refused(const std::string& text, const std::string& needle) {
    std::ofstream(dir_ / "bad.json", std::ios::trunc) << text;
    for (const auto& args :
         {std::vector<std::string>{"compare", "good.json", "bad.json"},
          std::vector<std::string>{"compare", "bad.json", "--baseline", "system"}}) {
      const auto started = std::chrono::steady_clock::now();
      const auto r = run(args, std::chrono::seconds(60));
      ASSERT_FALSE(r.crashed()) << needle << ": " << describe_end(r.process);
      EXPECT_EQ(r.exit_code(), 2) << needle << "\n" << r.err;
      EXPECT_TRUE(has(r.err, needle)) << "no '" << needle << "' in " << r.err;
      EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(10)) << needle;
    }
  }
  json good_;
};

TEST_F(HostileReports, DeepNestingIsRefusedNotACrash) {
  json j = good_;
  j["results"][0]["params"]["x"] = "DEEP";
  std::string text = j.dump();
  text.replace(text.find("\"DEEP\""), 6, std::string(100000, '[') + std::string(100000, ']'));
  expect_refused(text, "nested more than 64 deep");
}

// Also: a 500 MB report took 2.5 GB to compare. Reports above 64 MiB are refused before parsing
// (a sparse file here: nothing is written to disk).
TEST_F(HostileReports, OversizedReportIsRefusedBeforeParsing) {
  std::ofstream(dir_ / "big.json") << "{\"schema_version\": 1, \"pad\": \"";
  fs::resize_file(dir_ / "big.json", std::uintmax_t{200} << 20);
  const auto r = run({"compare", "good.json", "big.json"}, std::chrono::seconds(60));
  ASSERT_FALSE(r.crashed()) << describe_end(r.process);
  EXPECT_EQ(r.exit_code(), 2) << r.err;
  EXPECT_TRUE(has(r.err, "larger than the 64 MiB")) << r.err;
}

// Item 7's counterpart in the C++ reader: the names plot.py and compare print are bounded, and
// negative counts are refused, in both readers alike.
TEST_F(HostileReports, LongNamesAndNegativeCountsAreRefused) {
  json j = good_;
  j["results"][0]["backend"] = std::string(100000, 'b');
  expect_refused(j.dump(), "results[0].backend: expected at most 255 characters");
  j = good_;
  j["results"][0]["latency_ns"]["count"] = -5;
  expect_refused(j.dump(), "latency_ns.count: expected a number >= 0");
}

// Item 4 for a worker: output nested too deep fails that backend; the others are written.
TEST_F(DriverTest, DeeplyNestedWorkerOutputFailsOnlyThatBackend) {
  install({"system", "bounded"});
  ::setenv("FAKE_WORKER_MODE", "bounded=deep", 1);
  const auto r = run({"run", "--repetitions", "1", "--out", "r.json"});
  ASSERT_FALSE(r.crashed()) << describe_end(r.process);
  EXPECT_EQ(r.exit_code(), 1) << r.err;
  const json report = read_json(dir_ / "r.json");
  EXPECT_EQ(report["backends"][0]["status"], "ok");
  EXPECT_EQ(report["backends"][1]["status"], "failed");
  EXPECT_TRUE(has(report["backends"][1]["error"], "nested more than 64 deep"));
}

// Also: compare printed numbers through a 64-byte buffer, so 1e300 came out truncated.
TEST(HostileNumbers, VeryLargeNumbersArePrintedWhole) {
  const std::string fixed = format_fixed(1e300, 1);
  EXPECT_GT(fixed.size(), 300u);
  EXPECT_EQ(std::strtod(fixed.c_str(), nullptr), 1e300);
  const std::string rate = format_rate(-1e200);
  ASSERT_EQ(rate.back(), 'T');
  EXPECT_DOUBLE_EQ(std::strtod(rate.c_str(), nullptr) * 1e12, -1e200);
  EXPECT_EQ(format_ratio(1e300, 1e-10), "n/a");  // not finite
  EXPECT_GT(format_ratio(1e300, 1.0).size(), 300u);
}

// Also: an interrupted run's config.backend_order listed the repetition it dropped.
TEST_F(DriverTest, InterruptedRunListsOnlyTheKeptRepetitionsOrder) {
  install({"system", "bounded"});
  // A repetition is 2 backends x 2 parameter sets = 4 processes: run 6 is in repetition 2.
  ::setenv("FAKE_WORKER_INTERRUPT_AT", "6", 1);
  const auto r = run({"run", "--repetitions", "3"});
  EXPECT_EQ(r.exit_code(), 130) << r.err;
  const json report = read_json(dir_ / "results" / "latest.json");
  EXPECT_EQ(report["config"]["repetitions_completed"], 1);
  EXPECT_EQ(report["config"]["backend_order"], json::parse(R"([["system", "bounded"]])"));
}

}  // namespace
}  // namespace allocbench::testing
