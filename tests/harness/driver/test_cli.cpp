#include "harness/driver/cache_sim.hpp"
#include "harness/driver/cli.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace allocbench {
namespace {

ParseOutcome parse(std::vector<const char*> args, std::string& err) {
  args.insert(args.begin(), "allocbench");
  std::string out;
  return parse_command_line(static_cast<int>(args.size()), args.data(), out, err);
}

// Issue 14: --version names the version, the commit it was built from (with its dirty flag)
// and the build; a run records the same in its options' command line for the report.
TEST(Cli, VersionAndCommandLine) {
  std::vector<const char*> args = {"allocbench", "--version"};
  std::string out, err;
  const ParseOutcome v = parse_command_line(2, args.data(), out, err);
  EXPECT_FALSE(v.command);
  EXPECT_EQ(v.exit_code, kExitOk);
  EXPECT_EQ(out.rfind("allocbench ", 0), 0u) << out;
  EXPECT_NE(out.find("\ncommit "), std::string::npos) << out;
  EXPECT_NE(out.find("\nbuild "), std::string::npos) << out;
  const auto p = parse({"run", "--backends", "system"}, err);
  ASSERT_TRUE(p.command) << err;
  EXPECT_EQ(std::get<RunOptions>(*p.command).command_line,
            (std::vector<std::string>{"allocbench", "run", "--backends", "system"}));
}

TEST(Cli, ParsePositive) {
  EXPECT_EQ(parse_positive("--x", "7"), 7u);
  EXPECT_EQ(parse_positive("--x", "18446744073709551615"), UINT64_MAX);
  for (const char* bad : {"0", "-1", "", "abc", "1.5", "3x", " 3", "18446744073709551616"}) {
    try {
      parse_positive("--repetitions", bad);
      FAIL() << "accepted '" << bad << "'";
    } catch (const std::invalid_argument& e) {
      EXPECT_NE(std::string(e.what()).find("--repetitions"), std::string::npos);
    }
  }
}

TEST(Cli, RunDefaultsAndModes) {
  std::string err;
  auto p = parse({"run"}, err);
  ASSERT_TRUE(p.command) << err;
  auto o = std::get<RunOptions>(*p.command);
  EXPECT_EQ(o.mode, "quick");
  EXPECT_EQ(o.repetitions, 3u);
  p = parse({"run", "--full", "--param", "k=5", "--param", "n=6", "--backends", "a,b"}, err);
  ASSERT_TRUE(p.command) << err;
  o = std::get<RunOptions>(*p.command);
  EXPECT_EQ(o.mode, "full");
  EXPECT_EQ(o.repetitions, 5u);
  ASSERT_EQ(o.params.size(), 2u);
  EXPECT_EQ(o.params[1].first, "n");
  EXPECT_EQ(o.backends, (std::vector<std::string>{"a", "b"}));
}

// Issue 14: --param name=a,b,c sweeps any parameter; the same name twice is a usage error (it
// used to keep one of the values silently).
TEST(Cli, ParamSweepsAndRefusesRepeats) {
  std::string err;
  auto p = parse({"run", "--param", "width=4096,16384", "--param", "ops=1000"}, err);
  ASSERT_TRUE(p.command) << err;
  const auto o = std::get<RunOptions>(*p.command);
  ASSERT_EQ(o.params.size(), 2u);
  EXPECT_EQ(o.params[0].first, "width");
  EXPECT_EQ(o.params[0].second, (std::vector<std::uint64_t>{4096, 16384}));
  EXPECT_EQ(o.params[1].second, (std::vector<std::uint64_t>{1000}));
  for (std::vector<const char*> bad :
       {std::vector<const char*>{"run", "--param", "k=1", "--param", "k=2"},
        std::vector<const char*>{"run", "--param", "k=1,1"},
        std::vector<const char*>{"run", "--param", "k=1,,2"},
        std::vector<const char*>{"run", "--param", "k=1,x"}}) {
    err.clear();
    p = parse(bad, err);
    EXPECT_FALSE(p.command) << bad.back();
    EXPECT_EQ(p.exit_code, kExitUsage) << bad.back();
    EXPECT_NE(err.find("--param"), std::string::npos) << err;
  }
}

TEST(Cli, MicroAndCacheSimDefaults) {
  std::string err;
  auto opts = [&](std::vector<const char*> args) {
    auto p = parse(std::move(args), err);
    EXPECT_TRUE(p.command) << err;
    return p.command ? std::get<RunOptions>(*p.command) : RunOptions{};
  };
  EXPECT_FALSE(opts({"run"}).micro);
  EXPECT_TRUE(opts({"run", "--micro"}).micro);
  EXPECT_TRUE(opts({"run", "--full"}).micro);  // the full suite includes micro
  EXPECT_FALSE(opts({"run", "--full", "--no-micro"}).micro);
  auto only = opts({"run", "--micro-only", "--micro-filter", "alloc_free"});
  EXPECT_TRUE(only.micro && only.micro_only);
  EXPECT_EQ(only.micro_filter, "alloc_free");
  auto cs = opts({"run", "--cache-sim", "--full"});
  EXPECT_TRUE(cs.cache_sim);
  EXPECT_FALSE(cs.micro);  // never timing under valgrind
  EXPECT_EQ(cs.repetitions, 1u);
  EXPECT_EQ(cs.timeout_s, kCacheSimTimeoutS);
  EXPECT_FALSE(cs.scenarios_given);
  auto cs2 =
      opts({"run", "--cache-sim", "--repetitions", "1", "--timeout", "9", "--scenarios", "a"});
  EXPECT_EQ(cs2.timeout_s, 9u);
  EXPECT_TRUE(cs2.scenarios_given);
}

TEST(CacheSimGrid, OneWorkerCallPerScenarioAndParameterSet) {
  const nlohmann::json catalog = nlohmann::json::parse(R"([
    {"name": "floor", "params": [{"name": "ops", "quick": [4], "full": [20]}]},
    {"name": "churn", "params": [{"name": "frame", "quick": [64, 256], "full": [64]},
                                 {"name": "ops", "quick": [10], "full": [50]},
                                 {"name": "odd"}]},
    {"name": "burst", "params": [{"name": "k", "quick": [16, 32], "full": [16]},
                                 {"name": "frame", "quick": [256], "full": [256]}]}
  ])");
  std::vector<std::string> labels;
  for (const auto& g : expand_grid(catalog, {"burst", "churn"}, "quick", {{"k", {7}}})) {
    labels.push_back(g.label());
  }
  // Catalog order; an override fixes k; a parameter without a list is left to the worker.
  EXPECT_EQ(labels, (std::vector<std::string>{"churn frame=64 ops=10", "churn frame=256 ops=10",
                                              "burst k=7 frame=256"}));
  labels.clear();
  for (const auto& g : expand_grid(catalog, {"floor", "churn"}, "full", {})) {
    labels.push_back(g.label());
  }
  EXPECT_EQ(labels, (std::vector<std::string>{"floor ops=20", "churn frame=64 ops=50"}));
  // Several values sweep the parameter, in the order given.
  labels.clear();
  for (const auto& g : expand_grid(catalog, {"burst"}, "quick", {{"frame", {1024, 64}}})) {
    labels.push_back(g.label());
  }
  EXPECT_EQ(labels, (std::vector<std::string>{"burst k=16 frame=1024", "burst k=16 frame=64",
                                              "burst k=32 frame=1024", "burst k=32 frame=64"}));
  EXPECT_TRUE(expand_grid(catalog, {"nope"}, "quick", {}).empty());
}

