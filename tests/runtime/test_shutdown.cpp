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

// The runtime keeps a shutdown list only of tasks that suspended (queued ones are found through
// the ready queue). A task suspended on an awaiter the runtime knows nothing about is on it too.
TEST(Shutdown, ATaskSuspendedOnAForeignAwaiterIsDestroyedAtShutdown) {
  Counts c;
  {
    Runtime rt(small_config(4));
    auto stuck = [](Tracker t) -> Task<void> {
      (void)t;
      co_await std::suspend_always{};  // nobody will ever resume this
    };
    rt.spawn_slab([&] { return stuck(Tracker(c)); }).detach();
    rt.spawn(stuck(Tracker(c))).detach();
    rt.run_until_idle();
    EXPECT_EQ(rt.live_tasks(), 2u);
    EXPECT_EQ(c.alive(), 2);
  }
  EXPECT_EQ(c.alive(), 0);
}

// What a frame's destructor does while the runtime shuts down: spawn a task, wake a parked one,
// cancel another and drop a handle. Each of those tasks is destroyed exactly once, none runs.
struct OnDestroy {
  Runtime* rt;
  Counts* c;
  std::optional<Waker>* waker;
  JoinHandle<int>* victim;
  int* ran;
  bool armed = true;
  OnDestroy(Runtime* r, Counts* cs, std::optional<Waker>* w, JoinHandle<int>* v, int* n)
      : rt(r), c(cs), waker(w), victim(v), ran(n) {}
  OnDestroy(OnDestroy&& o) noexcept
      : rt(o.rt), c(o.c), waker(o.waker), victim(o.victim), ran(o.ran) {
    o.armed = false;
  }
  ~OnDestroy() {
    if (!armed) return;
    auto body = [](Tracker t, int* ran) -> Task<int> {
      (void)t;
      ++*ran;
      co_return 1;
    };
    rt->spawn_slab([&] { return body(Tracker(*c), ran); }).detach();
    rt->spawn(body(Tracker(*c), ran)).detach();
    if (waker->has_value()) std::move(**waker).wake();
    waker->reset();
    victim->cancel();
    *victim = JoinHandle<int>();
  }
};

// The frame owns `d` (a parameter): its destructor runs whether or not the task ever ran.
Task<void> holds(OnDestroy d, Tracker t) {
  (void)d;
  (void)t;
  co_await yield_now();
  co_await yield_now();
}

TEST(Shutdown, DestructorsRunByShutdownMaySpawnWakeAndCancel) {
  for (const bool holder_ran : {false, true}) {
    Counts c;
    int ran = 0;
    std::optional<Waker> w;
    JoinHandle<int> victim;
    {
      Runtime rt(small_config(16));
      auto make_holder = [&] { return holds(OnDestroy(&rt, &c, &w, &victim, &ran), Tracker(c)); };
      auto parked = rt.spawn_slab([&] { return parks(Tracker(c), &w); });
      victim = rt.spawn_slab([&] { return yields(Tracker(c), 50); });
      if (holder_ran) rt.spawn_slab(make_holder).detach();
      rt.run_one();                  // parks `parked`
      rt.run_one();                  // victim yields
      if (holder_ran) rt.run_one();  // the holder yields: queued again, never on the list
      if (!holder_ran) rt.spawn(make_holder()).detach();  // queued, never run
      ASSERT_TRUE(w.has_value());
      (void)parked;
    }
    EXPECT_EQ(c.alive(), 0) << "holder_ran=" << holder_ran;
    EXPECT_EQ(ran, 0) << "a task spawned during shutdown is destroyed, never run";
    EXPECT_FALSE(w.has_value());
    EXPECT_FALSE(victim.valid());
  }
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
