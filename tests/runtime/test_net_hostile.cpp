// Hostile use of the reactor's public API: cancel in every state a wait can be in, Runtime
// destruction in those states, re-entry, awaiters outliving their stream, streams moved or
// closed under a waiting task, a heap of timers cancelled at random. Each must end with every
// descriptor closed once and every wait, timer and Waker gone.
#include <netinet/in.h>
#include <sys/socket.h>

#include <algorithm>
#include <random>
#include <thread>
#include <vector>

#include "tests/runtime/net_support.hpp"

namespace allocbench::test {
namespace {

using namespace std::chrono_literals;

void settle(Runtime& rt, const bool& flag) {
  for (int i = 0; i < 5000 && !flag; ++i) {
    rt.poll_io();
    rt.run_until_idle();
    if (!flag) std::this_thread::sleep_for(1ms);
  }
  ASSERT_TRUE(flag);
}

void expect_quiet(Runtime& rt) {
  EXPECT_EQ(rt.reactor().waiting_io(), 0u);
  EXPECT_EQ(rt.reactor().pending_timers(), 0u);
  EXPECT_EQ(rt.outstanding_wakers(), 0u);
}

Task<std::pair<TcpStream, TcpStream>> make_pair(TcpListener* l) {
  TcpStream c = co_await with_timeout(TcpStream::connect(l->local_addr()), 5s);
  TcpStream s = co_await with_timeout(l->accept(), 5s);
  co_return std::pair<TcpStream, TcpStream>(std::move(c), std::move(s));
}

Task<void> accept_one(TcpListener* l, bool* started) {
  *started = true;
  TcpStream s = co_await with_timeout(l->accept(), 1h);
}

Task<void> write_forever(TcpStream* s, bool* blocked, std::size_t* written) {
  std::vector<std::byte> chunk(1 << 16);
  for (;;) {
    *blocked = true;
    co_await with_timeout(s->write_all(chunk), 1h);
    *blocked = false;
    *written += chunk.size();
  }
}

Task<void> sleep_long(bool* started) {
  *started = true;
  co_await sleep_for(1h);
}

Task<void> read_with_deadline(TcpStream* s, bool* started) {
  *started = true;
  std::byte b[16];
  co_await with_timeout(s->read_some(b), 1h);
}

// A task cancelled while parked on accept, on a write the peer does not drain, on a sleep, and
// on a read with a deadline (in the heap and on the socket at once).
TEST_F(NetTest, CancelInEveryWaitLeavesNothingRegistered) {
  Runtime rt;
  TcpListener l = TcpListener::bind(rt, SocketAddr::loopback(0));
  auto [c, s] = rt.block_on(make_pair(&l));
  shrink_buffers(c);
  bool a = false, w = false, z = false, r = false;
  std::size_t written = 0;
  JoinHandle<void> ha = rt.spawn(accept_one(&l, &a));
  JoinHandle<void> hw = rt.spawn(write_forever(&c, &w, &written));
  JoinHandle<void> hz = rt.spawn(sleep_long(&z));
  JoinHandle<void> hr = rt.spawn(read_with_deadline(&c, &r));  // s never writes
  settle(rt, a);
  settle(rt, r);
  for (int i = 0; i < 50; ++i) rt.poll_io(), rt.run_until_idle();
  ASSERT_TRUE(w) << "the writer never blocked (wrote " << written << " bytes)";
  EXPECT_EQ(rt.reactor().waiting_io(), 3u);  // accept, write, read
  EXPECT_EQ(rt.reactor().pending_timers(), 4u);
  for (JoinHandle<void>* h : {&hr, &hz, &hw, &ha}) {
    if (h->is_finished()) {
      try {
        h->result();
        ADD_FAILURE() << "a waiting task finished";
      } catch (const std::exception& e) {
        ADD_FAILURE() << "a waiting task failed: " << e.what();
      }
    }
    h->cancel();
    EXPECT_TRUE(h->is_cancelled());
  }
  expect_quiet(rt);
  EXPECT_EQ(rt.live_tasks(), 0u);
  EXPECT_EQ(rt.reactor().open_sources(), 3u);
}

// The accept finished in the reactor (the descriptor is in the awaiter) but the task is
// cancelled before it resumes: the awaiter must close the accepted descriptor.
TEST_F(NetTest, CancelAfterAnAcceptCompletedButBeforeTheTaskRanClosesTheConnection) {
  Runtime rt;
  TcpListener l = TcpListener::bind(rt, SocketAddr::loopback(0));
  bool started = false;
  JoinHandle<void> h = rt.spawn(accept_one(&l, &started));
  rt.run_until_idle();
  ASSERT_EQ(rt.reactor().waiting_io(), 1u);
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port = htons(l.local_addr().port);
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa), 0);
  for (int i = 0; i < 1000 && rt.reactor().waiting_io() != 0; ++i) {
    rt.poll_io();  // completes the accept, queues the task, does not run it
    std::this_thread::sleep_for(1ms);
  }
  ASSERT_EQ(rt.reactor().waiting_io(), 0u);
  EXPECT_EQ(rt.ready_tasks(), 1u);
  h.cancel();
  ::close(fd);
  expect_quiet(rt);
}