TEST(Cli, BadInputExitsTwoNamingTheFlag) {
  const std::vector<std::pair<std::vector<const char*>, std::string>> cases = {
      {{"run", "--repetitions", "0"}, "--repetitions"},
      {{"run", "--threads", "-2"}, "--threads"},
      {{"run", "--seed", "x"}, "--seed"},
      {{"run", "--timeout", "0"}, "--timeout"},
      {{"run", "--param", "k"}, "--param"},
      {{"run", "--param", "k=0"}, "--param k"},
      {{"run", "--backends", "a,,b"}, "--backends"},
      {{"run", "--quick", "--full"}, "--full"},
      {{"run", "--bogus"}, "--bogus"},
      {{"frobnicate"}, "frobnicate"},
      {{}, "subcommand"},
      {{"compare"}, "reports"},
      {{"compare", "a.json"}, "two reports"},
      {{"compare", "a", "b", "c"}, "c"},
      {{"compare", "a", "b", "--baseline", "system"}, "exactly one"},
      {{"run", "--cache-sim", "--micro"}, "--cache-sim runs no micro"},
      {{"run", "--cache-sim", "--repetitions", "3"}, "--repetitions 3"},
      {{"run", "--micro-filter", "x"}, "--micro-filter needs --micro"},
      {{"run", "--micro", "--micro-filter", ""}, "--micro-filter"},
      {{"run", "--micro-only", "--scenarios", "a"}, "--micro-only"},
      {{"run", "--micro", "--no-micro"}, "--no-micro"},
  };
  for (const auto& [args, needle] : cases) {
    std::string err;
    const auto p = parse(args, err);
    EXPECT_FALSE(p.command) << needle;
    EXPECT_EQ(p.exit_code, kExitUsage) << needle;
    EXPECT_NE(err.find(needle), std::string::npos) << "message lacks '" << needle << "': " << err;
  }
}

}  // namespace
}  // namespace allocbench
