// The real `allocbench` with the real workers and micro executables of this build (they sit next
// to it in the build root): callgrind's counts are deterministic, the bounded slab's hot path
// stays within its instruction budget, and --micro merges Google Benchmark's own rows.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include <nlohmann/json.hpp>

#include "harness/driver/cache_sim.hpp"
#include "harness/driver/process.hpp"
#include "harness/report/schema.hpp"

namespace allocbench::testing {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

class RealRunTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/allocbench-real-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { fs::remove_all(dir_); }

  // Runs the build's allocbench with cwd in the temporary directory; returns the report written
  // to --out (null when the run failed, with the reason recorded as a test failure).
  json run(std::vector<std::string> args, const std::string& out) {
    ProcessSpec spec;
    spec.argv = {ALLOCBENCH_BIN, "run"};
    spec.argv.insert(spec.argv.end(), args.begin(), args.end());
    spec.argv.insert(spec.argv.end(), {"--out", (dir_ / out).string()});
    spec.cwd = dir_.string();
    spec.timeout = std::chrono::seconds(240);
    spec.stderr_tail_lines = 40;
    const ProcessResult r = run_process(spec);
    if (!r.succeeded()) {
      std::string tail;
      for (const auto& l : r.stderr_tail) tail += l + "\n";
      ADD_FAILURE() << "allocbench run " << describe_end(r) << "\n" << tail;
      return nullptr;
    }
    json report = read(dir_ / out);
    EXPECT_NO_THROW(validate_report(report));
    return report;
  }
  static json read(const fs::path& p) { return json::parse(slurp(p)); }

  fs::path dir_;
};

const json* find_result(const json& report, const std::string& scenario, const json& params) {
  for (const auto& r : report["results"]) {
    bool match = r["scenario"] == scenario;
    for (auto it = params.begin(); match && it != params.end(); ++it) {
      match = r["params"].value(it.key(), json()) == *it;
    }
    if (match) return &r;
  }
  return nullptr;
}

// The worker itself, asked directly (issue 13, item 5 and the clamped frame).
ProcessResult run_worker(const std::vector<std::string>& args,
                         const std::string& backend = "system") {
  ProcessSpec spec;
  spec.argv = {
      (fs::path(ALLOCBENCH_BIN).parent_path() / ("allocbench-worker-" + backend)).string()};
  spec.argv.insert(spec.argv.end(), args.begin(), args.end());
  spec.timeout = std::chrono::seconds(120);
  return run_process(spec);
}

// Every scenario runs on the slab backends, whose slots must fit each scenario's real task block
// (header + frame). cross_thread used default 256-byte slots: when the header grew it threw
// FrameTooLarge, and its joinable waker thread turned that into std::terminate.
TEST(RealWorker, EveryScenarioRunsOnTheSlabBackends) {
  for (const std::string backend : {"bounded", "unbounded"}) {
    const ProcessResult info = run_worker({"info"}, backend);
    ASSERT_TRUE(info.succeeded()) << backend << ": " << describe_end(info);
    const json described = json::parse(info.out);
    ASSERT_GE(described["scenarios"].size(), 9u) << info.out;
    for (const auto& sc : described["scenarios"]) {
      const std::string name = sc["name"];
      const ProcessResult r = run_worker({"run", "--scenarios", name, "--mode", "quick", "--param",
                                          "ops=2000", "--param", "samples=200"},
                                         backend);
      std::string tail;
      for (const auto& line : r.stderr_tail) tail += line + "\n";
      EXPECT_TRUE(r.succeeded()) << backend << " " << name << ": " << describe_end(r) << "\n"
                                 << tail;
    }
  }
}

