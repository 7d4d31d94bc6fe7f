#include "harness/probes/machine.hpp"
#include "harness/report/probe_json.hpp"

#include <gtest/gtest.h>

#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "harness/probes/cpufreq.hpp"

namespace allocbench {
namespace {

const nlohmann::json& machine() {
  static const nlohmann::json m = to_json(machine_info());
  return m;
}

TEST(Machine, HasTheReportSchemaKeys) {
  const nlohmann::json& m = machine();
  for (const char* key : {"cpu_model", "cores", "caches", "kernel", "compiler", "flags", "tsc_ghz",
                          "timer", "hw_counters"}) {
    EXPECT_TRUE(m.contains(key)) << key;
  }
}

TEST(Machine, ScalarsHaveSaneTypes) {
  const nlohmann::json& m = machine();
  ASSERT_TRUE(m.at("cpu_model").is_string());
  EXPECT_FALSE(m.at("cpu_model").get<std::string>().empty());
  ASSERT_TRUE(m.at("cores").is_number_integer());
  EXPECT_GE(m.at("cores").get<int>(), 1);
  if (!m.at("physical_cores").is_null()) {
    EXPECT_GE(m.at("physical_cores").get<int>(), 1);
    EXPECT_LE(m.at("physical_cores").get<int>(), m.at("cores").get<int>());
  }
  EXPECT_EQ(m.at("kernel").get<std::string>().rfind("Linux ", 0), 0u);
  const std::string compiler = m.at("compiler").get<std::string>();
  EXPECT_TRUE(compiler.rfind("g++ ", 0) == 0 || compiler.rfind("clang++ ", 0) == 0) << compiler;
  const std::string flags = m.at("flags").get<std::string>();
  EXPECT_NE(flags.find("-std=c++20"), std::string::npos) << flags;
  EXPECT_EQ(flags.find("(unknown"), std::string::npos) << flags;
}

TEST(Machine, CachesAreDescribed) {
  const nlohmann::json& caches = machine().at("caches");
  ASSERT_TRUE(caches.is_array());
  for (const auto& c : caches) {
    EXPECT_GE(c.at("level").get<int>(), 1);
    EXPECT_TRUE(c.at("type").is_string());
    EXPECT_GT(c.at("size_bytes").get<std::size_t>(), 0u);
    EXPECT_TRUE(c.at("ways").is_number_integer());
    EXPECT_GT(c.at("line_bytes").get<int>(), 0);
  }
}

TEST(Machine, TimerAndTscAgree) {
  const nlohmann::json& m = machine();
  const nlohmann::json& timer = m.at("timer");
  ASSERT_TRUE(timer.at("source").is_string());
  EXPECT_GE(timer.at("overhead_ns").get<double>(), 0.0);
  EXPECT_TRUE(timer.at("invariant_tsc").is_boolean());
  if (timer.at("source") == "rdtscp") {
    // A TSC runs between 0.1 and 10 GHz on anything this runs on.
    EXPECT_GT(m.at("tsc_ghz").get<double>(), 0.1);
    EXPECT_LT(m.at("tsc_ghz").get<double>(), 10.0);
  } else {
    EXPECT_TRUE(m.at("tsc_ghz").is_null());
  }
}

TEST(Machine, HwCountersSayWhyNot) {
  const nlohmann::json& hw = machine().at("hw_counters");
  ASSERT_TRUE(hw.at("available").is_boolean());
  if (!hw.at("available").get<bool>()) {
    ASSERT_TRUE(hw.at("reason").is_string());
    EXPECT_FALSE(hw.at("reason").get<std::string>().empty());
  }
}

TEST(Machine, LastLevelCacheIsTheLargestDataCache) {
  const LastLevelCache llc = last_level_cache();
  EXPECT_GT(llc.bytes, 0u);
  EXPECT_FALSE(llc.note.empty());
  std::size_t largest = 0;
  for (const auto& c : machine().at("caches")) {
    if (c.at("type") != "Instruction")
      largest = std::max(largest, c.at("size_bytes").get<std::size_t>());
  }
  if (largest > 0) {
    EXPECT_TRUE(llc.known);
    EXPECT_EQ(llc.bytes, largest);
  } else {
    EXPECT_FALSE(llc.known);
    EXPECT_EQ(llc.bytes, std::size_t{32} << 20);
  }
  EXPECT_EQ(last_level_cache_bytes(), llc.bytes);
}

// A fake sysfs tree: governors per CPU and the acpi-cpufreq boost switch are read as they are.
TEST(Machine, CpufreqReadsGovernorsAndBoost) {
  namespace fs = std::filesystem;
  char tmpl[] = "/tmp/allocbench-sysfs-XXXXXX";
  ASSERT_NE(::mkdtemp(tmpl), nullptr);
  const fs::path root = tmpl;
  for (const char* cpu : {"cpu0", "cpu1"}) {
    fs::create_directories(root / cpu / "cpufreq");
    std::ofstream(root / cpu / "cpufreq" / "scaling_governor") << "performance\n";
  }
  fs::create_directories(root / "cpufreq");
  std::ofstream(root / "cpufreq" / "boost") << "0\n";
  const nlohmann::json j = to_json(cpufreq_info(root));
  EXPECT_EQ(j["governors"], nlohmann::json({{"cpu0", "performance"}, {"cpu1", "performance"}}));
  EXPECT_EQ(j["boost"]["enabled"], false);
  // With no cpufreq at all (this VM): unavailable, naming what was missing.
  fs::remove_all(root / "cpu0" / "cpufreq");
  fs::remove_all(root / "cpu1" / "cpufreq");
  fs::remove_all(root / "cpufreq");
  const nlohmann::json none = to_json(cpufreq_info(root));
  EXPECT_EQ(none["governors"]["source"], "unavailable");
  EXPECT_NE(none["governors"]["reason"].get<std::string>().find("scaling_governor"),
            std::string::npos);
  EXPECT_EQ(none["boost"]["source"], "unavailable");
  fs::remove_all(root);
  // The machine description carries it either way.
  EXPECT_TRUE(machine().contains("cpufreq"));
}

}  // namespace
}  // namespace allocbench
