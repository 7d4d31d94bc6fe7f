#include "harness/probes/memory.hpp"
#include "harness/report/probe_json.hpp"

#include <gtest/gtest.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cstring>

namespace allocbench {
namespace {

constexpr std::size_t kMiB = std::size_t{1} << 20;

// Maps `bytes` of fresh anonymous memory and writes every page, so it all becomes resident.
char* map_and_touch(std::size_t bytes) {
  void* p = mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) return nullptr;
  auto* c = static_cast<char*>(p);
  const auto page = static_cast<std::size_t>(sysconf(_SC_PAGESIZE));
  for (std::size_t i = 0; i < bytes; i += page) c[i] = 1;
  return c;
}

TEST(Memory, ReadsRssFromProc) {
  const MemorySample s = read_memory();
  ASSERT_TRUE(s.peak_rss_bytes.has_value()) << s.unavailable_reason;
  ASSERT_TRUE(s.current_rss_bytes.has_value()) << s.unavailable_reason;
  EXPECT_TRUE(s.unavailable_reason.empty());
  EXPECT_GT(*s.current_rss_bytes, 0u);
  EXPECT_GE(*s.peak_rss_bytes, *s.current_rss_bytes);
}

TEST(Memory, Touching64MiBRaisesPeakRssAndFaults) {
  const PeakRssReset reset = reset_peak_rss();
  const MemorySample before = read_memory();
  ASSERT_TRUE(before.peak_rss_bytes && before.current_rss_bytes);
  char* p = map_and_touch(64 * kMiB);
  ASSERT_NE(p, nullptr);
  const MemorySample after = read_memory();
  munmap(p, 64 * kMiB);
  ASSERT_TRUE(after.peak_rss_bytes);
  EXPECT_GE(*after.peak_rss_bytes, *before.current_rss_bytes + 60 * kMiB);
  // With the peak reset, the earlier tests' peaks cannot hide the rise.
  if (reset.ok) {
    EXPECT_GE(*after.peak_rss_bytes, *before.peak_rss_bytes + 60 * kMiB);
  }
  EXPECT_GT(after.minor_faults, before.minor_faults);
}

TEST(Memory, ResetPeakRssForgetsAnEarlierPeak) {
  char* p = map_and_touch(64 * kMiB);
  ASSERT_NE(p, nullptr);
  munmap(p, 64 * kMiB);
  const MemorySample high = read_memory();
  const PeakRssReset r = reset_peak_rss();
  EXPECT_FALSE(r.detail.empty());
  if (!r.ok) GTEST_SKIP() << "peak RSS cannot be reset here: " << r.detail;
  const MemorySample low = read_memory();
  ASSERT_TRUE(high.peak_rss_bytes && low.peak_rss_bytes);
  EXPECT_LE(*low.peak_rss_bytes + 50 * kMiB, *high.peak_rss_bytes);
}

// The memory a worker reports: the process's figures inside its result object.
nlohmann::json memory_json(const MemorySample& sample) {
  Measurement m;
  m.process.emplace().memory = sample;
  m.process->peak_rss_reset = true;
  return to_json(m).at("memory");
}

TEST(Memory, JsonHasEveryField) {
  const nlohmann::json j = memory_json(read_memory());
  EXPECT_TRUE(j.at("peak_rss_bytes").is_number_unsigned());
  EXPECT_TRUE(j.at("minor_faults").is_number_unsigned());
  EXPECT_TRUE(j.at("major_faults").is_number_unsigned());
  EXPECT_TRUE(j.contains("requested_bytes"));
  EXPECT_TRUE(j.contains("reserved_bytes"));
  EXPECT_FALSE(j.contains("unavailable_reason"));
}

TEST(Memory, JsonSaysWhyAFieldIsMissing) {
  MemorySample s;
  s.unavailable_reason = "cannot read /proc/self/status";
  const nlohmann::json j = memory_json(s);
  EXPECT_TRUE(j.at("peak_rss_bytes").is_null());
  EXPECT_EQ(j.at("unavailable_reason"), "cannot read /proc/self/status");
}

}  // namespace
}  // namespace allocbench
