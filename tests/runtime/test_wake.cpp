// Wakers: local and cross-thread wakes, stale and dropped wakers, frames freed on the owner.
#include <atomic>
#include <chrono>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <thread>
#include <vector>

#include "tests/runtime/support.hpp"

namespace allocbench::test {
namespace {

// A mailbox another thread drains: the simplest "send the waker elsewhere".
struct Mailbox {
  std::mutex m;
  std::vector<Waker> wakers;
  void put(Waker w) {
    std::lock_guard g(m);
    wakers.push_back(std::move(w));
  }
  std::vector<Waker> take() {
    std::lock_guard g(m);
    return std::exchange(wakers, {});
  }
};

TEST(Wake, ALocalWakeResumesTheTask) {
  Runtime rt;
  std::optional<Waker> w;
  int stage = 0;
  auto body = [&]() -> Task<void> {
    stage = 1;
    co_await Runtime::park([&](Waker k) { w.emplace(std::move(k)); });
    stage = 2;
  };
  auto h = rt.spawn(body());
  rt.run_until_idle();
  EXPECT_EQ(stage, 1);
  EXPECT_FALSE(h.is_finished());
  std::move(*w).wake();
  rt.run_until_idle();
  EXPECT_EQ(stage, 2);
  EXPECT_TRUE(h.is_finished());
  EXPECT_EQ(rt.outstanding_wakers(), 0u);
}

TEST(Wake, WakingSynchronouslyInsideParkWorks) {
  Runtime rt;
  auto body = []() -> Task<int> {
    co_await Runtime::park([](Waker k) { std::move(k).wake(); });
    co_return 3;
  };
  EXPECT_EQ(rt.block_on(body()), 3);
}

TEST(Wake, ManyTasksWokenFromAnotherThreadAllFinishOnTheOwner) {
  constexpr int kTasks = 2000;
  Runtime rt(small_config(kTasks));
  Mailbox box;
  std::atomic<bool> stop{false};
  const auto owner = std::this_thread::get_id();
  std::atomic<int> wrong_thread{0};
  std::thread waker_thread([&] {
    while (!stop.load()) {
      for (auto& w : box.take()) std::move(w).wake();
      std::this_thread::yield();
    }
  });
  auto one = [&](int i) -> Task<int> {
    co_await Runtime::park([&](Waker k) { box.put(std::move(k)); });
    if (std::this_thread::get_id() != owner) ++wrong_thread;
    co_return i;
  };
  auto all = [&]() -> Task<long> {
    std::vector<JoinHandle<int>> hs;
    for (int i = 0; i < kTasks; ++i) hs.push_back(rt.spawn_slab([&] { return one(i); }));
    long sum = 0;
    for (auto& h : hs) sum += co_await h;
    co_return sum;
  };
  const long sum = rt.block_on(all());
  stop = true;
  waker_thread.join();
  EXPECT_EQ(sum, static_cast<long>(kTasks) * (kTasks - 1) / 2);
  EXPECT_EQ(wrong_thread.load(), 0);
  EXPECT_EQ(rt.live_tasks(), 0u);
  EXPECT_EQ(rt.outstanding_wakers(), 0u);
}

TEST(Wake, AWakerDroppedOnAnotherThreadAfterCancelFreesTheBlockOnTheOwner) {
  Counts c;
  Runtime rt(small_config());
  std::optional<Waker> w;
  auto body = [&](Tracker t) -> Task<void> {
    (void)t;
    co_await Runtime::park([&](Waker k) { w.emplace(std::move(k)); });
  };
  auto h = rt.spawn_slab([&] { return body(Tracker(c)); });
  rt.run_until_idle();
  h.cancel();
  EXPECT_EQ(c.alive(), 0) << "cancel destroys the frame at once";
  EXPECT_EQ(rt.backend().stats().live_blocks, 1u) << "a Waker still names the block";
  std::thread([&] { w.reset(); }).join();
  EXPECT_EQ(rt.backend().stats().live_blocks, 1u) << "only the owner returns blocks";
  rt.run_until_idle();
  EXPECT_EQ(rt.backend().stats().live_blocks, 0u);
}

TEST(Wake, AStaleWakeIsIgnored) {
  Runtime rt;
  std::optional<Waker> first;
  int resumed = 0;
  auto body = [&]() -> Task<void> {
    co_await Runtime::park([&](Waker k) { first.emplace(std::move(k)); });
    ++resumed;
    co_await yield_now();
    ++resumed;
  };
  auto h = rt.spawn(body());
  rt.run_until_idle();
  std::move(*first).wake();
  std::move(*first).wake();  // consumed: a no-op
  rt.run_until_idle();
  EXPECT_EQ(resumed, 2);
  EXPECT_TRUE(h.is_finished());
}

TEST(Wake, BlockOnReportsATaskThatCanNeverFinish) {
  Runtime rt;
  auto body = []() -> Task<void> { co_await Runtime::park([](Waker) { /* dropped */ }); };
  EXPECT_THROW(rt.block_on(body()), std::logic_error);
}

TEST(Wake, BlockOnSleepsUntilAnotherThreadWakes) {
  Runtime rt;
  std::thread t;
  auto body = [&]() -> Task<int> {
    co_await Runtime::park([&](Waker k) {
      t = std::thread([k = std::move(k)]() mutable {
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
        std::move(k).wake();
      });
    });
    co_return 9;
  };
  EXPECT_EQ(rt.block_on(body()), 9);
  t.join();
}

// Parks, hands the Waker to `put`, then throws from the park callback (a supported path): the
// task runs on, and the Waker it handed out is one of a park that is over.
template <class Put>
Task<void> hand_out_and_throw(Put put) {
  try {
    co_await Runtime::park([&put](Waker k) {
      put(std::move(k));
      throw std::runtime_error("not now");
    });
  } catch (const std::runtime_error&) {
  }
}

// Regression (a wake was lost): a park whose callback throws hands out a Waker of an older
// generation; waking the newer Waker and then the older one from another thread merged into one
// queue entry whose generation went backwards, and the task was never resumed.
TEST(Wake, AnOlderWakerWokenAfterANewerOneDoesNotLoseTheWake) {
  Deadline d("AnOlderWakerWokenAfterANewerOneDoesNotLoseTheWake", 20);
  Runtime rt;
  std::optional<Waker> older, newer;
  auto body = [&]() -> Task<int> {
    co_await hand_out_and_throw([&](Waker k) { older.emplace(std::move(k)); });
    co_await Runtime::park([&](Waker k) { newer.emplace(std::move(k)); });
    co_return 5;
  };
  auto h = rt.spawn(body());
  rt.run_until_idle();
  ASSERT_TRUE(older && newer);
  std::thread([&] {
    std::move(*newer).wake();
    std::move(*older).wake();
  }).join();
  rt.run_until_idle();
  ASSERT_TRUE(h.is_finished()) << "the newer Waker's wake was lost";
  EXPECT_EQ(h.result(), 5);
}

// The same race with four threads each waking a Waker of a different generation at once.
TEST(Wake, FourThreadsWakingOneTaskAtOnceNeverLoseTheWake) {
  Deadline d("FourThreadsWakingOneTaskAtOnceNeverLoseTheWake", 60);
  constexpr int kRounds = 200;
  constexpr int kThreads = 4;
  for (int round = 0; round < kRounds; ++round) {
    Runtime rt;
    std::vector<Waker> wakers;
    auto body = [&]() -> Task<void> {
      for (int i = 0; i + 1 < kThreads; ++i) {
        co_await hand_out_and_throw([&](Waker k) { wakers.push_back(std::move(k)); });
      }
      co_await Runtime::park([&](Waker k) { wakers.push_back(std::move(k)); });
    };
    auto h = rt.spawn(body());
    rt.run_until_idle();
    ASSERT_EQ(wakers.size(), static_cast<std::size_t>(kThreads));
    std::atomic<int> go{0};
    std::vector<std::thread> threads;
    for (int i = 0; i < kThreads; ++i) {
      threads.emplace_back([&, i] {
        go.fetch_add(1);
        while (go.load() < kThreads) std::this_thread::yield();  // valgrind runs one at a time
        std::move(wakers[static_cast<std::size_t>(i)]).wake();
      });
    }
    for (auto& t : threads) t.join();
    rt.run_until_idle();
    ASSERT_TRUE(h.is_finished()) << "wake lost in round " << round;
  }
}

// Regression (block_on hung forever): the last Waker dropped unwoken on another thread while
// the owner sleeps in block_on must wake the owner, which then reports the task can never finish.
TEST(Wake, BlockOnReportsWhenTheLastWakerIsDroppedOnAnotherThread) {
  Deadline d("BlockOnReportsWhenTheLastWakerIsDroppedOnAnotherThread", 20);
  Runtime rt;
  std::thread t;
  auto body = [&]() -> Task<void> {
    co_await Runtime::park([&](Waker k) {
      t = std::thread([k = std::move(k)]() mutable {
        std::this_thread::sleep_for(std::chrono::milliseconds(50));  // the owner is asleep
        Waker dropped = std::move(k);
      });
    });
  };
  EXPECT_THROW(rt.block_on(body()), std::logic_error);
  t.join();
}

// As above, but two Wakers of one task (one from a park whose callback threw): dropping the
// first leaves one alive, dropping the second must still reach the sleeping owner.
TEST(Wake, BlockOnReportsWhenTwoWakersAreDroppedOnAnotherThread) {
  Deadline d("BlockOnReportsWhenTwoWakersAreDroppedOnAnotherThread", 20);
  Runtime rt;
  std::thread t;
  std::optional<Waker> older;
  auto body = [&]() -> Task<void> {
    co_await hand_out_and_throw([&](Waker k) { older.emplace(std::move(k)); });
    co_await Runtime::park([&](Waker k) {
      t = std::thread([&older, k = std::move(k)]() mutable {
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
        older.reset();
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
        Waker dropped = std::move(k);
      });
    });
  };
  EXPECT_THROW(rt.block_on(body()), std::logic_error);
  t.join();
}

// Regression (leak + 10 s abort): a task that keeps its own Waker in its frame (the intrusive
// waiter pattern) is destroyed by cancel at once, and its block goes back to the backend.
TEST(Wake, ACancelledTaskHoldingItsOwnWakerIsFreed) {
  Deadline d("ACancelledTaskHoldingItsOwnWakerIsFreed", 20);
  Counts c;
  {
    Runtime rt(small_config());
    auto body = [&](Tracker tr) -> Task<void> {
      (void)tr;
      std::optional<Waker> mine;
      co_await Runtime::park([&](Waker k) { mine.emplace(std::move(k)); });
    };
    auto h = rt.spawn_slab([&] { return body(Tracker(c)); });
    rt.run_until_idle();
    EXPECT_EQ(rt.outstanding_wakers(), 1u);
    h.cancel();
    EXPECT_EQ(c.alive(), 0) << "the frame must not wait for a Waker it owns";
    EXPECT_EQ(rt.outstanding_wakers(), 0u);
    EXPECT_EQ(rt.backend().stats().live_blocks, 0u);
  }  // and the runtime goes at once (it used to wait 10 s, then abort)
  EXPECT_EQ(c.alive(), 0);
}

// Two tasks each holding the other's Waker in its frame: cancelling one, then destroying the
// runtime, frees both at once (they used to leak, and the runtime aborted after 10 s).
TEST(Wake, TwoTasksHoldingEachOthersWakersAreFreed) {
  Deadline d("TwoTasksHoldingEachOthersWakersAreFreed", 40);
  struct Mutual {
    std::optional<Waker> own;              // the task's Waker, handed out by its park
    std::optional<Waker>* held = nullptr;  // a slot in the task's frame
  };
  for (int cancel_one = 0; cancel_one < 2; ++cancel_one) {
    Counts c;
    {
      Runtime rt(small_config());
      auto body = [&](Tracker tr, Mutual* m) -> Task<void> {
        (void)tr;
        std::optional<Waker> held;
        m->held = &held;
        co_await Runtime::park([&](Waker k) { m->own.emplace(std::move(k)); });
      };
      Mutual ma, mb;
      auto a = rt.spawn_slab([&] { return body(Tracker(c), &ma); });
      auto b = rt.spawn_slab([&] { return body(Tracker(c), &mb); });
      rt.run_until_idle();
      *ma.held = std::move(*mb.own);  // A's frame holds B's Waker, and B's frame A's
      *mb.held = std::move(*ma.own);
      ma.own.reset();
      mb.own.reset();
      EXPECT_EQ(rt.outstanding_wakers(), 2u);
      if (cancel_one != 0) {
        a.cancel();
        EXPECT_EQ(c.alive(), 1) << "A's frame is destroyed; B still runs";
        EXPECT_EQ(rt.outstanding_wakers(), 1u) << "A's frame dropped the Waker it held";
        EXPECT_EQ(rt.backend().stats().live_blocks, 2u) << "B's Waker still names A's block";
      }
    }
    EXPECT_EQ(c.alive(), 0);
  }
}

}  // namespace
}  // namespace allocbench::test
