#include "allocators/bounded_slab.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <set>
#include <vector>

#include "aligned_new_counter.hpp"

namespace allocbench {
namespace {

BackendConfig config(std::size_t slot_size, std::size_t capacity) {
  BackendConfig c;
  c.slot_size = slot_size;
  c.capacity = capacity;
  return c;
}

std::uintptr_t addr(const void* p) {
  return reinterpret_cast<std::uintptr_t>(p);
}

TEST(BoundedSlab, FreshSlabStats) {
  BoundedSlab slab(config(100, 16));
  const AllocatorStats s = slab.stats();
  EXPECT_EQ(s.slot_size, 128u);  // 100 rounded up to a whole cache line
  EXPECT_EQ(s.capacity, 16u);
  EXPECT_EQ(s.chunks, 1u);
  EXPECT_EQ(s.bytes_reserved, 16u * 128u);
  EXPECT_EQ(s.live_blocks, 0u);
  EXPECT_EQ(s.bytes_requested, 0u);
  EXPECT_TRUE(s.is_slab);
  EXPECT_EQ(slab.max_block(), 128u);
  EXPECT_EQ(slab.claim_size(), 128u);
  EXPECT_EQ(slab.free_slots(), 16u);
  EXPECT_FALSE(slab.full());
}

TEST(BoundedSlab, RejectsZeroCapacity) {
  EXPECT_THROW(BoundedSlab(config(64, 0)), std::invalid_argument);
}

TEST(BoundedSlab, StatsFollowOperations) {
  BoundedSlab slab(config(256, 8));
  void* a = slab.allocate(100);
  void* b = slab.allocate(256);
  void* c = slab.allocate(1);
  ASSERT_NE(a, nullptr);
  ASSERT_NE(b, nullptr);
  ASSERT_NE(c, nullptr);
  EXPECT_EQ(slab.stats().live_blocks, 3u);
  EXPECT_EQ(slab.stats().bytes_requested, 357u);
  EXPECT_EQ(slab.free_slots(), 5u);
  slab.deallocate(b, 256);
  EXPECT_EQ(slab.stats().live_blocks, 2u);
  EXPECT_EQ(slab.stats().bytes_requested, 101u);
  slab.deallocate(a, 100);
  slab.deallocate(c, 1);
  EXPECT_EQ(slab.stats().live_blocks, 0u);
  EXPECT_EQ(slab.stats().bytes_requested, 0u);
  EXPECT_EQ(slab.free_slots(), 8u);
}

TEST(BoundedSlab, SlotsAreAlignedDistinctAndOwned) {
  BoundedSlab slab(config(192, 32));
  std::set<std::uintptr_t> seen;
  std::vector<void*> blocks;
  for (int i = 0; i < 32; ++i) {
    void* p = slab.allocate(192);
    ASSERT_NE(p, nullptr);
    EXPECT_EQ(addr(p) % kSlotAlign, 0u);
    EXPECT_EQ(addr(p) % kFrameAlign, 0u);
    EXPECT_TRUE(slab.owns(p));
    EXPECT_TRUE(seen.insert(addr(p)).second) << "slot handed out twice";
    blocks.push_back(p);
  }
  // Slots never overlap: consecutive addresses are at least a slot apart.
  std::vector<std::uintptr_t> sorted(seen.begin(), seen.end());
  for (std::size_t i = 1; i < sorted.size(); ++i) EXPECT_GE(sorted[i] - sorted[i - 1], 192u);
  for (void* p : blocks) slab.deallocate(p, 192);
}

TEST(BoundedSlab, OwnsRejectsForeignPointers) {
  BoundedSlab slab(config(64, 4));
  int local = 0;
  EXPECT_FALSE(slab.owns(&local));
  void* p = slab.allocate(64);
  BoundedSlab other(config(64, 4));
  void* q = other.allocate(64);
  EXPECT_FALSE(slab.owns(q));
  // One past the region is not owned.
  EXPECT_FALSE(slab.owns(static_cast<char*>(p) + 4 * 64));
  other.deallocate(q, 64);
  slab.deallocate(p, 64);
}

TEST(BoundedSlab, ReusesMostRecentlyFreedFirst) {
  BoundedSlab slab(config(64, 8));
  void* a = slab.allocate(64);
  void* b = slab.allocate(64);
  slab.deallocate(a, 64);
  slab.deallocate(b, 64);
  EXPECT_EQ(slab.allocate(64), b);
  EXPECT_EQ(slab.allocate(64), a);
  slab.deallocate(a, 64);
  slab.deallocate(b, 64);
}

TEST(BoundedSlab, FullReturnsNullAndLosesNothing) {
  constexpr std::size_t kCap = 64;
  BoundedSlab slab(config(128, kCap));
  std::vector<void*> blocks;
  for (std::size_t i = 0; i < kCap; ++i) {
    void* p = slab.allocate(128);
    ASSERT_NE(p, nullptr) << "slot " << i;
    blocks.push_back(p);
  }
  EXPECT_TRUE(slab.full());
  EXPECT_EQ(slab.free_slots(), 0u);
  EXPECT_EQ(slab.allocate(16), nullptr);
  EXPECT_EQ(slab.allocate(16), nullptr);
  EXPECT_EQ(slab.stats().live_blocks, kCap);  // the failed calls changed nothing
  // Free one from the middle: it comes back, and the slab is full again.
  void* middle = blocks[kCap / 2];
  slab.deallocate(middle, 128);
  EXPECT_FALSE(slab.full());
  EXPECT_EQ(slab.allocate(128), middle);
  EXPECT_EQ(slab.allocate(128), nullptr);
  for (void* p : blocks) slab.deallocate(p, 128);
  EXPECT_EQ(slab.free_slots(), kCap);
  // Every slot can be taken again after a full cycle.
  for (std::size_t i = 0; i < kCap; ++i) blocks[i] = slab.allocate(128);
  EXPECT_EQ(std::count(blocks.begin(), blocks.end(), nullptr), 0);
  for (void* p : blocks) slab.deallocate(p, 128);
}

TEST(BoundedSlab, OversizedRequestIsRefusedWithoutTakingASlot) {
  BoundedSlab slab(config(128, 2));
  EXPECT_EQ(slab.allocate(129), nullptr);
  EXPECT_EQ(slab.allocate(SIZE_MAX), nullptr);
  EXPECT_EQ(slab.stats().live_blocks, 0u);
  EXPECT_EQ(slab.free_slots(), 2u);
  void* p = slab.allocate(128);  // exactly the slot size fits
  EXPECT_NE(p, nullptr);
  slab.deallocate(p, 128);
}

TEST(BoundedSlab, BlocksHoldTheirContents) {
  constexpr std::size_t kCap = 100;
  BoundedSlab slab(config(256, kCap));
  std::vector<unsigned char*> blocks;
  for (std::size_t i = 0; i < kCap; ++i) {
    auto* p = static_cast<unsigned char*>(slab.allocate(256));
    std::memset(p, static_cast<int>(i), 256);
    blocks.push_back(p);
  }
  for (std::size_t i = 0; i < kCap; ++i) {
    for (std::size_t j = 0; j < 256; ++j) ASSERT_EQ(blocks[i][j], static_cast<unsigned char>(i));
  }
  for (unsigned char* p : blocks) slab.deallocate(p, 256);
}

TEST(BoundedSlab, AllocatesOnceAndReleasesAtDestruction) {
  if (!test::aligned_new_is_counted()) {
    GTEST_SKIP() << "operator new is replaced by the tool running this test (e.g. valgrind)";
  }
  const std::size_t news = test::aligned_news();
  const std::size_t deletes = test::aligned_deletes();
  {
    BoundedSlab slab(config(64, 1000));
    EXPECT_EQ(test::aligned_news(), news + 1);
    std::vector<void*> blocks;
    for (int round = 0; round < 3; ++round) {
      while (void* p = slab.allocate(64)) blocks.push_back(p);
      for (void* p : blocks) slab.deallocate(p, 64);
      blocks.clear();
    }
    EXPECT_EQ(test::aligned_news(), news + 1) << "allocated after construction";
  }
  EXPECT_EQ(test::aligned_deletes(), deletes + 1);
}

TEST(BoundedSlab, TuningNamesTheGeometry) {
  const Tuning t = BoundedSlab::tuning(config(100, 7));
  auto value = [&](const char* key) {
    for (const auto& [k, v] : t) {
      if (k == key) return v;
    }
    return std::string("(missing)");
  };
  EXPECT_EQ(value("slot_size"), "128");
  EXPECT_EQ(value("capacity"), "7");
  EXPECT_EQ(BoundedSlab::version(), "allocbench");
}

// The invariant checks (debug and sanitizer builds) and ASan poisoning: test_slabs.cpp.

}  // namespace
}  // namespace allocbench
