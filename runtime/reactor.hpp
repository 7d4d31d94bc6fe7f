// The reactor: one edge-triggered epoll instance per Runtime, beside the executor (not a second
// one). Its sources are the Runtime's cross-thread wake eventfd, every open TcpStream /
// TcpListener, and a deadline heap, so remote wakes, I/O readiness and timers share one wait of
// the owner thread: when no task is ready, block_on blocks in epoll_wait until the next deadline.
//
// It is created on first use (the first socket or timer), so a Runtime that never does I/O has
// none: no descriptor, no system call, nothing on the spawn / run path (the run loop looks at it
// only once the ready queue is empty). Everything here runs on the owner thread.
//
// On readiness the reactor retries the waiting operation itself (IoWait::attempt) and wakes the
// task only when it finished: a write_all that needs several partial writes costs one wake.
#pragma once

#include <sys/epoll.h>

#include <array>
#include <coroutine>
#include <cstddef>
#include <cstdint>

#include "runtime/io_wait.hpp"
#include "runtime/timer_heap.hpp"

namespace allocbench {
class Runtime;
}

namespace allocbench::detail {

class Reactor {
 public:
  Reactor(Runtime& rt, int wake_fd);
  // Closes every source still open (owned by objects outside the Runtime's tasks: they find
  // their descriptor closed) and the epoll descriptor. The Runtime's tasks are gone by then,
  // and with them every IoWait.
  ~Reactor();
  Reactor(const Reactor&) = delete;
  Reactor& operator=(const Reactor&) = delete;

  Runtime& runtime() const noexcept { return rt_; }

  // Registers a non-blocking descriptor; the source it returns has one reference (its owner's).
  // On failure the descriptor is closed and system_error names `what`.
  IoSource* open(int fd, const char* kind, SocketAddr addr, const char* what);
  // Wakes the source's waiters (their await sees EBADF), deregisters and closes the descriptor.
  void close(IoSource& s) noexcept;

  // The running task, which must be one of this runtime's, parks until `w` finishes: its
  // descriptor's readiness (w.source, w.dir), its deadline, or both. logic_error (before
  // anything changes) outside a task of this runtime, or when another task already waits on
  // the same direction of that source.
  void suspend(IoWait& w, std::coroutine_handle<> h);
  // A wait destroyed before it finished (its task was cancelled or shut down).
  void forget(IoWait& w) noexcept;

  // One turn: harvest readiness (blocking until the next deadline only if `block`), retry the
  // waiting operations, fire the expired deadlines. Returns the tasks woken.
  std::size_t turn(bool block);

  std::size_t open_sources() const noexcept { return open_sources_; }
  std::size_t pending_timers() const noexcept { return timers_.size(); }
  std::size_t waiting_io() const noexcept { return waiting_io_; }
  // Since creation: waits that parked a task, operations retried on a readiness event (a
  // partial write continued, a read after its data arrived), and epoll_wait calls.
  std::uint64_t parks() const noexcept { return parks_; }
  std::uint64_t retries() const noexcept { return retries_; }
  std::uint64_t polls() const noexcept { return polls_; }

  // logic_error unless the running task belongs to this reactor's runtime (names `what`).
  void check_in_task(const char* what) const;

 private:
  void finish(IoWait& w) noexcept;  // unlinks and wakes
  void unlink(IoWait& w) noexcept;
  void on_ready(IoWait* w) noexcept;
  void fire_timers() noexcept;
  int wait_events(bool block);

  Runtime& rt_;
  int epfd_ = -1;
  int wake_fd_;  // the Runtime's eventfd (the Runtime closes it)
  IoSource* sources_ = nullptr;
  std::size_t open_sources_ = 0;
  std::size_t waiting_io_ = 0;
  std::uint64_t parks_ = 0;
  std::uint64_t retries_ = 0;
  std::uint64_t polls_ = 0;
  TimerHeap timers_;
  static constexpr int kMaxEvents = 256;
  std::array<epoll_event, kMaxEvents> events_;
};

}  // namespace allocbench::detail
