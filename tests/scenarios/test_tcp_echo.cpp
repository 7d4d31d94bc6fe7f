// The tcp_echo scenario end to end: what it reports per mode and client placement, a stalled
// peer failing the run with a message that names the operation and the timeout, bad parameters,
// and no descriptor left open.
#include <dirent.h>
#include <gtest/gtest.h>

#include <chrono>
#include <stdexcept>
#include <string>
#include <system_error>

#include "scenarios/scenario.hpp"

namespace allocbench {
namespace {

int open_fds() {
  DIR* d = ::opendir("/proc/self/fd");
  int n = 0;
  while (const dirent* e = ::readdir(d)) n += e->d_name[0] != '.';
  ::closedir(d);
  return n;
}

Params params(std::int64_t mode, std::int64_t client, std::int64_t connections,
              std::int64_t requests) {
  return {{"connections", connections}, {"size", 100},      {"mode", mode},      {"client", client},
          {"requests", requests},       {"max_ms", 20'000}, {"stall_ms", 5'000}, {"batch", 8}};
}

// The fields these tests read, from the session's typed Measurement.
nlohmann::json seen(const Session& s) {
  const Measurement m = s.result("tcp_echo", 0);
  return {{"ops", m.ops},
          {"backend_allocations_per_op", m.backend_allocations_per_op},
          {"extra", m.extra},
          {"latency_histogram", {{"count", m.latency.count()}}},
          {"latency_batch", m.latency_batch}};
}

nlohmann::json run(const Params& p) {
  const ScenarioSpec* spec = find_scenario("tcp_echo");
  EXPECT_NE(spec, nullptr);
  Session s(p, 3, false, "tcp_echo");
  spec->run(s);
  return seen(s);
}

class TcpEcho : public ::testing::TestWithParam<std::int64_t> {
 protected:
  void SetUp() override { fds_ = open_fds(); }
  void TearDown() override { EXPECT_EQ(open_fds(), fds_) << "descriptors left open"; }

 private:
  int fds_ = 0;
};

TEST_P(TcpEcho, PerRequestSpawnsOneSlabTaskPerRequestAndCountsEveryRoundTrip) {
  const nlohmann::json r = run(params(2, GetParam(), 4, 150));
  EXPECT_EQ(r["ops"], 600);
  EXPECT_DOUBLE_EQ(r["backend_allocations_per_op"].get<double>(), 1.0);
  const auto& e = r["extra"]["tcp_echo"];
  EXPECT_EQ(e["mode"], "per_request");
  EXPECT_DOUBLE_EQ(e["server_spawns_per_request"].get<double>(), 1.0);
  EXPECT_EQ(e["window_capped"], false);
  EXPECT_EQ(r["latency_histogram"]["count"], 600);
  EXPECT_GT(e["server_cpu_ns_per_request"]["total"].get<double>(), 0.0);
  EXPECT_EQ(r["latency_batch"], 8);
}

TEST_P(TcpEcho, PerConnectionSpawnsNothingPerRequest) {
  const nlohmann::json r = run(params(1, GetParam(), 3, 100));
  EXPECT_EQ(r["ops"], 300);
  EXPECT_DOUBLE_EQ(r["backend_allocations_per_op"].get<double>(), 0.0);
  EXPECT_DOUBLE_EQ(r["extra"]["tcp_echo"]["server_spawns_per_request"].get<double>(), 0.0);
  EXPECT_EQ(r["extra"]["tcp_echo"]["client"], GetParam() == 1 ? "same_thread" : "other_thread");
}

TEST_P(TcpEcho, AStalledPeerFailsTheRunNamingTheOperationAndTheTimeout) {
  Params p = params(1, GetParam(), 2, 50);
  p["stall_ms"] = 200;
  p["stall_after"] = 5;
  const auto t0 = std::chrono::steady_clock::now();
  try {
    run(p);
    FAIL() << "the run finished although the server stalled";
  } catch (const std::system_error& e) {
    const std::string what = e.what();
    EXPECT_EQ(e.code(), std::errc::timed_out) << what;
    EXPECT_NE(what.find("TcpStream::read_some"), std::string::npos) << what;
    EXPECT_NE(what.find("timed out after 200.000 ms"), std::string::npos) << what;
  }
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(5));
}

INSTANTIATE_TEST_SUITE_P(Client, TcpEcho, ::testing::Values(1, 2), [](const auto& info) {
  return info.param == 1 ? "same_thread" : "other_thread";
});

TEST(TcpEchoParams, BadValuesAreRefusedNamingTheParameter) {
  Params p = params(3, 1, 1, 10);
  EXPECT_THROW(
      {
        try {
          run(p);
        } catch (const std::invalid_argument& e) {
          EXPECT_NE(std::string(e.what()).find("mode must be 1 (per_connection) or 2"),
                    std::string::npos);
          throw;
        }
      },
      std::invalid_argument);
  p = params(1, 1, 0, 10);
  EXPECT_THROW(run(p), std::invalid_argument);
  p = params(1, 7, 1, 10);
  EXPECT_THROW(run(p), std::invalid_argument);
}

}  // namespace
}  // namespace allocbench
