// The reactor across threads (run under TSan): a client Runtime on a second thread talking to a
// server Runtime on this one, each blocking in its own epoll_wait; and Wakers from a third
// thread reaching a server asleep in epoll_wait while its sockets are busy.
#include <atomic>
#include <cstring>
#include <mutex>
#include <thread>
#include <vector>

#include "tests/runtime/net_support.hpp"

namespace allocbench::test {
namespace {

using namespace std::chrono_literals;

Task<void> serve(Runtime* rt, TcpListener* l, int connections) {
  std::vector<JoinHandle<void>> hs;
  for (int i = 0; i < connections; ++i) {
    TcpStream s = co_await with_timeout(l->accept(), 10s);
    hs.push_back(rt->spawn(echo_connection(std::move(s), 256)));
  }
  for (auto& h : hs) co_await h;
}

Task<int> client_connection(SocketAddr to, int requests, int id) {
  TcpStream c = co_await with_timeout(TcpStream::connect(to), 10s);
  c.set_nodelay(true);
  int ok = 0;
  for (int r = 0; r < requests; ++r) {
    std::byte out[32];
    for (std::size_t i = 0; i < sizeof out; ++i) out[i] = static_cast<std::byte>(id * 31 + r + i);
    co_await with_timeout(c.write_all(out), 10s);
    std::byte back[32];
    co_await read_exactly(c, back);
    ok += std::memcmp(out, back, sizeof out) == 0;
  }
  co_return ok;
}

Task<int> clients(Runtime* rt, SocketAddr to, int connections, int requests) {
  std::vector<JoinHandle<int>> hs;
  for (int i = 0; i < connections; ++i) hs.push_back(rt->spawn(client_connection(to, requests, i)));
  int ok = 0;
  for (auto& h : hs) ok += co_await h;
  co_return ok;
}

TEST_F(NetTest, ThreadsAClientRuntimeOnAnotherThreadEchoesThroughTheServerRuntime) {
  constexpr int kConnections = 8, kRequests = 300;
  Runtime server;
  TcpListener l = TcpListener::bind(server, SocketAddr::loopback(0));
  const SocketAddr to = l.local_addr();
  std::atomic<int> ok{-1};
  Deadline d("ThreadsAClientRuntimeOnAnotherThread", 120);
  std::thread client([&] {
    Runtime rt;
    ok = rt.block_on(clients(&rt, to, kConnections, kRequests));
  });
  server.block_on(serve(&server, &l, kConnections));
  client.join();
  EXPECT_EQ(ok.load(), kConnections * kRequests);
}

TEST_F(NetTest, ThreadsWakersFromAnotherThreadReachAServerBusyWithSockets) {
  constexpr int kWakes = 2000;
  Runtime rt;
  TcpListener l = TcpListener::bind(rt, SocketAddr::loopback(0));
  std::mutex m;
  std::vector<Waker> box;
  std::atomic<bool> done{false};
  std::thread waker([&] {
    while (!done.load()) {
      std::vector<Waker> batch;
      {
        std::lock_guard g(m);
        batch.swap(box);
      }
      for (auto& w : batch) std::move(w).wake();
      std::this_thread::yield();
    }
  });
  auto parker = [](std::mutex* m, std::vector<Waker>* box, int n) -> Task<int> {
    for (int i = 0; i < n; ++i) {
      co_await Runtime::park([&](Waker w) {
        std::lock_guard g(*m);
        box->push_back(std::move(w));
      });
    }
    co_return n;
  };
  Deadline d("ThreadsWakersFromAnotherThreadReachAServerBusyWithSockets", 120);
  // Echo traffic on the same runtime while the parker is woken from the other thread.
  JoinHandle<void> srv = rt.spawn(serve(&rt, &l, 2));
  JoinHandle<int> cl = rt.spawn(clients(&rt, l.local_addr(), 2, 200));
  EXPECT_EQ(rt.block_on(parker(&m, &box, kWakes)), kWakes);
  EXPECT_EQ(rt.block_on([](JoinHandle<int>* h) -> Task<int> { co_return co_await *h; }(&cl)), 400);
  rt.block_on([](JoinHandle<void>* h) -> Task<void> { co_await *h; }(&srv));
  done = true;
  waker.join();
}

}  // namespace
}  // namespace allocbench::test
