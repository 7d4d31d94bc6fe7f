// Cancellation: at every state a task can be in, the frame goes exactly once and the awaiter
// sees TaskCancelled.
#include <optional>
#include <vector>

#include "tests/runtime/support.hpp"

namespace allocbench::test {
namespace {

Task<int> yields_then_returns(Tracker t, int yields) {
  (void)t;
  for (int i = 0; i < yields; ++i) co_await yield_now();
  co_return 1;
}

Task<void> parks_forever(Tracker t, std::optional<Waker>* out) {
  (void)t;
  co_await Runtime::park([out](Waker w) { out->emplace(std::move(w)); });
}

TEST(Cancel, AQueuedTaskIsDestroyedWithoutRunning) {
  Counts c;
  Runtime rt;
  auto h = rt.spawn_slab([&] { return yields_then_returns(Tracker(c), 0); });
  EXPECT_EQ(c.alive(), 1);
  h.cancel();
  EXPECT_EQ(c.alive(), 0) << "frame destroyed at cancel";
  EXPECT_TRUE(h.is_finished());
  EXPECT_TRUE(h.is_cancelled());
  EXPECT_THROW(h.result(), TaskCancelled);
  EXPECT_EQ(rt.ready_tasks(), 0u);
  EXPECT_EQ(rt.live_tasks(), 0u);
  EXPECT_EQ(rt.backend().stats().live_blocks, 0u);
  EXPECT_EQ(rt.run_until_idle(), 0u);
}

TEST(Cancel, ATaskSuspendedAtAYieldIsDestroyedThere) {
  Counts c;
  Runtime rt;
  auto h = rt.spawn(yields_then_returns(Tracker(c), 5));
  rt.run_one();
  rt.run_one();
  h.cancel();
  EXPECT_EQ(c.alive(), 0);
  EXPECT_EQ(rt.live_tasks(), 0u);
  EXPECT_EQ(rt.run_until_idle(), 0u);
}

TEST(Cancel, TheAwaiterSeesTaskCancelled) {
  Counts c;
  Runtime rt;
  std::optional<Waker> waker;
  auto victim = rt.spawn(parks_forever(Tracker(c), &waker));
  auto watcher = [&]() -> Task<bool> {
    try {
      co_await victim;
    } catch (const TaskCancelled&) {
      co_return true;
    }
    co_return false;
  };
  auto killer = [&]() -> Task<void> {
    co_await yield_now();
    victim.cancel();
  };
  auto w = rt.spawn(watcher());
  rt.spawn(killer()).detach();
  rt.run_until_idle();
  ASSERT_TRUE(w.is_finished());
  EXPECT_TRUE(w.result());
  // The frame is destroyed at cancel; its block waits for the Waker that still names it.
  EXPECT_EQ(c.alive(), 0);
  EXPECT_EQ(rt.outstanding_wakers(), 1u);
  waker.reset();
  EXPECT_EQ(rt.outstanding_wakers(), 0u);
  EXPECT_EQ(rt.live_tasks(), 1u) << "only the finished watcher, kept by its handle";
}

TEST(Cancel, CancellingAFinishedTaskKeepsItsResult) {
  Counts c;
  Runtime rt;
  auto h = rt.spawn(yields_then_returns(Tracker(c), 0));
  rt.run_until_idle();
  h.cancel();
  EXPECT_FALSE(h.is_cancelled());
  EXPECT_EQ(h.result(), 1);
}

TEST(Cancel, ATaskAwaitingAnotherCanBeCancelled) {
  Counts c;
  Runtime rt;
  auto slow = rt.spawn(yields_then_returns(Tracker(c), 3));
  auto waiter = [&]() -> Task<int> { co_return co_await slow; };
  auto w = rt.spawn(waiter());
  rt.run_one();  // slow yields
  rt.run_one();  // waiter suspends on slow
  w.cancel();
  EXPECT_TRUE(w.is_cancelled());
  rt.run_until_idle();  // slow finishes with nobody to wake: no dangling waiter
  EXPECT_TRUE(slow.is_finished());
  EXPECT_EQ(slow.result(), 1);
  slow.detach();
  EXPECT_EQ(c.alive(), 0);
  EXPECT_EQ(rt.live_tasks(), 0u);
}

TEST(Cancel, ATaskCancellingItselfStopsAtItsNextSuspension) {
  Counts c;
  Runtime rt;
  JoinHandle<void> self;
  int after = 0;
  auto body = [&](Tracker t) -> Task<void> {
    (void)t;
    self.cancel();  // running: takes effect when it suspends
    co_await yield_now();
    ++after;
  };
  self = rt.spawn(body(Tracker(c)));
  rt.run_until_idle();
  EXPECT_EQ(after, 0);
  EXPECT_TRUE(self.is_cancelled());
  EXPECT_EQ(c.alive(), 0);
}

// A cancel that arrives while the task runs takes effect at its next suspension; a task that
// finishes first was never stopped, so it keeps its result (and its frame until the handle goes).
TEST(Cancel, ATaskCancellingItselfThenFinishingKeepsItsResult) {
  Counts c;
  Runtime rt;
  JoinHandle<int> self;
  auto body = [&](Tracker t) -> Task<int> {
    (void)t;
    self.cancel();
    co_return 7;
  };
  self = rt.spawn_slab([&] { return body(Tracker(c)); });
  rt.run_until_idle();
  EXPECT_FALSE(self.is_cancelled());
  ASSERT_TRUE(self.is_finished());
  EXPECT_EQ(self.result(), 7);
  EXPECT_EQ(rt.live_tasks(), 1u) << "the frame stays while its handle may look";
  self = JoinHandle<int>();
  EXPECT_EQ(c.alive(), 0);
  EXPECT_EQ(rt.live_tasks(), 0u);
  EXPECT_EQ(rt.backend().stats().live_blocks, 0u);
}

// Tasks that suspended are on the runtime's shutdown list; cancelling, waking and finishing them
// in every order must keep that list whole (ASan sees a broken link as a use after free).
TEST(Cancel, SuspendedTasksLeaveTheShutdownListInAnyOrder) {
  Counts c;
  Runtime rt(small_config(64));
  constexpr int kTasks = 12;
  std::vector<std::optional<Waker>> wakers(kTasks);
  std::vector<JoinHandle<void>> handles;
  for (int i = 0; i < kTasks; ++i) {
    handles.push_back(rt.spawn_slab([&, i] { return parks_forever(Tracker(c), &wakers[i]); }));
  }
  rt.run_until_idle();
  ASSERT_EQ(rt.live_tasks(), static_cast<std::size_t>(kTasks));
  // Middle, head, tail, then the rest: some cancelled, some woken to finish, some detached first.
  const int order[kTasks] = {5, 11, 0, 6, 1, 10, 2, 9, 3, 8, 4, 7};
  for (int k = 0; k < kTasks; ++k) {
    const int i = order[k];
    switch (k % 3) {
      case 0:
        handles[i].cancel();
        wakers[i].reset();  // a stale Waker dropped after the cancel
        break;
      case 1:
        std::move(*wakers[i]).wake();
        wakers[i].reset();
        rt.run_until_idle();
        EXPECT_TRUE(handles[i].is_finished());
        handles[i] = JoinHandle<void>();  // finished with a handle: freed when it goes
        break;
      case 2:
        handles[i].detach();
        std::move(*wakers[i]).wake();
        wakers[i].reset();
        rt.run_until_idle();
        break;
    }
    EXPECT_EQ(c.alive(), kTasks - k - 1) << "after step " << k;
  }
  handles.clear();
  EXPECT_EQ(rt.live_tasks(), 0u);
  EXPECT_EQ(rt.backend().stats().live_blocks, 0u);
}

}  // namespace
}  // namespace allocbench::test
