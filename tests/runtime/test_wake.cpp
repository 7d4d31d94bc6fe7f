// Wakers: local and cross-thread wakes, stale and dropped wakers, frames freed on the owner.
#include <atomic>
#include <mutex>
#include <optional>
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

TEST(Wake, AWakerDroppedOnAnotherThreadAfterCancelFreesTheFrameOnTheOwner) {
  Counts c;
  Runtime rt;
  std::optional<Waker> w;
  auto body = [&](Tracker t) -> Task<void> {
    (void)t;
    co_await Runtime::park([&](Waker k) { w.emplace(std::move(k)); });
  };
  auto h = rt.spawn_slab([&] { return body(Tracker(c)); });
  rt.run_until_idle();
  h.cancel();
  EXPECT_EQ(c.alive(), 1) << "a Waker still refers to the frame";
  std::thread([&] { w.reset(); }).join();
  EXPECT_EQ(c.alive(), 1) << "only the owner frees frames";
  rt.run_until_idle();
  EXPECT_EQ(c.alive(), 0);
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

}  // namespace
}  // namespace allocbench::test
