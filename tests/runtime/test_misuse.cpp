// Misuse of the public API, written the way a careless or hostile user would: re-entering the
// runtime from a task, mixing runtimes, reusing a Task, handles inside their own task, second
// reads of a result, calls from the wrong thread. Each must be a clear error, never a crash.
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>

#include "tests/runtime/support.hpp"

namespace allocbench::test {
namespace {

Task<int> value(int v) {
  co_return v;
}

Task<int> after_yield(int v) {
  co_await yield_now();
  co_return v;
}

// Regression (heap-use-after-free): run_until_idle() inside a park callback ran the parked task
// to completion and freed it inside its own await_suspend.
TEST(Misuse, RunUntilIdleInsideAParkCallbackIsRefused) {
  Runtime rt;
  bool refused = false;
  auto body = [&]() -> Task<void> {
    try {
      co_await Runtime::park([&](Waker w) {
        std::move(w).wake();
        rt.run_until_idle();
      });
    } catch (const std::logic_error&) {
      refused = true;
    }
  };
  rt.spawn(body()).detach();
  rt.run_until_idle();
  EXPECT_TRUE(refused);
  EXPECT_EQ(rt.live_tasks(), 0u);
}

TEST(Misuse, RunOneOrRunUntilIdleInsideATaskIsRefused) {
  Runtime rt;
  int refused = 0;
  auto other = rt.spawn(after_yield(1));
  auto body = [&]() -> Task<void> {
    try {
      rt.run_one();
    } catch (const std::logic_error&) {
      ++refused;
    }
    try {
      rt.run_until_idle();
    } catch (const std::logic_error&) {
      ++refused;
    }
    co_return;
  };
  auto h = rt.spawn(body());
  rt.run_until_idle();
  EXPECT_EQ(refused, 2);
  EXPECT_TRUE(h.is_finished());
  EXPECT_EQ(other.result(), 1);
}

// Another runtime's loop, run from inside a task, is refused too (a task of the inner loop could
// await the outer one's tasks).
TEST(Misuse, RunningAnotherRuntimeInsideATaskIsRefused) {
  Runtime outer;
  Runtime inner;
  bool refused = false;
  auto body = [&]() -> Task<void> {
    try {
      inner.run_until_idle();
    } catch (const std::logic_error&) {
      refused = true;
    }
    co_return;
  };
  outer.block_on(body());
  EXPECT_TRUE(refused);
}

// Regression (both runtimes' task lists corrupted, use-after-free in ~Runtime).
TEST(Misuse, AwaitingAJoinHandleOfAnotherRuntimeIsRefused) {
  Runtime a;
  Runtime b;
  auto pending = b.spawn(after_yield(7));
  auto done = b.spawn(value(8));
  b.run_one();  // `done` has not run yet: pending yielded once
  b.run_one();
  ASSERT_TRUE(done.is_finished());
  int refused = 0;
  auto body = [&]() -> Task<void> {
    try {
      (void)co_await pending;
    } catch (const std::logic_error&) {
      ++refused;
    }
    try {
      (void)co_await done;  // finished: still another runtime's task
    } catch (const std::logic_error&) {
      ++refused;
    }
  };
  a.block_on(body());
  EXPECT_EQ(refused, 2);
  b.run_until_idle();
  EXPECT_EQ(pending.result(), 7);
  EXPECT_EQ(done.result(), 8);
}

// Regression (jump to address 0): a Task awaited to completion, then spawned or awaited again.
TEST(Misuse, ATaskAwaitedOnceCannotBeSpawnedOrAwaitedAgain) {
  Runtime rt;
  std::optional<Task<int>> kept;
  int refused = 0;
  auto body = [&]() -> Task<int> {
    Task<int> t = value(4);
    int v = co_await std::move(t);
    try {
      v += co_await std::move(t);
    } catch (const std::logic_error&) {
      ++refused;
    }
    kept.emplace(std::move(t));
    co_return v;
  };
  EXPECT_EQ(rt.block_on(body()), 4);
  EXPECT_EQ(refused, 1);
  EXPECT_THROW((void)rt.spawn(std::move(*kept)), std::logic_error);
  EXPECT_EQ(rt.live_tasks(), 0u);
}

TEST(Misuse, AnEmptyTaskCannotBeAwaited) {
  Runtime rt;
  bool refused = false;
  auto body = [&]() -> Task<void> {
    Task<int> empty;
    try {
      (void)co_await std::move(empty);
    } catch (const std::logic_error&) {
      refused = true;
    }
  };
  rt.block_on(body());
  EXPECT_TRUE(refused);
}

// Regression (double destroy): a JoinHandle kept in its own task's frame (here in a parameter,
// which lives until the frame goes) and detached after the task finished.
TEST(Misuse, DetachingAHandleThatLivesInItsOwnFrame) {
  Counts c;
  Runtime rt(small_config());
  struct Holder {
    JoinHandle<void> self;
  };
  Holder* where = nullptr;
  auto body = [&](Tracker tr, Holder h) -> Task<void> {
    (void)tr;
    where = &h;
    co_await yield_now();
  };
  auto h = rt.spawn_slab([&] { return body(Tracker(c), Holder{}); });
  rt.run_one();  // runs to its yield: `where` points into the frame
  ASSERT_NE(where, nullptr);
  where->self = std::move(h);
  rt.run_until_idle();  // finished; the frame stays for its (self-held) handle
  EXPECT_EQ(c.alive(), 1);
  EXPECT_TRUE(where->self.is_finished());
  where->self.detach();  // frees the frame, whose parameter is that very handle
  EXPECT_EQ(c.alive(), 0);
  EXPECT_EQ(rt.live_tasks(), 0u);
  EXPECT_EQ(rt.backend().stats().live_blocks, 0u);
}

TEST(Misuse, ASecondResultOrAwaitIsALogicError) {
  Runtime rt;
  auto h = rt.spawn(value(3));
  rt.run_until_idle();
  EXPECT_EQ(h.result(), 3);
  EXPECT_THROW((void)h.result(), std::logic_error);
  auto j = rt.spawn(value(5));
  int got = 0;
  bool refused = false;
  auto body = [&]() -> Task<void> {
    got = co_await j;
    try {
      (void)co_await j;
    } catch (const std::logic_error&) {
      refused = true;
    }
  };
  rt.block_on(body());
  EXPECT_EQ(got, 5);
  EXPECT_TRUE(refused);
}

TEST(Misuse, AnExceptionWhoseHandleIsDroppedUnreadIsCounted) {
  Runtime rt;
  auto thrower = []() -> Task<int> {
    throw std::runtime_error("nobody reads this");
    co_return 0;
  };
  {
    auto h = rt.spawn(thrower());
    rt.run_until_idle();
    EXPECT_TRUE(h.is_finished());
  }  // dropped without result()
  EXPECT_EQ(rt.unobserved_exceptions(), 1u);
  auto read = rt.spawn(thrower());
  rt.run_until_idle();
  EXPECT_THROW((void)read.result(), std::runtime_error);
  read.detach();
  EXPECT_EQ(rt.unobserved_exceptions(), 1u) << "a read exception is observed";
}

// A Runtime belongs to the thread that built it. block_on, run_until_idle, run_one, claims and
// spawns are checked in every build.
TEST(Misuse, AnotherThreadCannotDriveTheRuntime) {
  Runtime rt(small_config());
  int refused = 0;
  std::thread([&] {
    try {
      rt.run_until_idle();
    } catch (const std::logic_error&) {
      ++refused;
    }
    try {
      rt.run_one();
    } catch (const std::logic_error&) {
      ++refused;
    }
    try {
      (void)rt.block_on(value(1));
    } catch (const std::logic_error&) {
      ++refused;
    }
    try {
      (void)rt.claim_slab();
    } catch (const std::logic_error&) {
      ++refused;
    }
    try {
      (void)rt.spawn_slab([] { return value(2); });
    } catch (const std::logic_error&) {
      ++refused;
    }
    try {
      (void)rt.spawn(value(2));
    } catch (const std::logic_error&) {
      ++refused;
    }
  }).join();
  EXPECT_EQ(refused, 6);
  EXPECT_EQ(rt.live_tasks(), 0u);
  EXPECT_EQ(rt.backend().stats().live_blocks, 0u);
}

// A factory that returns outer(inner()) places inner's frame (created first) in the block: the
// message says so instead of blaming the factory for not creating a task.
TEST(Misuse, AFactoryReturningOuterOfInnerIsExplained) {
  Runtime rt(small_config());
  auto outer = [](Task<int> inner) -> Task<int> { co_return co_await std::move(inner); };
  try {
    (void)rt.spawn_slab([&] { return outer(value(1)); });
    FAIL() << "expected a logic_error";
  } catch (const std::logic_error& e) {
    const std::string m = e.what();
    EXPECT_NE(m.find("first"), std::string::npos) << m;
    EXPECT_NE(m.find("outer(inner())"), std::string::npos) << m;
  }
  EXPECT_EQ(rt.backend().stats().live_blocks, 0u);
}

// On a malloc backend there are no slab slots: the errors say what really happened.
TEST(Misuse, ErrorsNameWhatTheBackendReallyIs) {
  Runtime rt(small_config());
  auto c = rt.claim_slab();
  auto big = [](std::uint64_t seed) -> Task<std::uint64_t> {
    volatile char pad[4096] = {};
    pad[seed % 4096] = 1;
    co_await yield_now();
    co_return pad[0] + seed;
  };
  try {
    (void)c.spawn([&] { return big(1); });
    FAIL() << "expected FrameTooLarge";
  } catch (const FrameTooLarge& e) {
    const std::string m = e.what();
    if (TaskBackend::kIsSlab) {
      EXPECT_NE(m.find("slot"), std::string::npos) << m;
    } else {
      EXPECT_EQ(m.find("slab"), std::string::npos) << m;
      EXPECT_NE(m.find("claimed block"), std::string::npos) << m;
    }
  }
  const std::string full = SlabFull::allocation_failed(123).what();
  EXPECT_EQ(full.find("slab"), std::string::npos) << full;
  EXPECT_NE(full.find("123"), std::string::npos) << full;
}

}  // namespace
}  // namespace allocbench::test
