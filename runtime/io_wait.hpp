// What the reactor (reactor.hpp) knows of I/O and timers: a registered descriptor (IoSource) and
// one suspended wait of a task (IoWait), on a descriptor's readiness, on a deadline, or both.
// An IoWait is the base of every I/O and timer awaiter, so it lives in the waiting task's frame:
// registering it allocates nothing, and destroying the frame (cancel, Runtime shutdown) runs its
// destructor, which takes it off its descriptor and out of the deadline heap.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <limits>

#include "runtime/waker.hpp"

namespace allocbench {

// An IPv4 address and port, host byte order (the reactor's sockets are IPv4 only).
struct SocketAddr {
  std::uint32_t host = 0x7f000001;  // 127.0.0.1
  std::uint16_t port = 0;
  static constexpr SocketAddr loopback(std::uint16_t port = 0) noexcept {
    return {0x7f000001, port};
  }
};

}  // namespace allocbench

namespace allocbench::detail {

using IoClock = std::chrono::steady_clock;
class Reactor;
struct IoWait;

// A non-blocking descriptor registered with a reactor, edge-triggered, for reading and writing
// at once. Owned by a TcpStream / TcpListener; awaiters that name it hold a reference too (the
// counts are touched on the owner thread only), so an awaiter outliving its stream's close finds
// a closed source rather than freed memory. The descriptor is closed exactly once: by close()
// (the owner's close or destructor), or by the reactor's destructor when the Runtime goes first.
struct IoSource {
  int fd = -1;
  Reactor* reactor = nullptr;  // null once closed (by its owner, or by the Runtime's shutdown)
  IoWait* reader = nullptr;    // the task waiting to read (or accept), if any
  IoWait* writer = nullptr;    // the task waiting to write (or connect), if any
  // Readiness hints: set by a readiness event, cleared when an operation would block (or moved
  // fewer bytes than asked: the socket was drained). A cleared hint means "wait for the next
  // edge" without trying the system call first; edge-triggered epoll reports every change after it.
  bool read_ready = true;
  bool write_ready = true;
  // Sticky: the peer closed or reset (EPOLLRDHUP / EPOLLHUP / EPOLLERR seen). A read that
  // drained the data before the end of the stream clears read_ready, but no edge comes after an
  // end already reported, so reads keep trying the call (which returns 0 or the error at once).
  bool read_closed = false;
  bool write_closed = false;
  const char* kind = "";  // "TcpStream" or "TcpListener", for error messages
  SocketAddr addr;        // the peer (streams) or the bound address (listeners)
  std::uint32_t refs = 1;
  IoSource* prev = nullptr;  // the reactor's list of open sources
  IoSource* next = nullptr;
};

// One reference to an IoSource; the last one frees it (its descriptor is closed by then).
class SourceRef {
 public:
  SourceRef() noexcept = default;
  explicit SourceRef(IoSource* s) noexcept : s_(s) {
    if (s_ != nullptr) ++s_->refs;
  }
  // Takes over a reference already counted (a new source's first).
  static SourceRef adopt(IoSource* s) noexcept {
    SourceRef r;
    r.s_ = s;
    return r;
  }
  SourceRef(const SourceRef& o) noexcept : SourceRef(o.s_) {}
  SourceRef(SourceRef&& o) noexcept : s_(o.s_) { o.s_ = nullptr; }
  SourceRef& operator=(SourceRef o) noexcept {
    IoSource* t = s_;
    s_ = o.s_;
    o.s_ = t;
    return *this;
  }
  ~SourceRef() { reset(); }
  void reset() noexcept {
    if (s_ != nullptr && --s_->refs == 0) delete s_;
    s_ = nullptr;
  }
  IoSource* get() const noexcept { return s_; }
  IoSource* operator->() const noexcept { return s_; }
  explicit operator bool() const noexcept { return s_ != nullptr; }

 private:
  IoSource* s_ = nullptr;
};

struct IoWait {
  static constexpr std::size_t kNotInHeap = std::numeric_limits<std::size_t>::max();
  enum class Dir : std::uint8_t { kNone, kRead, kWrite };
  // Retries the operation when its descriptor becomes ready (in the reactor, before the task is
  // woken): true once it finished, with `result` or `error` set; false if it would block again.
  using Attempt = bool (*)(IoWait&) noexcept;

  IoWait() noexcept = default;
  // Awaiters move only before they wait (with_timeout returns the operation it was given).
  IoWait(IoWait&& o) noexcept
      : attempt(o.attempt),
        source(o.source),
        dir(o.dir),
        deadline(o.deadline),
        timeout(o.timeout),
        error(o.error),
        result(o.result) {
    if (o.reactor != nullptr) moved_while_waiting();
  }
  IoWait& operator=(IoWait&&) = delete;
  ~IoWait() {
    if (reactor != nullptr) leave();
  }

  bool has_deadline() const noexcept { return deadline != IoClock::time_point::max(); }
  bool waiting() const noexcept { return reactor != nullptr; }

  // The operation (set by the awaiter).
  Attempt attempt = nullptr;
  IoSource* source = nullptr;
  Dir dir = Dir::kNone;
  IoClock::time_point deadline = IoClock::time_point::max();
  std::chrono::nanoseconds timeout{0};  // what with_timeout asked, for the message
  // While waiting (set by the reactor).
  Reactor* reactor = nullptr;
  std::size_t heap_index = kNotInHeap;
  std::uint64_t timer_seq = 0;
  Waker waker;
  // The outcome.
  int error = 0;  // errno of the failed operation; ETIMEDOUT; EBADF when closed under the wait
  bool timed_out = false;
  std::size_t result = 0;

 private:
  void leave() noexcept;  // reactor.cpp
  [[noreturn]] static void moved_while_waiting() noexcept {
    std::fprintf(stderr, "allocbench: an I/O or timer awaiter was moved while it waited\n");
    std::abort();
  }
};

}  // namespace allocbench::detail
