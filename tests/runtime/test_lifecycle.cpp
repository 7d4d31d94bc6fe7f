// Spawning, awaiting, results and exceptions, handle lifetimes, yields.
#include <stdexcept>
#include <vector>

#include "tests/runtime/support.hpp"

namespace allocbench::test {
namespace {

Task<int> answer(int x) {
  co_return x * 2;
}

Task<int> fails(std::string what) {
  throw std::runtime_error(what);
  co_return 0;
}

Task<void> tracked(Tracker t, int* ran) {
  (void)t;
  ++*ran;
  co_return;
}

Task<void> tracked_yielding(Tracker t, int* ran, int yields) {
  (void)t;
  for (int i = 0; i < yields; ++i) co_await yield_now();
  ++*ran;
}

TEST(Lifecycle, BlockOnReturnsTheTaskResult) {
  Runtime rt;
  EXPECT_EQ(rt.block_on(answer(21)), 42);
  EXPECT_EQ(rt.live_tasks(), 0u);
}

TEST(Lifecycle, BlockOnRethrowsTheTaskException) {
  Runtime rt;
  try {
    rt.block_on(fails("boom"));
    FAIL() << "expected an exception";
  } catch (const std::runtime_error& e) {
    EXPECT_STREQ(e.what(), "boom");
  }
  EXPECT_EQ(rt.live_tasks(), 0u);
}

TEST(Lifecycle, AwaitingInlineTasksChainsResults) {
  Runtime rt;
  auto outer = []() -> Task<int> {
    int a = co_await answer(1);
    int b = co_await answer(a);
    co_return a + b;
  };
  EXPECT_EQ(rt.block_on(outer()), 2 + 4);
}

TEST(Lifecycle, AwaitingAJoinHandleYieldsTheResult) {
  Runtime rt;
  auto parent = [&]() -> Task<int> {
    auto h1 = rt.spawn(answer(5));
    auto h2 = rt.spawn_slab([] { return answer(7); });
    int a = co_await h1;
    int b = co_await std::move(h2);
    co_return a + b;
  };
  EXPECT_EQ(rt.block_on(parent()), 24);
  EXPECT_EQ(rt.live_tasks(), 0u);
}

TEST(Lifecycle, AwaitingAJoinHandleRethrows) {
  Runtime rt;
  auto parent = [&]() -> Task<std::string> {
    auto h = rt.spawn(fails("child failed"));
    try {
      co_await h;
    } catch (const std::runtime_error& e) {
      co_return e.what();
    }
    co_return "no exception";
  };
  EXPECT_EQ(rt.block_on(parent()), "child failed");
}

TEST(Lifecycle, TaskFinishesBeforeItsHandleIsDropped) {
  Counts c;
  int ran = 0;
  Runtime rt;
  {
    auto h = rt.spawn_slab([&] { return tracked(Tracker(c), &ran); });
    rt.run_until_idle();
    EXPECT_TRUE(h.is_finished());
    EXPECT_EQ(ran, 1);
    EXPECT_EQ(c.alive(), 1) << "the handle keeps the finished frame, parameters and all";
    EXPECT_EQ(rt.live_tasks(), 1u);
    EXPECT_EQ(rt.backend().stats().live_blocks, 1u);
  }
  EXPECT_EQ(c.alive(), 0);
  EXPECT_EQ(rt.live_tasks(), 0u);
  EXPECT_EQ(rt.backend().stats().live_blocks, 0u);
}

TEST(Lifecycle, HandleDroppedBeforeTheTaskFinishes) {
  Counts c;
  int ran = 0;
  Runtime rt;
  {
    auto h = rt.spawn_slab([&] { return tracked_yielding(Tracker(c), &ran, 3); });
  }
  EXPECT_EQ(rt.live_tasks(), 1u) << "dropping the handle detaches; the task still runs";
  rt.run_until_idle();
  EXPECT_EQ(ran, 1);
  EXPECT_EQ(c.alive(), 0);
  EXPECT_EQ(rt.live_tasks(), 0u);
  EXPECT_EQ(rt.backend().stats().live_blocks, 0u);
}

TEST(Lifecycle, DetachedTasksAreFreedWhenTheyFinish) {
  Counts c;
  int ran = 0;
  Runtime rt;
  auto h = rt.spawn(tracked_yielding(Tracker(c), &ran, 2));
  h.detach();
  EXPECT_FALSE(h.valid());
  EXPECT_THROW(h.result(), std::logic_error);
  rt.run_until_idle();
  EXPECT_EQ(ran, 1);
  EXPECT_EQ(c.alive(), 0);
  EXPECT_EQ(rt.live_tasks(), 0u);
}

TEST(Lifecycle, DetachingAFinishedTaskFreesItNow) {
  Runtime rt;
  auto h = rt.spawn_slab([] { return answer(1); });
  rt.run_until_idle();
  EXPECT_EQ(rt.live_tasks(), 1u);
  h.detach();
  EXPECT_EQ(rt.live_tasks(), 0u);
  EXPECT_EQ(rt.backend().stats().live_blocks, 0u);
}

TEST(Lifecycle, ResultBeforeFinishingIsAnError) {
  Runtime rt;
  auto h = rt.spawn(answer(1));
  EXPECT_FALSE(h.is_finished());
  EXPECT_THROW(h.result(), std::logic_error);
  rt.run_until_idle();
  EXPECT_EQ(h.result(), 2);
}

TEST(Lifecycle, UnobservedExceptionsOfDetachedTasksAreCounted) {
  Runtime rt;
  rt.spawn(fails("nobody listens")).detach();
  rt.spawn(answer(1)).detach();
  rt.run_until_idle();
  EXPECT_EQ(rt.unobserved_exceptions(), 1u);
  EXPECT_EQ(rt.live_tasks(), 0u);
}

TEST(Lifecycle, YieldRunsReadyTasksInFifoOrder) {
  Runtime rt;
  std::vector<int> order;
  auto worker = [&](int id) -> Task<void> {
    for (int i = 0; i < 3; ++i) {
      order.push_back(id);
      co_await yield_now();
    }
  };
  for (int id = 0; id < 3; ++id) rt.spawn(worker(id)).detach();
  rt.run_until_idle();
  EXPECT_EQ(order, (std::vector<int>{0, 1, 2, 0, 1, 2, 0, 1, 2}));
}

TEST(Lifecycle, YieldInsideANestedAwaitResumesTheInnerCoroutine) {
  Runtime rt;
  std::vector<int> order;
  auto inner = [&]() -> Task<int> {
    order.push_back(1);
    co_await yield_now();
    order.push_back(3);
    co_return 7;
  };
  auto outer = [&]() -> Task<int> { co_return co_await inner() + 1; };
  auto other = [&]() -> Task<void> {
    order.push_back(2);
    co_return;
  };
  auto h = rt.spawn(outer());
  rt.spawn(other()).detach();
  rt.run_until_idle();
  EXPECT_EQ(h.result(), 8);
  EXPECT_EQ(order, (std::vector<int>{1, 2, 3}));
}

TEST(Lifecycle, MisuseIsReportedNotUndefined) {
  Runtime rt;
  EXPECT_THROW((void)rt.spawn(Task<int>{}), std::invalid_argument);
  auto nested = [&]() -> Task<void> {
    EXPECT_THROW(rt.block_on(answer(1)), std::logic_error);
    co_return;
  };
  rt.block_on(nested());
  EXPECT_EQ(rt.live_tasks(), 0u);
}

TEST(Lifecycle, AJoinHandleCanBeAwaitedByOneTaskOnly) {
  Runtime rt;
  int ran = 0;
  Counts c;
  auto target = rt.spawn(tracked_yielding(Tracker(c), &ran, 2));
  auto first = [&]() -> Task<void> { co_await target; };
  bool second_refused = false;
  auto second = [&]() -> Task<void> {
    try {
      co_await target;
    } catch (const std::logic_error&) {
      second_refused = true;
    }
  };
  rt.spawn(first()).detach();
  rt.spawn(second()).detach();
  rt.run_until_idle();
  EXPECT_TRUE(second_refused);
  EXPECT_EQ(ran, 1);
  EXPECT_TRUE(target.is_finished());
}

}  // namespace
}  // namespace allocbench::test