Task<void> own_pair_and_block(TcpListener* l, bool* started) {
  auto [c, s] = co_await make_pair(l);
  shrink_buffers(c);
  std::vector<std::byte> big(4 << 20);
  *started = true;
  co_await c.write_all(big);  // nobody reads s: blocks after a partial write
}

Task<void> read_other(TcpStream* s) {
  std::byte b[8];
  co_await s->read_some(b);
}

// Destroyed with: a write_all half done, a task reading a stream another task owns (the owner
// may go first: the reader is woken with EBADF during shutdown), a pending sleep, a pending
// accept, a connect that is queued but never ran.
TEST_F(NetTest, DestroyingTheRuntimeMidWriteAndWithCrossTaskReadsFreesEverything) {
  auto rt = std::make_unique<Runtime>();
  TcpListener l = TcpListener::bind(*rt, SocketAddr::loopback(0));
  bool started = false, z = false, a = false;
  rt->spawn(own_pair_and_block(&l, &started)).detach();
  settle(*rt, started);
  TcpStream* shared = nullptr;
  auto owner = [](TcpListener* l, TcpStream** out) -> Task<void> {
    auto [c, s] = co_await make_pair(l);
    *out = &s;
    co_await sleep_for(1h);
  };
  rt->spawn(owner(&l, &shared)).detach();
  for (int i = 0; i < 1000 && shared == nullptr; ++i) {
    rt->poll_io();
    rt->run_until_idle();
    std::this_thread::sleep_for(1ms);
  }
  ASSERT_NE(shared, nullptr);
  rt->spawn(read_other(shared)).detach();
  rt->spawn(sleep_long(&z)).detach();
  rt->spawn(accept_one(&l, &a)).detach();
  rt->run_until_idle();
  rt->spawn([](SocketAddr to) -> Task<void> { co_await TcpStream::connect(to); }(l.local_addr()))
      .detach();  // queued, never run
  EXPECT_GE(rt->reactor().waiting_io(), 3u);
  rt.reset();
  EXPECT_FALSE(l.is_open());  // the listener outlived its runtime: closed by it, inert
}

TEST_F(NetTest, ReentryFromATaskIsRefused) {
  Runtime rt;
  TcpListener l = TcpListener::bind(rt, SocketAddr::loopback(0));
  auto body = [](Runtime* rt) -> Task<int> {
    int refused = 0;
    try {
      rt->poll_io();
    } catch (const std::logic_error&) {
      ++refused;
    }
    try {
      rt->block_on([]() -> Task<void> { co_await sleep_for(1ms); }());
    } catch (const std::logic_error&) {
      ++refused;
    }
    co_return refused;
  };
  EXPECT_EQ(rt.block_on(body(&rt)), 2);
  expect_quiet(rt);
}

// An awaiter made, then its stream closed, then awaited: EBADF, not a freed source.
TEST_F(NetTest, AnAwaiterOutlivingItsStreamSeesEbadf) {
  Runtime rt;
  TcpListener l = TcpListener::bind(rt, SocketAddr::loopback(0));
  auto body = [](TcpListener* l) -> Task<int> {
    auto p = std::make_unique<std::pair<TcpStream, TcpStream>>(co_await make_pair(l));
    std::byte b[4];
    auto rd = p->first.read_some(b);
    p.reset();  // both streams closed and destroyed
    try {
      co_await std::move(rd);
    } catch (const std::system_error& e) {
      co_return e.code().value();
    }
    co_return 0;
  };
  EXPECT_EQ(rt.block_on(body(&l)), EBADF);
}

