// AddressSanitizer builds only: the memory of a task's frame, once the runtime has freed the
// task, must be reported when touched. For the slabs that is the poisoning in slab_guard.hpp
// ("use-after-poison"); for the system backend it is ASan's own heap ("heap-use-after-free").
#include <gtest/gtest.h>

#include "runtime/runtime.hpp"

namespace allocbench {
namespace {

Task<int> trivial(int x) {
  co_return x;
}

// Spawns a task into a claimed block, runs it, frees it, and returns where its frame was.
volatile char* freed_frame(Runtime& rt) {
  SlabClaim claim = rt.claim_slab();
  auto* where = static_cast<volatile char*>(claim.address());
  auto h = claim.spawn([] { return trivial(5); });
  rt.run_until_idle();
  EXPECT_EQ(h.result(), 5);
  h.detach();  // the task is finished: its frame goes now
  EXPECT_EQ(rt.backend().stats().live_blocks, 0u);
  return where;
}

TEST(SlabPoison, WritingAFreedTaskFrameIsReported) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  Runtime rt;
  volatile char* p = freed_frame(rt);
  EXPECT_DEATH(p[8] = 1, "use-after-poison|heap-use-after-free");
}

TEST(SlabPoison, ReadingAFreedTaskFrameIsReported) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  Runtime rt;
  volatile char* p = freed_frame(rt);
  EXPECT_DEATH((void)p[40], "use-after-poison|heap-use-after-free");
}

TEST(SlabPoison, ALiveFrameIsNotReported) {
  // The control: the same access while the task is alive is fine (the death tests above are
  // about the free, not about the address).
  Runtime rt;
  SlabClaim claim = rt.claim_slab();
  auto* where = static_cast<volatile char*>(claim.address());
  auto h = claim.spawn([] { return trivial(6); });
  const char before = where[0];
  where[0] = before;
  rt.run_until_idle();
  EXPECT_EQ(h.result(), 6);
}

}  // namespace
}  // namespace allocbench