// An arena whose frees are no-ops (pmr_monotonic) is marked not comparable exactly on the
// scenarios that reuse freed frames, and a backend that reuses them (pmr_pool) never is.
TEST(RealWorker, ArenaRowsAreMarkedNotComparableWhereFreedFramesWouldBeReused) {
  auto run_one = [](const std::string& backend, const std::string& scenario) {
    const ProcessResult r =
        run_worker({"run", "--scenarios", scenario, "--mode", "quick", "--param", "ops=2000",
                    "--param", "samples=200", "--param", "frame=256"},
                   backend);
    EXPECT_TRUE(r.succeeded()) << backend << " " << scenario << ": " << describe_end(r);
    return r.succeeded() ? json::parse(r.out) : json();
  };
  const ProcessResult info = run_worker({"info"}, "pmr_monotonic");
  ASSERT_TRUE(info.succeeded()) << describe_end(info);
  const json described = json::parse(info.out);
  EXPECT_EQ(described["reclaims_frees"], false);
  std::map<std::string, bool> reuses;
  for (const auto& sc : described["scenarios"]) reuses[sc["name"]] = sc["reuses_freed_frames"];
  ASSERT_EQ(reuses.at("spawn_churn"), true);
  ASSERT_EQ(reuses.at("cross_thread"), false);

  const json churn = run_one("pmr_monotonic", "spawn_churn");
  ASSERT_EQ(churn["results"].size(), 1u);
  EXPECT_TRUE(churn["results"][0].contains("not_comparable")) << churn["results"][0].dump();
  // Its frees really are no-ops: what it holds grew past the up-front buffer.
  EXPECT_GT(churn["results"][0]["memory"]["reserved_bytes"].get<double>(),
            churn["results"][0]["memory"]["requested_bytes"].get<double>());
  const json cross = run_one("pmr_monotonic", "cross_thread");
  ASSERT_FALSE(cross["results"].empty());
  EXPECT_FALSE(cross["results"][0].contains("not_comparable"));
  const json pool = run_one("pmr_pool", "spawn_churn");
  ASSERT_EQ(pool["results"].size(), 1u);
  EXPECT_FALSE(pool["results"][0].contains("not_comparable"));
}

// Item 5: the worker used to truncate --threads to int (4294967296 became 0 threads: a crash)
// and to fail on a seed or parameter beyond int64; it takes the driver's ranges exactly.
TEST(RealWorker, TakesTheDriversRangesExactly) {
  const std::vector<std::string> base = {"run",     "--scenarios", "floor",   "--mode",     "quick",
                                         "--param", "ops=1000",    "--param", "samples=100"};
  auto with = [&](std::vector<std::string> more) {
    std::vector<std::string> a = base;
    a.insert(a.end(), more.begin(), more.end());
    return run_worker(a);
  };
  for (const auto& bad :
       std::vector<std::vector<std::string>>{{"--threads", "4294967296"},
                                             {"--threads", "4294967297"},
                                             {"--threads", "1025"},
                                             {"--seed", "18446744073709551616"},
                                             {"--param", "k=9223372036854775808"}}) {
    const ProcessResult r = with(bad);
    EXPECT_EQ(r.end, ProcessResult::End::kExited)
        << bad[0] << " " << bad[1] << ": " << describe_end(r);
    EXPECT_EQ(r.exit_code, 2) << bad[0] << " " << bad[1];
  }
  const ProcessResult ok = with({"--seed", "18446744073709551615", "--threads", "1"});
  ASSERT_TRUE(ok.succeeded()) << describe_end(ok);
  const json parsed = json::parse(ok.out, nullptr, false);
  EXPECT_FALSE(parsed.is_discarded()) << ok.out;
}

// Also: a frame target above the largest task shape runs that shape (about 4 KiB); the result
// used to say frame=100000. It is labelled with the class that ran and keeps what was asked.
TEST(RealWorker, OversizedFrameIsLabelledWithTheFrameThatRan) {
  const ProcessResult r =
      run_worker({"run", "--scenarios", "spawn_churn", "--mode", "quick", "--param", "frame=100000",
                  "--param", "ops=1000", "--param", "samples=100"});
  ASSERT_TRUE(r.succeeded()) << describe_end(r);
  const json out = json::parse(r.out);
  ASSERT_EQ(out["results"].size(), 1u);
  const json& res = out["results"][0];
  EXPECT_EQ(res["params"]["frame"], 4096);
  EXPECT_EQ(res["extra"]["frame_requested"], 100000);
  EXPECT_GT(res["frame_size_bytes"].get<double>(), 1024);
  EXPECT_LE(res["frame_size_bytes"].get<double>(), 4096 + 256);
}

