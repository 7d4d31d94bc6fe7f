// The lived-in heap of open_loop heap=2: its live size holds through churn, its shape (small
// objects by count, a tail to tens of KiB, a long-lived share) and its determinism.
#include <gtest/gtest.h>

#include "scenarios/service_heap.hpp"

namespace allocbench {
namespace {

constexpr std::size_t kMiB = std::size_t{1} << 20;
// Live bytes may exceed the target by one object (a refill stops once it is reached) and by
// the transients, which are outside it.
constexpr std::size_t kSlack =
    ServiceHeap::kLargest + ServiceHeap::kTransients * ServiceHeap::kTransientMax;

TEST(ServiceHeap, HoldsItsLiveSizeThroughChurn) {
  ServiceHeap heap(8 * kMiB, 1);
  const ServiceHeapStats a = heap.stats();
  EXPECT_EQ(a.target_bytes, 8 * kMiB);
  EXPECT_GE(a.live_bytes, 8 * kMiB);
  EXPECT_LE(a.live_bytes, 8 * kMiB + kSlack);
  EXPECT_EQ(a.steps, 0u) << "warm-up churn is not counted";
  const std::size_t steps = 50'000;
  for (std::size_t i = 0; i < steps; ++i) heap.step();
  const ServiceHeapStats b = heap.stats();
  EXPECT_EQ(b.steps, steps);
  EXPECT_GE(b.live_bytes, 8 * kMiB);
  EXPECT_LE(b.live_bytes, 8 * kMiB + kSlack);
  // Each step frees a churning object and a temporary, and allocates a temporary and as many
  // objects as bring the live size back (none after an overshoot, several after a large one).
  EXPECT_EQ(b.frees - a.frees, 2 * steps);
  EXPECT_GT(b.mallocs - a.mallocs, 3 * steps / 2);
  EXPECT_EQ(b.mallocs - b.frees, b.live_objects) << "every live object is one malloc not freed";
  // Long-lived objects are never churned.
  EXPECT_EQ(b.long_lived_objects, a.long_lived_objects);
  EXPECT_EQ(b.long_lived_bytes, a.long_lived_bytes);
}

TEST(ServiceHeap, SmallObjectsDominateWithATailToTensOfKiB) {
  ServiceHeap heap(16 * kMiB, 3);
  const ServiceHeapStats s = heap.stats();
  const double small = static_cast<double>(s.small_objects) / static_cast<double>(s.live_objects);
  // 75 % of draws are <= 256 bytes; the live set, where large objects count once each, too.
  EXPECT_GT(small, 0.6);
  EXPECT_GE(s.largest_object, 16 * 1024u);
  EXPECT_LE(s.largest_object, ServiceHeap::kLargest);
  const double long_share =
      static_cast<double>(s.long_lived_bytes) / static_cast<double>(s.target_bytes);
  EXPECT_NEAR(long_share, ServiceHeap::kLongLivedShare, 0.02);
  // Mean object near 0.9 KiB: thousands of objects per 16 MiB, not a handful of big ones.
  EXPECT_GT(s.live_objects, 10'000u);
}

TEST(ServiceHeap, DrawsSizesFromTheModel) {
  SplitMix64 rng(5);
  std::size_t small = 0, tail = 0, n = 100'000;
  for (std::size_t i = 0; i < n; ++i) {
    const std::size_t z = ServiceHeap::draw_size(rng);
    ASSERT_GE(z, 8u);
    ASSERT_LE(z, ServiceHeap::kLargest);
    small += z <= 256;
    tail += z >= 16 * 1024;
  }
  EXPECT_NEAR(static_cast<double>(small) / static_cast<double>(n), 0.75, 0.01);
  EXPECT_NEAR(static_cast<double>(tail) / static_cast<double>(n), 0.01, 0.002);
  for (std::size_t i = 0; i < 1000; ++i) {
    ASSERT_LE(ServiceHeap::draw_size(rng, 1024), 1024u);
  }
}

TEST(ServiceHeap, SameSeedSameHeap) {
  ServiceHeap a(4 * kMiB, 9), b(4 * kMiB, 9), c(4 * kMiB, 10);
  for (int i = 0; i < 1000; ++i) {
    a.step();
    b.step();
    c.step();
  }
  EXPECT_EQ(a.stats().live_bytes, b.stats().live_bytes);
  EXPECT_EQ(a.stats().live_objects, b.stats().live_objects);
  EXPECT_NE(a.stats().live_bytes, c.stats().live_bytes);
}

TEST(ServiceHeap, ReservedCoversRequestedWhenKnown) {
  ServiceHeap heap(8 * kMiB, 2);
  std::string why;
  const auto reserved = process_malloc_reserved(&why);
  if (!reserved) {
    EXPECT_FALSE(why.empty());
    GTEST_SKIP() << "reserved bytes unavailable: " << why;
  }
  EXPECT_GE(*reserved, heap.stats().live_bytes);
}

TEST(ServiceHeap, RefusesATinyHeap) {
  EXPECT_THROW(ServiceHeap(1000, 1), std::invalid_argument);
}

}  // namespace
}  // namespace allocbench
