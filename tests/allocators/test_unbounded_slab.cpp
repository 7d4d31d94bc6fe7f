#include "allocators/unbounded_slab.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <set>
#include <vector>

#include "aligned_new_counter.hpp"

namespace allocbench {
namespace {

BackendConfig config(std::size_t slot_size, std::size_t slots_per_chunk,
                     std::size_t reserve_chunks = 0) {
  BackendConfig c;
  c.slot_size = slot_size;
  c.slots_per_chunk = slots_per_chunk;
  c.reserve_chunks = reserve_chunks;
  return c;
}

std::uintptr_t addr(const void* p) {
  return reinterpret_cast<std::uintptr_t>(p);
}

// A block's fill byte, different for neighbouring blocks and chunks.
unsigned char pattern(std::size_t i) {
  return static_cast<unsigned char>(i * 131 + 7);
}

TEST(UnboundedSlab, FreshSlabHoldsNothing) {
  const bool counted = test::aligned_new_is_counted();  // false under valgrind
  const std::size_t news = test::aligned_news();
  UnboundedSlab slab(config(100, 16));
  const AllocatorStats s = slab.stats();
  EXPECT_EQ(s.slot_size, 128u);
  EXPECT_EQ(s.chunks, 0u);
  EXPECT_EQ(s.capacity, 0u);
  EXPECT_EQ(s.bytes_reserved, 0u);
  EXPECT_EQ(s.live_blocks, 0u);
  EXPECT_TRUE(s.is_slab);
  EXPECT_FALSE(slab.full());
  EXPECT_EQ(slab.max_block(), 128u);
  if (counted) {
    EXPECT_EQ(test::aligned_news(), news);
  }
}

TEST(UnboundedSlab, RejectsZeroSlotsPerChunk) {
  EXPECT_THROW(UnboundedSlab(config(64, 0)), std::invalid_argument);
}

TEST(UnboundedSlab, ReserveChunksAllocatesUpFrontAndNoMore) {
  if (!test::aligned_new_is_counted()) {
    GTEST_SKIP() << "operator new is replaced by the tool running this test (e.g. valgrind)";
  }
  const std::size_t news = test::aligned_news();
  UnboundedSlab slab(config(64, 8, 3));
  EXPECT_EQ(test::aligned_news(), news + 3);
  EXPECT_EQ(slab.stats().chunks, 3u);
  EXPECT_EQ(slab.stats().capacity, 24u);
  EXPECT_EQ(slab.stats().bytes_reserved, 3 * UnboundedSlab::geometry(config(64, 8)).chunk_bytes);
  std::vector<void*> blocks;
  for (int i = 0; i < 24; ++i) blocks.push_back(slab.allocate(64));
  EXPECT_EQ(test::aligned_news(), news + 3) << "grew although reserved slots were free";
  EXPECT_EQ(slab.stats().chunks, 3u);
  blocks.push_back(slab.allocate(64));  // the 25th slot needs a fourth chunk
  EXPECT_EQ(test::aligned_news(), news + 4);
  EXPECT_EQ(slab.stats().chunks, 4u);
  for (void* p : blocks) slab.deallocate(p, 64);
}

TEST(UnboundedSlab, StatsFollowOperations) {
  UnboundedSlab slab(config(256, 4));
  void* a = slab.allocate(10);
  void* b = slab.allocate(200);
  EXPECT_EQ(slab.stats().live_blocks, 2u);
  EXPECT_EQ(slab.stats().bytes_requested, 210u);
  EXPECT_EQ(slab.stats().chunks, 1u);
  EXPECT_EQ(slab.free_slots(), 2u);
  slab.deallocate(a, 10);
  EXPECT_EQ(slab.stats().live_blocks, 1u);
  EXPECT_EQ(slab.stats().bytes_requested, 200u);
  slab.deallocate(b, 200);
  EXPECT_EQ(slab.stats().live_blocks, 0u);
  EXPECT_EQ(slab.stats().bytes_requested, 0u);
  EXPECT_EQ(slab.free_slots(), 4u);
}

TEST(UnboundedSlab, GrowsAcrossFiftyChunksWithoutMovingAnything) {
  constexpr std::size_t kPerChunk = 8;
  constexpr std::size_t kChunks = 50;
  constexpr std::size_t kSlot = 192;
  UnboundedSlab slab(config(kSlot, kPerChunk));
  std::vector<unsigned char*> blocks;
  std::set<std::uintptr_t> distinct;
  for (std::size_t i = 0; i < kPerChunk * kChunks; ++i) {
    auto* p = static_cast<unsigned char*>(slab.allocate(kSlot));
    ASSERT_NE(p, nullptr);
    EXPECT_EQ(addr(p) % kSlotAlign, 0u);
    EXPECT_TRUE(slab.owns(p));
    EXPECT_TRUE(distinct.insert(addr(p)).second) << "slot handed out twice";
    std::memset(p, pattern(i), kSlot);
    blocks.push_back(p);
  }
  EXPECT_EQ(slab.stats().chunks, kChunks);
  EXPECT_EQ(slab.stats().capacity, kPerChunk * kChunks);
  EXPECT_EQ(slab.stats().live_blocks, kPerChunk * kChunks);
  EXPECT_EQ(slab.stats().bytes_requested, kPerChunk * kChunks * kSlot);
  EXPECT_EQ(slab.free_slots(), 0u);
  for (std::size_t i = 0; i < blocks.size(); ++i) {
    for (std::size_t j = 0; j < kSlot; ++j) {
      ASSERT_EQ(blocks[i][j], pattern(i)) << "block " << i << " changed at byte " << j;
    }
  }
  for (unsigned char* p : blocks) slab.deallocate(p, kSlot);
  EXPECT_EQ(slab.stats().live_blocks, 0u);
  EXPECT_EQ(slab.free_slots(), kPerChunk * kChunks);
}

TEST(UnboundedSlab, FreesIntoTheOwningChunkAcrossManyChunks) {
  const bool counted = test::aligned_new_is_counted();  // false under valgrind
  constexpr std::size_t kPerChunk = 4;
  constexpr std::size_t kChunks = 20;
  UnboundedSlab slab(config(64, kPerChunk));
  std::vector<void*> blocks;
  for (std::size_t i = 0; i < kPerChunk * kChunks; ++i) blocks.push_back(slab.allocate(64));
  const std::size_t news = test::aligned_news();
  // Free one slot in every other chunk, scattered, then take them all back: they must be the
  // same slots (each went back to its own chunk) and no chunk may be added.
  std::set<void*> freed;
  for (std::size_t chunk = 0; chunk < kChunks; chunk += 2) {
    void* p = blocks[chunk * kPerChunk + chunk % kPerChunk];
    slab.deallocate(p, 64);
    freed.insert(p);
  }
  EXPECT_EQ(slab.free_slots(), freed.size());
  std::set<void*> reused;
  for (std::size_t i = 0; i < freed.size(); ++i) reused.insert(slab.allocate(64));
  EXPECT_EQ(reused, freed);
  if (counted) {
    EXPECT_EQ(test::aligned_news(), news);
  }
  EXPECT_EQ(slab.stats().chunks, kChunks);
  for (void* p : blocks) slab.deallocate(p, 64);
  EXPECT_EQ(slab.free_slots(), kPerChunk * kChunks);
}

TEST(UnboundedSlab, ReusesMostRecentlyFreedFirstAcrossChunks) {
  UnboundedSlab slab(config(64, 4));
  std::vector<void*> blocks;
  for (int i = 0; i < 24; ++i) blocks.push_back(slab.allocate(64));
  void* a = blocks[1];   // first chunk
  void* b = blocks[21];  // sixth chunk
  slab.deallocate(a, 64);
  slab.deallocate(b, 64);
  EXPECT_EQ(slab.allocate(64), b);
  EXPECT_EQ(slab.allocate(64), a);
  // The other way round too, so the order is not an accident of chunk order.
  slab.deallocate(b, 64);
  slab.deallocate(a, 64);
  EXPECT_EQ(slab.allocate(64), a);
  EXPECT_EQ(slab.allocate(64), b);
  for (void* p : blocks) slab.deallocate(p, 64);
}

TEST(UnboundedSlab, OversizedRequestIsRefusedWithoutGrowing) {
  UnboundedSlab slab(config(128, 4));
  EXPECT_EQ(slab.allocate(129), nullptr);
  EXPECT_EQ(slab.allocate(SIZE_MAX), nullptr);
  EXPECT_EQ(slab.stats().chunks, 0u);
  EXPECT_EQ(slab.stats().live_blocks, 0u);
  void* p = slab.allocate(128);
  EXPECT_NE(p, nullptr);
  slab.deallocate(p, 128);
}

TEST(UnboundedSlab, OwnsOnlyItsOwnSlots) {
  UnboundedSlab slab(config(64, 4));
  UnboundedSlab other(config(64, 4));
  void* p = slab.allocate(64);
  void* q = other.allocate(64);
  int local = 0;
  EXPECT_TRUE(slab.owns(p));
  EXPECT_FALSE(slab.owns(q));
  EXPECT_FALSE(slab.owns(&local));
  EXPECT_FALSE(slab.owns(static_cast<char*>(p) - 1));  // the chunk header
  EXPECT_TRUE(other.owns(q));
  other.deallocate(q, 64);
  slab.deallocate(p, 64);
}

TEST(UnboundedSlab, ReleasesEveryChunkAtDestruction) {
  if (!test::aligned_new_is_counted()) {
    GTEST_SKIP() << "operator new is replaced by the tool running this test (e.g. valgrind)";
  }
  const std::size_t news = test::aligned_news();
  const std::size_t deletes = test::aligned_deletes();
  {
    UnboundedSlab slab(config(64, 16, 2));
    std::vector<void*> blocks;
    for (int i = 0; i < 16 * 7; ++i) blocks.push_back(slab.allocate(64));
    EXPECT_EQ(slab.stats().chunks, 7u);
    EXPECT_EQ(test::aligned_news(), news + 7);
    // Destroyed with live blocks on purpose: the slab owns the memory, not the blocks.
    for (std::size_t i = 0; i < blocks.size(); i += 2) slab.deallocate(blocks[i], 64);
  }
  EXPECT_EQ(test::aligned_deletes(), deletes + 7);
}

TEST(UnboundedSlab, ChunkGeometryIsAPowerOfTwoAlignment) {
  const auto g = UnboundedSlab::geometry(config(256, 256));
  EXPECT_EQ(g.slot_size, 256u);
  EXPECT_GE(g.chunk_align, g.chunk_bytes);
  EXPECT_EQ(g.chunk_align & (g.chunk_align - 1), 0u);
  EXPECT_GE(g.chunk_bytes, 256u * 256u + 64u);
}

// The invariant checks (debug and sanitizer builds) and ASan poisoning: test_slabs.cpp.

}  // namespace
}  // namespace allocbench
