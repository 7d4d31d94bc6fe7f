// TcpListener / TcpStream on the reactor: echo correctness with partial reads and writes, peer
// close and reset, many connections, errors, cancel, close under a waiting task, and a Runtime
// destroyed with I/O pending. Every test checks /proc/self/fd before and after (NetTest).
#include <netinet/in.h>
#include <sys/socket.h>

#include <algorithm>
#include <cstring>
#include <memory>
#include <random>
#include <string>
#include <system_error>
#include <thread>
#include <tuple>
#include <vector>

#include "tests/runtime/net_support.hpp"

namespace allocbench::test {
namespace {

using namespace std::chrono_literals;

// Accepts `connections` connections and echoes each in a task of its own until its peer closes.
Task<void> accept_and_echo(Runtime* rt, TcpListener* l, int connections, std::size_t buf_size,
                           bool small_buffers) {
  std::vector<JoinHandle<void>> hs;
  for (int i = 0; i < connections; ++i) {
    TcpStream s = co_await with_timeout(l->accept(), 10s);
    if (small_buffers) shrink_buffers(s);
    hs.push_back(rt->spawn(echo_connection(std::move(s), buf_size)));
  }
  for (auto& h : hs) co_await h;
}

Task<void> write_task(TcpStream* s, std::span<const std::byte> bytes) {
  co_await with_timeout(s->write_all(bytes), 20s);
}

struct EchoOutcome {
  std::size_t bytes = 0;
  std::size_t reads = 0;         // read_some calls
  std::size_t largest_read = 0;  // the most one read_some returned
};

// Sends each payload and reads its echo back at the same time (a writer task beside the reading
// one: with small buffers a 1 MiB write would block forever if nobody read the echo).
Task<EchoOutcome> echo_client(Runtime* rt, SocketAddr to, std::vector<std::vector<std::byte>>* p) {
  TcpStream c = co_await with_timeout(TcpStream::connect(to), 10s);
  shrink_buffers(c);
  EchoOutcome out;
  std::vector<std::byte> back;
  for (const auto& payload : *p) {
    back.assign(payload.size(), std::byte{0});
    JoinHandle<void> w = rt->spawn(write_task(&c, payload));
    std::size_t got = 0;
    while (got < back.size()) {
      const std::size_t n = co_await with_timeout(c.read_some(std::span(back).subspan(got)), 20s);
      if (n == 0) throw std::runtime_error("the echo server closed early");
      ++out.reads;
      out.largest_read = std::max(out.largest_read, n);
      got += n;
    }
    co_await w;
    EXPECT_TRUE(back == payload) << "echo of " << payload.size() << " bytes differs";
    out.bytes += got;
  }
  c.shutdown(Shutdown::kWrite);
  std::byte b[1];
  EXPECT_EQ(co_await with_timeout(c.read_some(b), 10s), 0u);  // the server closed after us
  co_return out;
}

TEST_F(NetTest, EchoesRandomPayloadsFromOneByteToOneMebibyteThroughPartialReadsAndWrites) {
  Runtime rt;
  std::mt19937_64 rng(17);
  std::vector<std::vector<std::byte>> payloads;
  std::vector<std::size_t> sizes{1, 2, 63, 64, 4095, 4096, 4097, 65536, 1 << 20};
  std::uniform_real_distribution<double> log_size(0, 20);
  for (int i = 0; i < 12; ++i) sizes.push_back(static_cast<std::size_t>(std::exp2(log_size(rng))));
  std::shuffle(sizes.begin(), sizes.end(), rng);
  std::size_t total = 0;
  for (std::size_t n : sizes) {
    payloads.push_back(random_bytes(n, rng));
    total += n;
  }
  TcpListener l = TcpListener::bind(rt, SocketAddr::loopback(0));
  JoinHandle<void> server = rt.spawn(accept_and_echo(&rt, &l, 1, 1500, true));
  Deadline d("EchoesRandomPayloads", 60);
  const EchoOutcome out = rt.block_on(echo_client(&rt, l.local_addr(), &payloads));
  rt.block_on([](JoinHandle<void>* h) -> Task<void> { co_await *h; }(&server));
  EXPECT_EQ(out.bytes, total);
  // 1 MiB through 8 KiB send buffers on both sides cannot go out in one write nor come back in
  // one read: writes and reads were partial, and the server's 1,500-byte reads split every
  // larger payload.
  EXPECT_GT(out.reads, sizes.size());
  EXPECT_LT(out.largest_read, std::size_t{1} << 20);
  // Each partial write parks its task and is continued by the reactor on the next edge: 2 MiB
  // each way through 8 KiB buffers takes many.
  EXPECT_GT(rt.reactor().retries(), 100u);
  EXPECT_EQ(rt.reactor().open_sources(), 1u);  // the listener
}

Task<std::string> read_request(TcpListener* l, std::size_t want) {
  TcpStream s = co_await with_timeout(l->accept(), 10s);
  std::vector<std::byte> buf(want);
  std::size_t got = 0;
  try {
    while (got < want) {
      const std::size_t n = co_await with_timeout(s.read_some(std::span(buf).subspan(got)), 10s);
      if (n == 0) co_return "eof after " + std::to_string(got);
      got += n;
    }
  } catch (const std::system_error& e) {
    co_return std::string("error ") + std::to_string(e.code().value()) + " after " +
        std::to_string(got);
  }
  co_return "complete";
}

Task<void> send_then_close(SocketAddr to, std::size_t bytes, bool reset) {
  TcpStream c = co_await with_timeout(TcpStream::connect(to), 10s);
  std::vector<std::byte> b(bytes, std::byte{7});
  co_await c.write_all(b);
  co_await sleep_for(10ms);  // the server has read the first part and waits for more
  if (reset) {
    const linger lg{1, 0};  // close sends RST instead of FIN
    ::setsockopt(c.native_handle(), SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
  }
  c.close();
}

Task<std::string> close_mid_request(Runtime* rt, TcpListener* l, bool reset) {
  JoinHandle<std::string> server = rt->spawn(read_request(l, 100));
  co_await send_then_close(l->local_addr(), 10, reset);
  co_return co_await server;
}

TEST_F(NetTest, APeerClosingMidRequestEndsTheServerTaskCleanly) {
  Runtime rt;
  TcpListener l = TcpListener::bind(rt, SocketAddr::loopback(0));
  EXPECT_EQ(rt.block_on(close_mid_request(&rt, &l, false)), "eof after 10");
  EXPECT_EQ(rt.live_tasks(), 0u);
  EXPECT_EQ(rt.reactor().open_sources(), 1u);
  EXPECT_EQ(rt.reactor().waiting_io(), 0u);
}

TEST_F(NetTest, APeerResettingMidRequestIsAnErrorTheServerTaskSurvives) {
  Runtime rt;
  TcpListener l = TcpListener::bind(rt, SocketAddr::loopback(0));
  EXPECT_EQ(rt.block_on(close_mid_request(&rt, &l, true)),
            "error " + std::to_string(ECONNRESET) + " after 10");
  EXPECT_EQ(rt.live_tasks(), 0u);
  EXPECT_EQ(rt.reactor().open_sources(), 1u);
}

Task<int> write_to_reset_peer(TcpListener* l) {
  TcpStream c = co_await TcpStream::connect(l->local_addr());
  TcpStream s = co_await l->accept();
  const linger lg{1, 0};
  ::setsockopt(s.native_handle(), SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
  s.close();
  co_await sleep_for(10ms);
  std::vector<std::byte> b(1 << 16);
  try {
    for (int i = 0; i < 100; ++i) co_await with_timeout(c.write_all(b), 5s);
  } catch (const std::system_error& e) {
    co_return e.code().value();
  }
  co_return 0;
}

TEST_F(NetTest, WritingToAResetPeerIsAnErrorNotASignal) {
  Runtime rt;
  TcpListener l = TcpListener::bind(rt, SocketAddr::loopback(0));
  const int err = rt.block_on(write_to_reset_peer(&l));
  EXPECT_TRUE(err == EPIPE || err == ECONNRESET) << err;
}

Task<int> many_clients(Runtime* rt, SocketAddr to, int n) {
  auto one = [](SocketAddr to, int i) -> Task<int> {
    TcpStream c = co_await with_timeout(TcpStream::connect(to), 20s);
    const std::uint32_t v = static_cast<std::uint32_t>(i) * 2654435761u;
    std::byte out[4];
    std::memcpy(out, &v, 4);
    co_await with_timeout(c.write_all(out), 20s);
    std::byte back[4];
    co_await read_exactly(c, back);
    co_return std::memcmp(out, back, 4) == 0 ? 1 : 0;
  };
  std::vector<JoinHandle<int>> hs;
  for (int i = 0; i < n; ++i) hs.push_back(rt->spawn(one(to, i)));
  int ok = 0;
  for (auto& h : hs) ok += co_await h;
  co_return ok;
}

TEST_F(NetTest, AThousandConcurrentConnections) {
  constexpr int kConnections = 1000;
  // Both ends live in this process: 2,000 sockets, the listener, and what the test runner has.
  if (raise_fd_limit(2 * kConnections + 64) < 2 * kConnections + 64) {
    GTEST_SKIP() << "the hard RLIMIT_NOFILE is below " << 2 * kConnections + 64;
  }
  Runtime rt;
  TcpListener l = TcpListener::bind(rt, SocketAddr::loopback(0));
  JoinHandle<void> server = rt.spawn(accept_and_echo(&rt, &l, kConnections, 64, false));
  Deadline d("AThousandConcurrentConnections", 60);
  EXPECT_EQ(rt.block_on(many_clients(&rt, l.local_addr(), kConnections)), kConnections);
  rt.block_on([](JoinHandle<void>* h) -> Task<void> { co_await *h; }(&server));
  server = JoinHandle<void>();  // frees the finished server task
  EXPECT_EQ(rt.reactor().open_sources(), 1u);
  EXPECT_EQ(rt.live_tasks(), 0u);
}

TEST_F(NetTest, BindingAPortInUseSaysWhichAddressAndWhy) {
  Runtime rt;
  TcpListener a = TcpListener::bind(rt, SocketAddr::loopback(0));
  const SocketAddr taken = a.local_addr();
  ASSERT_NE(taken.port, 0);
  try {
    TcpListener b = TcpListener::bind(rt, taken);
    FAIL() << "a second listener bound " << to_string(taken);
  } catch (const std::system_error& e) {
    EXPECT_EQ(e.code().value(), EADDRINUSE);
    const std::string what = e.what();
    EXPECT_NE(what.find("TcpListener::bind " + to_string(taken)), std::string::npos) << what;
  }
  EXPECT_EQ(rt.reactor().open_sources(), 1u);
}

TEST_F(NetTest, ConnectingToAClosedPortSaysWhere) {
  Runtime rt;
  SocketAddr nobody;
  {
    TcpListener l = TcpListener::bind(rt, SocketAddr::loopback(0));
    nobody = l.local_addr();
  }
  auto body = [](SocketAddr to) -> Task<std::string> {
    try {
      TcpStream c = co_await with_timeout(TcpStream::connect(to), 5s);
    } catch (const std::system_error& e) {
      EXPECT_EQ(e.code().value(), ECONNREFUSED);
      co_return e.what();
    }
    co_return "connected";
  };
  const std::string what = rt.block_on(body(nobody));
  EXPECT_NE(what.find("TcpStream::connect (peer " + to_string(nobody)), std::string::npos) << what;
  EXPECT_EQ(rt.reactor().open_sources(), 0u);
}

Task<std::size_t> read_one(TcpStream* s) {
  std::byte b[64];
  co_return co_await s->read_some(b);
}

Task<std::pair<TcpStream, TcpStream>> make_pair(TcpListener* l) {
  TcpStream c = co_await with_timeout(TcpStream::connect(l->local_addr()), 5s);
  TcpStream s = co_await with_timeout(l->accept(), 5s);
  co_return std::pair<TcpStream, TcpStream>(std::move(c), std::move(s));
}

TEST_F(NetTest, CancellingATaskParkedOnAReadDeregistersItAndLeavesTheStreamUsable) {
  Runtime rt;
  TcpListener l = TcpListener::bind(rt, SocketAddr::loopback(0));
  auto [c, s] = rt.block_on(make_pair(&l));
  JoinHandle<std::size_t> r = rt.spawn(read_one(&s));
  rt.run_until_idle();
  EXPECT_EQ(rt.reactor().waiting_io(), 1u);
  EXPECT_EQ(rt.outstanding_wakers(), 1u);
  r.cancel();
  EXPECT_EQ(rt.reactor().waiting_io(), 0u);
  EXPECT_EQ(rt.outstanding_wakers(), 0u);
  EXPECT_EQ(rt.live_tasks(), 0u);
  // Another task may read now: the registration went with the cancelled one.
  JoinHandle<std::size_t> r2 = rt.spawn(read_one(&s));
  auto send = [](TcpStream* c) -> Task<void> {
    const std::byte b[5]{};
    co_await c->write_all(b);
  };
  rt.block_on(send(&c));
  EXPECT_EQ(rt.block_on([](JoinHandle<std::size_t>* h) -> Task<std::size_t> {
    co_return co_await *h;
  }(&r2)),
            5u);
}

// Drives the runtime without block_on until `flag` is set (at most 5 s).
void settle(Runtime& rt, const bool& flag) {
  for (int i = 0; i < 5000 && !flag; ++i) {
    rt.poll_io();
    rt.run_until_idle();
    if (!flag) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  ASSERT_TRUE(flag);
}

Task<void> own_and_read(TcpListener* l, bool* started) {
  TcpStream c = co_await TcpStream::connect(l->local_addr());
  TcpStream s = co_await l->accept();
  *started = true;
  std::byte b[8];
  co_await s.read_some(b);  // never answered
}

TEST_F(NetTest, CancellingATaskThatOwnsItsStreamsClosesThem) {
  Runtime rt;
  TcpListener l = TcpListener::bind(rt, SocketAddr::loopback(0));
  bool started = false;
  JoinHandle<void> h = rt.spawn(own_and_read(&l, &started));
  settle(rt, started);
  EXPECT_EQ(rt.reactor().open_sources(), 3u);
  h.cancel();
  EXPECT_EQ(rt.reactor().open_sources(), 1u);
  EXPECT_EQ(rt.reactor().waiting_io(), 0u);
}

TEST_F(NetTest, ClosingAStreamUnderAWaitingReaderWakesItWithEbadf) {
  Runtime rt;
  TcpListener l = TcpListener::bind(rt, SocketAddr::loopback(0));
  auto [c, s] = rt.block_on(make_pair(&l));
  JoinHandle<std::size_t> r = rt.spawn(read_one(&s));
  rt.run_until_idle();
  ASSERT_EQ(rt.reactor().waiting_io(), 1u);
  s.close();
  EXPECT_FALSE(s.is_open());
  rt.run_until_idle();
  ASSERT_TRUE(r.is_finished());
  try {
    r.result();
    FAIL() << "the read finished after its stream was closed";
  } catch (const std::system_error& e) {
    EXPECT_EQ(e.code().value(), EBADF);
    EXPECT_NE(std::string(e.what()).find("closed while a task waited"), std::string::npos)
        << e.what();
  }
  // Reading a closed stream is an error too, not a crash.
  EXPECT_THROW(rt.block_on(read_one(&s)), std::system_error);
}

TEST_F(NetTest, TwoTasksReadingOneStreamAtOnceIsALogicError) {
  Runtime rt;
  TcpListener l = TcpListener::bind(rt, SocketAddr::loopback(0));
  auto [c, s] = rt.block_on(make_pair(&l));
  JoinHandle<std::size_t> a = rt.spawn(read_one(&s));
  JoinHandle<std::size_t> b = rt.spawn(read_one(&s));
  rt.run_until_idle();
  ASSERT_TRUE(b.is_finished());
  EXPECT_THROW(b.result(), std::logic_error);
  EXPECT_FALSE(a.is_finished());
  a.cancel();
}

TEST_F(NetTest, AwaitingASocketInATaskOfAnotherRuntimeIsALogicError) {
  Runtime rt;
  TcpListener l = TcpListener::bind(rt, SocketAddr::loopback(0));
  auto [c, s] = rt.block_on(make_pair(&l));
  Runtime other;
  EXPECT_THROW(other.block_on(read_one(&s)), std::logic_error);
  // Outside any task.
  std::byte b[4];
  auto a = s.read_some(b);
  EXPECT_THROW(a.await_ready(), std::logic_error);
}

Task<void> park_forever_on(TcpStream* s) {
  std::byte b[8];
  co_await s->read_some(b);
}

TEST_F(NetTest, DestroyingTheRuntimeWithPendingIoClosesAndFreesEverything) {
  TcpStream outside_c, outside_s;  // owned outside the runtime: outlive it
  TcpListener outside_l;
  {
    Runtime rt;
    outside_l = TcpListener::bind(rt, SocketAddr::loopback(0));
    TcpListener* lp = &outside_l;
    std::tie(outside_c, outside_s) = rt.block_on(make_pair(lp));
    // Parked: on a read of a stream it owns, on a read of an outside stream, on accept, on a
    // sleep; and a queued task that never ran.
    bool started = false;
    rt.spawn(own_and_read(lp, &started)).detach();
    rt.spawn(park_forever_on(&outside_s)).detach();
    settle(rt, started);
    rt.spawn([](TcpListener* l) -> Task<void> { co_await l->accept(); }(lp)).detach();
    rt.spawn([]() -> Task<void> { co_await sleep_for(std::chrono::hours(1)); }()).detach();
    rt.run_until_idle();
    rt.spawn(park_forever_on(&outside_c)).detach();
    EXPECT_GE(rt.reactor().waiting_io(), 3u);
    EXPECT_EQ(rt.reactor().pending_timers(), 1u);
  }
  // The runtime closed the outside objects' descriptors; they are inert now.
  EXPECT_FALSE(outside_l.is_open());
  EXPECT_FALSE(outside_c.is_open());
  EXPECT_EQ(outside_s.native_handle(), -1);
  EXPECT_THROW(outside_c.shutdown(Shutdown::kBoth), std::system_error);
  outside_c.close();  // no second close of anything
}

TEST_F(NetTest, HalfCloseLetsThePeerStillAnswer) {
  Runtime rt;
  TcpListener l = TcpListener::bind(rt, SocketAddr::loopback(0));
  auto body = [](TcpListener* l) -> Task<std::string> {
    TcpStream c = co_await TcpStream::connect(l->local_addr());
    TcpStream s = co_await l->accept();
    const char msg[] = "ping";
    co_await c.write_all(std::as_bytes(std::span(msg, 4)));
    c.shutdown(Shutdown::kWrite);
    std::byte b[16];
    std::size_t got = 0;
    for (;;) {
      const std::size_t n = co_await s.read_some(std::span(b).subspan(got));
      if (n == 0) break;
      got += n;
    }
    co_await s.write_all(std::span(b, got));  // the server answers after the client's FIN
    s.close();
    std::byte back[16];
    const std::size_t n = co_await c.read_some(back);
    co_return std::string(reinterpret_cast<const char*>(back), n);
  };
  EXPECT_EQ(rt.block_on(body(&l)), "ping");
}

}  // namespace
}  // namespace allocbench::test