// system is included because glibc malloc's path depends on the heap left by earlier work; a
// worker process per parameter set is what keeps its counts repeatable (expand_grid).
TEST_F(RealRunTest, CallgrindCountsPerOperationAreIdenticalAcrossRuns) {
  if (!find_valgrind()) GTEST_SKIP() << "valgrind is not on PATH";
  const std::vector<std::string> args = {
      "--cache-sim", "--backends", "bounded,system", "--scenarios", "spawn_churn,spawn_burst",
      "--param",     "frame=256",  "--param",        "k=64",        "--param",
      "ops=2000",    "--param",    "samples=100"};
  const json a = run(args, "a.json");
  const json b = run(args, "b.json");
  ASSERT_FALSE(a.is_null());
  ASSERT_FALSE(b.is_null());
  ASSERT_EQ(a["results"].size(), 4u) << a["results"];
  ASSERT_EQ(b["results"].size(), 4u) << b["results"];
  for (std::size_t i = 0; i < 4; ++i) {
    const json& ra = a["results"][i];
    const json& rb = b["results"][i];
    const std::string what =
        ra["backend"].get<std::string>() + " " + ra["scenario"].get<std::string>();
    ASSERT_EQ(ra["scenario"], rb["scenario"]);
    const json& ca = ra["cache"];
    ASSERT_EQ(ca["source"], "callgrind") << what << ": " << ca;
    EXPECT_GT(ca["ops"].get<double>(), 0) << what;
    EXPECT_GT(ca["instructions_per_op"].get<double>(), 10) << what;  // never this cheap
    for (const char* k : {"instructions_per_op", "d1_misses_per_op", "ll_misses_per_op",
                          "i1_misses_per_op", "events", "ops", "geometry"}) {
      EXPECT_EQ(ca[k], rb["cache"][k]) << what << ": " << k;
    }
    // No valgrind-slowed timing presented as real.
    EXPECT_EQ(ra["throughput"]["ops_per_sec"]["source"], "unavailable") << what;
    EXPECT_EQ(ra["latency_ns"]["source"], "unavailable") << what;
  }
  EXPECT_EQ(a["config"]["cache_sim"], true);
  EXPECT_EQ(a["config"]["repetitions"], 1);
  EXPECT_EQ(a["config"]["cache_sim_geometry"]["D1"]["size_bytes"], 32768);
}

// Isolation: every (scenario, parameter set) runs in a fresh worker process. Before it, the
// system backend's spawn_burst K=1024 saw the heap left by floor and spawn_churn when they ran
// first in the same process: 25.2M ops/s and 90 page faults after them against 8.0M ops/s and
// 48,310 faults alone (quick mode, measured on the 2-core VM). The page faults are the robust
// signal (a property of the heap's path, not of the machine's load), so they are compared
// tightly; the timing check only has to tell 1x from 3x.
TEST_F(RealRunTest, SpawnBurstGivesTheSameResultAloneAndAfterOtherScenarios) {
  const std::vector<std::string> common = {
      "--backends", "system",  "--repetitions", "3",       "--param",  "ops=200000", "--param",
      "k=1024",     "--param", "samples=20000", "--param", "frame=256"};
  std::vector<std::string> alone_args = common, after_args = common;
  alone_args.insert(alone_args.end(), {"--scenarios", "spawn_burst"});
  after_args.insert(after_args.end(), {"--scenarios", "floor,spawn_churn,spawn_burst"});
  const json alone = run(alone_args, "alone.json");
  const json after = run(after_args, "after.json");
  ASSERT_FALSE(alone.is_null());
  ASSERT_FALSE(after.is_null());

  // What each process saw: a fresh one per parameter set and repetition, never reused.
  std::set<std::int64_t> pids;
  std::size_t expected = 0;
  for (const json* report : {&alone, &after}) {
    for (const auto& r : (*report)["results"]) {
      ASSERT_TRUE(r.contains("process")) << r;
      EXPECT_EQ(r["process"]["earlier_runs_max"], 0) << r["scenario"] << " " << r["params"];
      EXPECT_EQ(r["process"]["pids"].size(), 3u) << r["process"];
      for (const auto& p : r["process"]["pids"]) pids.insert(p.get<std::int64_t>());
      expected += 3;
    }
  }
  EXPECT_EQ(pids.size(), expected) << "a worker process measured more than one parameter set";
  // The grid's order rotates between repetitions, and the report records it.
  const json& order = after["config"]["grid_order"];
  ASSERT_EQ(order.size(), 3u) << order;
  EXPECT_NE(order[0][0], order[1][0]);
  EXPECT_NE(order[1][0], order[2][0]);

  const json* a = find_result(alone, "spawn_burst", {{"k", 1024}});
  const json* b = find_result(after, "spawn_burst", {{"k", 1024}});
  ASSERT_TRUE(a && b);
  const double faults_alone = (*a)["memory"]["minor_faults"].get<double>();
  const double faults_after = (*b)["memory"]["minor_faults"].get<double>();
  EXPECT_GT(faults_alone, 0);
  EXPECT_GE(faults_after, faults_alone / 2) << "spawn_burst inherited another scenario's heap";
  EXPECT_LE(faults_after, faults_alone * 2);
  // No throughput ratio here: under ctest -j2 another test competes for the two cores and moved
  // it past 2x once. The process ids and page faults above are the proof of isolation; the
  // timing side is in the README's reference runs.
}

