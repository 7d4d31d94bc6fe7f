// Timers: sleep_for / sleep_until, their order, deadlines on I/O (with_timeout), cancel, and the
// owner thread sleeping in epoll_wait rather than spinning.
#include <sys/resource.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "tests/runtime/net_support.hpp"

namespace allocbench::test {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

double thread_cpu_ms() {
  rusage u{};
  ::getrusage(RUSAGE_THREAD, &u);
  return (u.ru_utime.tv_sec + u.ru_stime.tv_sec) * 1e3 +
         (u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e3;
}

Task<void> sleeper(std::chrono::milliseconds d, int id, std::vector<int>* order) {
  co_await sleep_for(d);
  order->push_back(id);
}

Task<void> sleeper_until(Clock::time_point t, int id, std::vector<int>* order) {
  co_await sleep_until(t);
  order->push_back(id);
}

Task<void> join_all(std::vector<JoinHandle<void>>* hs) {
  for (auto& h : *hs) co_await h;
}

TEST_F(NetTest, SleepForWaitsAtLeastTheDurationAndBlocksInsteadOfSpinning) {
  Runtime rt;
  auto body = []() -> Task<Clock::duration> {
    const auto t0 = Clock::now();
    co_await sleep_for(60ms);
    co_return Clock::now() - t0;
  };
  const double cpu0 = thread_cpu_ms();
  const auto slept = rt.block_on(body());
  const double cpu = thread_cpu_ms() - cpu0;
  EXPECT_GE(slept, 60ms);
  EXPECT_LT(slept, 2s);
  // A spinning loop would burn the whole 60 ms; a thread asleep in epoll_wait burns almost none.
  EXPECT_LT(cpu, 30.0) << "the owner thread did not block while the timer was pending";
  EXPECT_EQ(rt.reactor().pending_timers(), 0u);
}

TEST_F(NetTest, TimersFireInDeadlineOrderAndEqualDeadlinesInTheOrderSet) {
  Runtime rt;
  std::vector<int> order;
  std::vector<JoinHandle<void>> hs;
  hs.push_back(rt.spawn(sleeper(40ms, 40, &order)));
  hs.push_back(rt.spawn(sleeper(10ms, 10, &order)));
  hs.push_back(rt.spawn(sleeper(30ms, 30, &order)));
  hs.push_back(rt.spawn(sleeper(20ms, 20, &order)));
  const auto same = Clock::now() + 25ms;
  for (int i = 0; i < 5; ++i) hs.push_back(rt.spawn(sleeper_until(same, 100 + i, &order)));
  hs.push_back(rt.spawn(sleeper(0ms, 0, &order)));  // does not suspend at all
  rt.block_on(join_all(&hs));
  EXPECT_EQ(order, (std::vector<int>{0, 10, 20, 100, 101, 102, 103, 104, 30, 40}));
}

TEST_F(NetTest, WithTimeoutExpiresOnAReadNobodyAnswers) {
  Runtime rt;
  TcpListener l = TcpListener::bind(rt, SocketAddr::loopback(0));
  auto body = [](TcpListener* l) -> Task<std::string> {
    TcpStream c = co_await TcpStream::connect(l->local_addr());
    TcpStream s = co_await l->accept();
    std::byte b[16];
    const auto t0 = Clock::now();
    try {
      co_await with_timeout(s.read_some(b), 30ms);
    } catch (const IoTimeout& e) {
      EXPECT_EQ(e.code(), std::errc::timed_out);
      EXPECT_GE(Clock::now() - t0, 30ms);
      co_return e.what();
    }
    co_return "no timeout";
  };
  const std::string what = rt.block_on(body(&l));
  EXPECT_NE(what.find("TcpStream::read_some"), std::string::npos) << what;
  EXPECT_NE(what.find("timed out after 30.000 ms"), std::string::npos) << what;
  EXPECT_EQ(rt.reactor().pending_timers(), 0u);
  EXPECT_EQ(rt.reactor().waiting_io(), 0u);
}

TEST_F(NetTest, AnOperationThatFinishesInTimeTakesItsDeadlineOutOfTheHeap) {
  Runtime rt;
  TcpListener l = TcpListener::bind(rt, SocketAddr::loopback(0));
  auto body = [](TcpListener* l, Runtime* rt) -> Task<std::size_t> {
    TcpStream c = co_await TcpStream::connect(l->local_addr());
    TcpStream s = co_await with_timeout(l->accept(), 5s);
    auto writer = [](TcpStream* c) -> Task<void> {
      co_await sleep_for(5ms);
      const std::byte b[3]{};
      co_await c->write_all(b);
    };
    JoinHandle<void> w = rt->spawn(writer(&c));
    std::byte b[16];
    const std::size_t n = co_await with_timeout(s.read_some(b), 10s);
    EXPECT_EQ(rt->reactor().pending_timers(), 0u);  // the 10 s deadline left with the read
    co_await w;
    co_return n;
  };
  EXPECT_EQ(rt.block_on(body(&l, &rt)), 3u);
}

TEST_F(NetTest, CancellingASleepingTaskTakesItsTimerOutOfTheHeap) {
  Runtime rt;
  std::vector<int> order;
  JoinHandle<void> h = rt.spawn(sleeper(std::chrono::milliseconds(3'600'000), 1, &order));
  rt.run_until_idle();
  EXPECT_EQ(rt.reactor().pending_timers(), 1u);
  h.cancel();
  EXPECT_EQ(rt.reactor().pending_timers(), 0u);
  EXPECT_EQ(rt.outstanding_wakers(), 0u);
  EXPECT_EQ(rt.live_tasks(), 0u);
  EXPECT_TRUE(order.empty());
}

TEST_F(NetTest, AYieldingTaskDoesNotStarveATimer) {
  Runtime rt;
  std::atomic<bool> fired{false};
  auto spinner = [](std::atomic<bool>* f) -> Task<int> {
    int yields = 0;
    while (!f->load()) {
      co_await yield_now();
      ++yields;
    }
    co_return yields;
  };
  auto timer = [](std::atomic<bool>* f) -> Task<void> {
    co_await sleep_for(10ms);
    f->store(true);
  };
  Deadline d("AYieldingTaskDoesNotStarveATimer", 20);
  JoinHandle<void> t = rt.spawn(timer(&fired));
  EXPECT_GT(rt.block_on(spinner(&fired)), 0);
  EXPECT_TRUE(t.is_finished());
}

TEST_F(NetTest, ARemoteWakeReachesAnOwnerAsleepInEpollWait) {
  Runtime rt;
  std::optional<Waker> w;
  std::vector<int> order;
  // A long timer makes the owner sleep in epoll_wait (with that deadline) rather than on the
  // eventfd; the wake from the other thread must still come through, at once.
  JoinHandle<void> far = rt.spawn(sleeper(std::chrono::milliseconds(3'600'000), 1, &order));
  std::mutex m;
  auto parked = [](std::optional<Waker>* w, std::mutex* m) -> Task<int> {
    co_await Runtime::park([&](Waker k) {
      std::lock_guard g(*m);
      w->emplace(std::move(k));
    });
    co_return 7;
  };
  std::thread waker([&] {
    for (;;) {
      std::this_thread::sleep_for(20ms);
      std::lock_guard g(m);
      if (w) {
        std::move(*w).wake();
        return;
      }
    }
  });
  Deadline d("ARemoteWakeReachesAnOwnerAsleepInEpollWait", 20);
  const auto t0 = Clock::now();
  EXPECT_EQ(rt.block_on(parked(&w, &m)), 7);
  EXPECT_LT(Clock::now() - t0, 5s);
  waker.join();
  far.cancel();
}

TEST_F(NetTest, BlockOnSaysWhenNothingCanEverFinishEvenWithAReactor) {
  Runtime rt;
  TcpListener l = TcpListener::bind(rt, SocketAddr::loopback(0));  // a reactor, nobody waiting
  auto forever = []() -> Task<void> { co_await Runtime::park([](Waker) {}); };
  EXPECT_THROW(rt.block_on(forever()), std::logic_error);
}

TEST_F(NetTest, SleepOutsideATaskIsALogicError) {
  auto a = sleep_for(1ms);
  EXPECT_FALSE(a.await_ready());
  EXPECT_THROW(a.await_suspend(std::noop_coroutine()), std::logic_error);
}

TEST_F(NetTest, PollIoFiresExpiredTimersWithoutBlocking) {
  Runtime rt;
  EXPECT_EQ(rt.poll_io(), 0u);  // no reactor: nothing to do, and none created
  EXPECT_FALSE(rt.has_reactor());
  std::vector<int> order;
  JoinHandle<void> h = rt.spawn(sleeper(1ms, 1, &order));
  rt.run_until_idle();
  std::this_thread::sleep_for(5ms);
  EXPECT_EQ(rt.poll_io(), 1u);
  rt.run_until_idle();
  EXPECT_TRUE(h.is_finished());
  EXPECT_EQ(order, std::vector<int>{1});
}

}  // namespace
}  // namespace allocbench::test
