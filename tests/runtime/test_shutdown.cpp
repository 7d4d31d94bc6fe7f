// Destroying a runtime that still has tasks: every frame destroyed once, every slot returned, and
// handles that outlive it are safe. (The Rust original freed the slab before its last tasks.)
#include <optional>

#include "tests/runtime/support.hpp"

namespace allocbench::test {
namespace {

Task<int> yields(Tracker t, int n) {
  (void)t;
  for (int i = 0; i < n; ++i) co_await yield_now();
  co_return n;
}

Task<int> parks(Tracker t, std::optional<Waker>* out) {
  (void)t;
  co_await Runtime::park([out](Waker w) { out->emplace(std::move(w)); });
  co_return 0;
}

TEST(Shutdown, DestroyingARuntimeDestroysEveryTaskItStillHas) {
  Counts c;
  std::optional<Waker> w;
  JoinHandle<int> outlives;
  {
    Runtime rt;
    auto queued = rt.spawn_slab([&] { return yields(Tracker(c), 0); });    // never run
    auto suspended = rt.spawn(yields(Tracker(c), 10));                     // mid-yield
    auto parked = rt.spawn_slab([&] { return parks(Tracker(c), &w); });    // parked
    auto finished = rt.spawn_slab([&] { return yields(Tracker(c), 0); });  // done, unjoined
    rt.spawn_slab([&] { return yields(Tracker(c), 100); }).detach();       // detached
    rt.run_one();
    rt.run_one();
    rt.run_one();
    rt.run_one();
    (void)queued;
    (void)suspended;
    (void)finished;
    outlives = std::move(parked);
    w.reset();  // the local Waker goes before the runtime, as the contract asks
  }
  EXPECT_EQ(c.alive(), 0) << "every frame was destroyed exactly once";
  EXPECT_EQ(c.destroyed, c.made);
  EXPECT_TRUE(outlives.is_finished());
  EXPECT_THROW(outlives.result(), RuntimeGone);
}  // `outlives` is destroyed here, after its runtime: must be harmless

TEST(Shutdown, FrameDestructorsThatTouchTheRuntimeAreSafe) {
  Counts c;
  {
    Runtime rt;
    // A task holding another task's handle: destroying one drops a handle of the other.
    auto holder = [&](JoinHandle<int> other, Tracker t) -> Task<void> {
      (void)t;
      co_await yield_now();
      co_await other;
    };
    auto inner = rt.spawn_slab([&] { return yields(Tracker(c), 5); });
    rt.spawn(holder(std::move(inner), Tracker(c))).detach();
    rt.run_one();
  }
  EXPECT_EQ(c.alive(), 0);
}

TEST(Shutdown, AClaimOutlivingItsRuntimeIsALoudError) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_DEATH(
      {
        auto* rt = new Runtime();
        auto* leaked = new SlabClaim(rt->claim_slab());
        (void)leaked;
        delete rt;
      },
      "outlived their Runtime");
}

}  // namespace
}  // namespace allocbench::test