// Batched latency resolves what single-operation samples cannot: floor's operation (a few ns)
// is below this VM's 10 ns timer step, so its single-operation p50 reads one step (or 0 after
// the pair's cost is subtracted) while the batched p50 (64 operations per timing pair) is below
// the step. Needs a coarse timer to show it; on a fine-grained one it is skipped.
TEST_F(RealRunTest, BatchedLatencyResolvesBelowTheTimerStep) {
  const json report = run({"--backends", "system", "--scenarios", "floor", "--repetitions", "1",
                           "--param", "ops=200000", "--param", "samples=64000"},
                          "batched.json");
  ASSERT_FALSE(report.is_null());
  const double step = report["machine"]["timer"]["resolution_ns"].get<double>();
  if (step < 2) GTEST_SKIP() << "the timer's step is " << step << " ns: nothing to resolve";
  const json& r = report["results"][0];
  const json& batched = r["latency_batched_ns"];
  ASSERT_TRUE(batched.contains("p50")) << batched;
  EXPECT_EQ(batched["batch"], 64);
  EXPECT_EQ(batched["count"], 1000);  // 64,000 operations in batches of 64
  EXPECT_GT(batched["p50"].get<double>(), 0);
  EXPECT_LT(batched["p50"].get<double>(), step) << batched;
  const double single = r["latency_ns"]["p50"].get<double>();
  EXPECT_TRUE(single == 0 || single >= step * 0.99) << "single-operation p50 " << single;
  EXPECT_EQ(r["latency_ns"]["timer_step_ns"], step);
  EXPECT_FALSE(r["params"].contains("batch")) << "batch must not change a result's identity";
}

// Regression guard for the slabs' hot path: spawn_slab + run to completion + free of a trivial
// task (spawn_churn frame=64, quick ops cut to 10000 under callgrind). Measured with g++ 12 on
// the 48-byte-header runtime at 139 instructions per operation on bounded and 147 on unbounded
// (178 and 190 before it, 274 and 285 before the first lean-executor pass; the floor is 68). The
// bounds are the target (150) or about 5 % over the figure, whichever is lower: a change
// that adds a handful of instructions to the path fails here, and has to say why in the README's
// "Where the nanoseconds go".
struct InstructionBudget {
  const char* backend;
  double max_per_op;
};
constexpr InstructionBudget kSpawnInstructionBudgets[] = {{"bounded", 146}, {"unbounded", 150}};

TEST_F(RealRunTest, SlabSpawnRunFreeStaysWithinItsInstructionBudget) {
  if (!find_valgrind()) GTEST_SKIP() << "valgrind is not on PATH";
  const json report = run({"--cache-sim", "--backends", "bounded,unbounded", "--scenarios",
                           "spawn_churn", "--param", "frame=64"},
                          "guard.json");
  ASSERT_FALSE(report.is_null());
  for (const InstructionBudget& b : kSpawnInstructionBudgets) {
    const json* r = nullptr;
    for (const auto& row : report["results"]) {
      if (row["backend"] == b.backend && row["scenario"] == "spawn_churn") r = &row;
    }
    ASSERT_TRUE(r) << b.backend << ": " << report["results"];
    ASSERT_EQ((*r)["cache"]["source"], "callgrind") << (*r)["cache"];
    const double ir = (*r)["cache"]["instructions_per_op"].get<double>();
    EXPECT_GT(ir, 20) << "implausibly few instructions: is the timed region still measured?";
    EXPECT_LE(ir, b.max_per_op) << "spawn + run + free of a trivial task on " << b.backend
                                << " costs " << ir << " instructions per operation under callgrind";
  }
}

