// Hostile input: random argument vectors and corrupted reports must never crash the driver
// (no signal exit); bad ones exit 2 with a message.
#include <gtest/gtest.h>

#include <random>

#include "driver_harness.hpp"

namespace allocbench::testing {
namespace {

using nlohmann::json;

std::string random_bytes(std::mt19937& rng, std::size_t n) {
  std::string s;
  for (std::size_t i = 0; i < n; ++i) s += static_cast<char>(rng() % 255 + 1);  // no NUL in argv
  return s;
}

TEST_F(DriverTest, FuzzArgumentVectors) {
  install({"system", "bounded"});
  const std::vector<std::string> vocab = {"run",
                                          "list",
                                          "compare",
                                          "--backends",
                                          "--scenarios",
                                          "--quick",
                                          "--full",
                                          "--repetitions",
                                          "--threads",
                                          "--seed",
                                          "--timeout",
                                          "--param",
                                          "--out",
                                          "--baseline",
                                          "--help",
                                          "-h",
                                          "system",
                                          "bounded,system",
                                          ",",
                                          "",
                                          "0",
                                          "-1",
                                          "1",
                                          "99999999999999999999",
                                          "k=",
                                          "=4",
                                          "k=1",
                                          "floor",
                                          "a.json",
                                          "/",
                                          "/dev/null",
                                          "results",
                                          "--",
                                          "-",
                                          "--=",
                                          "spawn_burst,floor",
                                          "--repetitions=0",
                                          "--seed=-5",
                                          "%s%n",
                                          "\xff\xfe"};
  std::mt19937 rng(20261124);
  for (int i = 0; i < 150; ++i) {
    std::vector<std::string> args;
    const int n = static_cast<int>(rng() % 6);
    for (int k = 0; k < n; ++k) {
      args.push_back(rng() % 8 == 0 ? random_bytes(rng, rng() % 12) : vocab[rng() % vocab.size()]);
    }
    // Keep fuzzed runs short: one repetition, and never the default results/ write races.
    if (!args.empty() && args[0] == "run") {
      args.insert(args.end(), {"--repetitions", "1", "--out", "fuzz.json"});
    }
    const auto r = run(args, std::chrono::seconds(60));
    std::string cmd;
    for (const auto& a : args) cmd += "'" + a + "' ";
    ASSERT_FALSE(r.crashed()) << cmd << ": " << describe_end(r.process);
    const int code = r.exit_code();
    EXPECT_TRUE(code == 0 || code == 2) << cmd << " exited " << code << "\n" << r.err;
    if (code == 2) {
      EXPECT_FALSE(r.err.empty()) << cmd;
    }
  }
}

// Replaces one randomly chosen node of j with a value of another type.
void corrupt(json& j, std::mt19937& rng) {
  json* node = &j;
  for (int depth = 0; depth < 8 && (node->is_object() || node->is_array()) && !node->empty();
       ++depth) {
    if (rng() % 4 == 0) break;
    auto it = node->begin();
    std::advance(it, rng() % node->size());
    node = &*it;
  }
  static const json kReplacements[] = {nullptr,       "text",         -1,   1e308,
                                       json::array(), json::object(), true, json::array({1, "x"})};
  *node = kReplacements[rng() % std::size(kReplacements)];
}

TEST_F(DriverTest, FuzzCorruptedReports) {
  install({"system", "bounded"});
  ASSERT_EQ(run({"run", "--out", "good.json", "--repetitions", "2"}).exit_code(), 0);
  const std::string good = slurp(dir_ / "good.json");
  const json parsed = json::parse(good);
  std::mt19937 rng(99);
  for (int i = 0; i < 120; ++i) {
    std::string bad;
    switch (i % 3) {
      case 0:
        bad = good.substr(0, rng() % good.size());
        break;
      case 1: {
        bad = good;
        for (int k = 0; k < 5; ++k) bad[rng() % bad.size()] = static_cast<char>(rng());
        break;
      }
      default: {
        json j = parsed;
        corrupt(j, rng);
        bad = j.dump();
      }
    }
    std::ofstream(dir_ / "bad.json", std::ios::trunc) << bad;
    for (const auto& args :
         {std::vector<std::string>{"compare", "good.json", "bad.json"},
          std::vector<std::string>{"compare", "bad.json", "--baseline", "system"}}) {
      const auto r = run(args, std::chrono::seconds(60));
      ASSERT_FALSE(r.crashed()) << "case " << i << ": " << describe_end(r.process) << "\n" << bad;
      const int code = r.exit_code();
      EXPECT_TRUE(code == 0 || code == 2) << "case " << i << " exited " << code << "\n" << r.err;
      if (code == 2) {
        EXPECT_FALSE(r.err.empty());
      }
    }
  }
}

}  // namespace
}  // namespace allocbench::testing
