// Shared by the reactor tests: an open-descriptor count (/proc/self/fd) that every test must
// leave as it found it, the fd limit raised for the many-connection tests, and small helpers.
#pragma once

#include <dirent.h>
#include <sys/resource.h>
#include <sys/socket.h>

#include <cstddef>
#include <random>
#include <vector>

#include "runtime/net.hpp"
#include "runtime/reactor.hpp"
#include "runtime/runtime.hpp"
#include "runtime/timers.hpp"
#include "tests/runtime/support.hpp"

namespace allocbench::test {

// Descriptors open in this process now (the directory stream's own is not counted).
inline int open_fds() {
  DIR* d = ::opendir("/proc/self/fd");
  if (d == nullptr) return -1;
  int n = 0;
  while (const dirent* e = ::readdir(d)) {
    if (e->d_name[0] != '.') ++n;
  }
  ::closedir(d);
  return n - 1;
}

// Raises the soft descriptor limit to at least `want` (up to the hard limit); returns the limit.
inline rlim_t raise_fd_limit(rlim_t want) {
  rlimit r{};
  ::getrlimit(RLIMIT_NOFILE, &r);
  if (r.rlim_cur < want) {
    r.rlim_cur = r.rlim_max == RLIM_INFINITY ? want : std::min(want, r.rlim_max);
    ::setrlimit(RLIMIT_NOFILE, &r);
    ::getrlimit(RLIMIT_NOFILE, &r);
  }
  return r.rlim_cur;
}

// Every test checks that it closed every descriptor it opened.
class NetTest : public ::testing::Test {
 protected:
  void SetUp() override { fds_before_ = open_fds(); }
  void TearDown() override {
    EXPECT_EQ(open_fds(), fds_before_) << "descriptors leaked (or closed twice) by this test";
  }

 private:
  int fds_before_ = 0;
};

inline std::vector<std::byte> random_bytes(std::size_t n, std::mt19937_64& rng) {
  std::vector<std::byte> v(n);
  for (auto& b : v) b = static_cast<std::byte>(rng());
  return v;
}

// Echoes everything it reads until the peer closes.
inline Task<void> echo_connection(TcpStream s, std::size_t buf_size = 64 * 1024) {
  std::vector<std::byte> buf(buf_size);
  for (;;) {
    const std::size_t n = co_await s.read_some(buf);
    if (n == 0) co_return;
    co_await s.write_all(std::span(buf.data(), n));
  }
}

// Reads exactly `out.size()` bytes (throws on an early end); returns how many read_some calls
// it took.
inline Task<std::size_t> read_exactly(TcpStream& s, std::span<std::byte> out) {
  std::size_t got = 0;
  std::size_t calls = 0;
  while (got < out.size()) {
    const std::size_t n = co_await s.read_some(out.subspan(got));
    ++calls;
    if (n == 0) throw std::runtime_error("read_exactly: the peer closed early");
    got += n;
  }
  co_return calls;
}

// Sets the send buffer of `s` small, so a large write_all is cut into many partial writes (the
// kernel doubles it: 8 KiB). Not the receive buffer: shrunk below loopback's 64 KiB segments
// after the connection is up, it makes the receiver drop whole segments, and the transfer
// crawls through retransmission back-off (1 MiB took minutes).
inline void shrink_buffers(TcpStream& s, int bytes = 4096) {
  ::setsockopt(s.native_handle(), SOL_SOCKET, SO_SNDBUF, &bytes, sizeof bytes);
}

}  // namespace allocbench::test