TEST_F(RealRunTest, MicroMergesGoogleBenchmarkRowsPerBackend) {
  const json report = run({"--micro-only", "--backends", "bounded,system", "--micro-filter",
                           "^alloc_free/size:64$", "--repetitions", "2"},
                          "micro.json");
  ASSERT_FALSE(report.is_null());
  for (const char* backend : {"bounded", "system"}) {
    const json& m = report["micro"][backend];
    ASSERT_EQ(m["status"], "ok") << m;
    EXPECT_EQ(m["context"]["backend"], backend);
    std::vector<int> reps;
    std::set<std::string> aggregates;
    for (const auto& row : m["benchmarks"]) {
      EXPECT_EQ(row["run_name"], "alloc_free/size:64") << row;
      EXPECT_TRUE(row.contains("ns_per_item")) << row;
      if (row["run_type"] == "iteration") reps.push_back(row["repetition_index"].get<int>());
      if (row["run_type"] == "aggregate") aggregates.insert(row["aggregate_name"]);
    }
    EXPECT_EQ(reps, (std::vector<int>{0, 1})) << backend;
    EXPECT_TRUE(aggregates.count("median") && aggregates.count("mean")) << backend;
  }
  ProcessSpec spec;
  spec.argv = {ALLOCBENCH_BIN, "compare", (dir_ / "micro.json").string(), "--baseline", "system"};
  const ProcessResult c = run_process(spec);
  EXPECT_TRUE(c.succeeded()) << describe_end(c);
  EXPECT_NE(c.out.find("alloc_free/size:64"), std::string::npos) << c.out;
  EXPECT_NE(c.out.find("ns/item"), std::string::npos) << c.out;
}

}  // namespace
// Issue 14: the committed reference (a full run) against a fresh quick run: every workload the
// quick suite runs pairs with the reference's row of the same backend, whatever the run sizes.
// Run sizes are cut further here (they are run sizes: pairing must not care) to keep it short.
TEST_F(RealRunTest, QuickRunPairsEveryWorkloadWithTheReference) {
  const json quick = run({"--quick", "--backends", "system", "--repetitions", "1", "--param",
                          "ops=2000", "--param", "samples=200"},
                         "quick.json");
  ASSERT_FALSE(quick.is_null());
  ProcessSpec spec;
  spec.argv = {ALLOCBENCH_BIN,   "compare",
               REFERENCE_REPORT, (dir_ / "quick.json").string(),
               "--json",         (dir_ / "cmp.json").string()};
  spec.cwd = dir_.string();
  spec.timeout = std::chrono::seconds(60);
  const ProcessResult r = run_process(spec);
  ASSERT_TRUE(r.succeeded()) << describe_end(r);
  const json cmp = read(dir_ / "cmp.json");
  std::set<std::string> paired;
  for (const auto& row : cmp["rows"]) {
    paired.insert(row["scenario"].get<std::string>() + " " + row["params"].dump());
  }
  std::size_t quick_rows = 0;
  for (const auto& q : quick["results"]) {
    ++quick_rows;
    EXPECT_TRUE(paired.count(q["scenario"].get<std::string>() + " " + q["params"].dump()))
        << "not paired: " << q["scenario"] << " " << q["params"];
  }
  EXPECT_GT(quick_rows, 5u);
  EXPECT_TRUE(cmp["only_in_b"].empty()) << cmp["only_in_b"];
  EXPECT_FALSE(cmp["run_sizes_differ"].is_null());
}

// Issue 14: --param sweeps a workload parameter, and each result records the configuration the
// backend really ran with: a bounded slab sized for W=16,384 tasks has 16,384 slots, not the
// default 1,024 that backends[].tuning shows; every backend says what its reserved bytes mean.
TEST_F(RealRunTest, SweepRecordsTheConfigurationEachParameterSetRan) {
  const json r = run({"--backends", "bounded,system", "--scenarios", "mixed_lifetime", "--param",
                      "width=1024,16384", "--param", "ops=2000", "--param", "samples=200",
                      "--repetitions", "1", "--quiet"},
                     "sweep.json");
  ASSERT_FALSE(r.is_null());
  std::set<long long> widths;
  for (const auto& x : r["results"]) {
    const long long w = x["params"]["width"].get<long long>();
    widths.insert(w);
    ASSERT_TRUE(x.contains("backend_config")) << x.dump();
    if (x["backend"] == "bounded") {
      EXPECT_EQ(x["backend_config"]["capacity_slots"].get<long long>(), w) << x.dump();
      EXPECT_GE(x["backend_config"]["slot_size_bytes"].get<long long>(),
                x["frame_size_bytes"].get<long long>());
    }
  }
  EXPECT_EQ(widths, (std::set<long long>{1024, 16384}));
  EXPECT_EQ(r["config"]["params"]["width"], json({1024, 16384}));
  for (const auto& b : r["backends"]) {
    EXPECT_FALSE(b["reserved_meaning"].get<std::string>().empty());
  }
  EXPECT_TRUE(r["notes"].contains("frame_size_bytes"));
}

}  // namespace allocbench::testing
