// The slabs' invariant checks (debug and sanitizer builds: a double free, an interior or a
// foreign pointer aborts naming it) and AddressSanitizer's view of free slots; what both slabs
// promise is one typed suite. Their other tests are in test_bounded_slab.cpp /
// test_unbounded_slab.cpp.
#include <gtest/gtest.h>

#include <cstddef>
#include <string>
#include <vector>

#include "allocators/bounded_slab.hpp"
#include "allocators/slab_guard.hpp"
#include "allocators/unbounded_slab.hpp"

namespace allocbench {
namespace {

// A slab of `slots` slots of `slot_size` bytes: the bounded slab's capacity, the unbounded
// slab's chunk size (so `slots` + 1 blocks reach a second chunk).
template <class Slab>
BackendConfig config(std::size_t slot_size, std::size_t slots) {
  BackendConfig c;
  c.slot_size = slot_size;
  if constexpr (Slab::kHasCapacity) {
    c.capacity = slots;
  } else {
    c.slots_per_chunk = slots;
  }
  return c;
}

// How many blocks a test can hold: all of a bounded slab; three chunks' worth of an unbounded
// one, so a freed block lies in a later chunk than the first.
template <class Slab>
constexpr std::size_t kMostBlocks = Slab::kHasCapacity ? 4 : 9;

using Slabs = ::testing::Types<BoundedSlab, UnboundedSlab>;
struct SlabNames {
  template <class T>
  static std::string GetName(int) {
    return std::string(T::name()) == "bounded" ? "BoundedSlab" : "UnboundedSlab";
  }
};

// --- invariant checks (debug and sanitizer builds) ----------------------------------------

class SlabChecks : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!slab_guard::kChecks) {
      GTEST_SKIP() << "invariant checks are compiled out in NDEBUG builds (hot path kept bare); "
                      "run a Debug or sanitizer build";
    }
    GTEST_FLAG_SET(death_test_style, "threadsafe");
  }
};
template <class Slab>
class SlabDeathTest : public SlabChecks {};
TYPED_TEST_SUITE(SlabDeathTest, Slabs, SlabNames);
// What one slab alone can be handed.
using BoundedSlabDeathTest = SlabChecks;
using UnboundedSlabDeathTest = SlabChecks;

TYPED_TEST(SlabDeathTest, DoubleFreeAborts) {
  TypeParam slab(config<TypeParam>(64, 4));
  std::vector<void*> blocks;
  for (std::size_t i = 0; i < kMostBlocks<TypeParam>; ++i) blocks.push_back(slab.allocate(64));
  void* p = blocks[kMostBlocks<TypeParam> - 3];
  slab.deallocate(p, 64);
  EXPECT_DEATH(slab.deallocate(p, 64), "double free");
}

TYPED_TEST(SlabDeathTest, InteriorPointerAborts) {
  TypeParam slab(config<TypeParam>(128, 4));
  void* p = slab.allocate(128);
  EXPECT_DEATH(slab.deallocate(static_cast<char*>(p) + 64, 128), "not the start of a slot");
  slab.deallocate(p, 128);
}

TEST_F(BoundedSlabDeathTest, ForeignPointerAborts) {
  BoundedSlab slab(config<BoundedSlab>(64, 4));
  alignas(64) static unsigned char foreign[64];
  EXPECT_DEATH(slab.deallocate(foreign, 64), "does not belong to this slab");
}

// The owning chunk is found by masking: a pointer from another slab, or from the stack, must
// still be refused rather than taken for one of this slab's chunks.
TEST_F(UnboundedSlabDeathTest, PointerFromAnotherSlabAborts) {
  UnboundedSlab slab(config<UnboundedSlab>(64, 4));
  UnboundedSlab other(config<UnboundedSlab>(64, 4));
  void* mine = slab.allocate(64);
  void* theirs = other.allocate(64);
  EXPECT_DEATH(slab.deallocate(theirs, 64), "does not belong to this slab");
  slab.deallocate(mine, 64);
  other.deallocate(theirs, 64);
}

TEST_F(UnboundedSlabDeathTest, StackPointerAborts) {
  UnboundedSlab slab(config<UnboundedSlab>(64, 4));
  alignas(64) unsigned char local[64];
  EXPECT_DEATH(slab.deallocate(local, 64), "does not belong to this slab");
}

// --- AddressSanitizer poisoning --------------------------------------------------------------

template <class Slab>
class SlabAsan : public ::testing::Test {};
TYPED_TEST_SUITE(SlabAsan, Slabs, SlabNames);

#if ALLOCBENCH_SLAB_ASAN
TYPED_TEST(SlabAsan, FreeSlotsArePoisonedLiveBytesAreNot) {
  TypeParam slab(config<TypeParam>(128, 4));
  auto* p = static_cast<char*>(slab.allocate(40));
  EXPECT_EQ(__asan_region_is_poisoned(p, 40), nullptr);
  EXPECT_TRUE(__asan_address_is_poisoned(p + 40));  // past the request, inside the slot
  if constexpr (!TypeParam::kHasCapacity) {
    EXPECT_TRUE(__asan_address_is_poisoned(p + 128));  // the next, still free, slot
  }
  slab.deallocate(p, 40);
  EXPECT_TRUE(__asan_address_is_poisoned(p));
}

TYPED_TEST(SlabAsan, UseAfterFreeIsReported) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  TypeParam slab(config<TypeParam>(128, 4));
  auto* p = static_cast<volatile char*>(slab.allocate(128));
  slab.deallocate(const_cast<char*>(p), 128);
  EXPECT_DEATH(p[64] = 1, "use-after-poison");
}
#else
TYPED_TEST(SlabAsan, FreeSlotsArePoisonedLiveBytesAreNot) {
  GTEST_SKIP() << "not an AddressSanitizer build (-DALLOCBENCH_SANITIZE=address)";
}
#endif

}  // namespace
}  // namespace allocbench