// A stream moved to another object while a task waits on it: the wait goes on and completes.
TEST_F(NetTest, MovingAStreamUnderAWaitingReaderKeepsTheWait) {
  Runtime rt;
  TcpListener l = TcpListener::bind(rt, SocketAddr::loopback(0));
  auto [c, s] = rt.block_on(make_pair(&l));
  auto reader = [](TcpStream* s) -> Task<std::size_t> {
    std::byte b[8];
    co_return co_await s->read_some(b);
  };
  JoinHandle<std::size_t> h = rt.spawn(reader(&s));
  rt.run_until_idle();
  TcpStream moved = std::move(s);
  EXPECT_FALSE(s.is_open());
  auto send = [](TcpStream* c) -> Task<void> {
    const std::byte b[2]{};
    co_await c->write_all(b);
  };
  rt.block_on(send(&c));
  EXPECT_EQ(rt.block_on(
                [](JoinHandle<std::size_t>* h) -> Task<std::size_t> { co_return co_await *h; }(&h)),
            2u);
  expect_quiet(rt);
}

Task<void> sleep_and_log(std::chrono::microseconds d, int id, std::vector<int>* log) {
  co_await sleep_for(d);
  log->push_back(id);
}

// The deadline heap under random cancels: the survivors fire in deadline order.
TEST_F(NetTest, TimersCancelledAtRandomLeaveTheRestInOrder) {
  Runtime rt;
  std::mt19937 rng(5);
  std::vector<int> log;
  std::vector<JoinHandle<void>> hs;
  std::vector<int> delay_us;
  for (int i = 0; i < 300; ++i) {
    delay_us.push_back(static_cast<int>(rng() % 20'000));
    hs.push_back(rt.spawn(sleep_and_log(std::chrono::microseconds(delay_us.back()), i, &log)));
  }
  rt.run_until_idle();
  std::vector<int> kept;
  for (int i = 0; i < 300; ++i) {
    if (rng() % 2) {
      hs[static_cast<std::size_t>(i)].cancel();
    } else {
      kept.push_back(i);
    }
  }
  EXPECT_EQ(rt.reactor().pending_timers(), kept.size());
  auto all = [](std::vector<JoinHandle<void>>* hs) -> Task<void> {
    for (auto& h : *hs) {
      if (!h.is_cancelled()) co_await h;
    }
  };
  rt.block_on(all(&hs));
  ASSERT_EQ(log.size(), kept.size());
  // Deadlines were set in index order within ~1 ms of each other: compare by delay alone where
  // the delays are far enough apart for that to decide.
  for (std::size_t i = 1; i < log.size(); ++i) {
    const int a = delay_us[static_cast<std::size_t>(log[i - 1])];
    const int b = delay_us[static_cast<std::size_t>(log[i])];
    EXPECT_LE(a, b + 2000) << "timer " << log[i - 1] << " fired before " << log[i];
  }
  expect_quiet(rt);
}

TEST_F(NetTest, ZeroTimeoutOnAnOperationThatMustWaitExpiresAtTheNextTurn) {
  Runtime rt;
  TcpListener l = TcpListener::bind(rt, SocketAddr::loopback(0));
  auto body = [](TcpListener* l) -> Task<bool> {
    try {
      TcpStream s = co_await with_timeout(l->accept(), 0ms);
    } catch (const IoTimeout&) {
      co_return true;
    }
    co_return false;
  };
  EXPECT_TRUE(rt.block_on(body(&l)));
  expect_quiet(rt);
}

using NetDeathTest = NetTest;

TEST_F(NetDeathTest, DestroyingAStreamOnAnotherThreadAbortsWithAMessage) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_DEATH(
      {
        Runtime rt;
        TcpListener l = TcpListener::bind(rt, SocketAddr::loopback(0));
        std::thread([&] { TcpListener gone = std::move(l); }).join();
      },
      "on a thread other than its Runtime's");
}

}  // namespace
}  // namespace allocbench::test
