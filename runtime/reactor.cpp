// The reactor's epoll loop, its sources and its waits (reactor.hpp).
#include "runtime/reactor.hpp"

#include <fcntl.h>
#include <sys/epoll.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <stdexcept>
#include <string>
#include <system_error>

#include "runtime/runtime.hpp"

namespace allocbench::detail {

namespace {

constexpr std::uint32_t kReadEvents = EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR;
constexpr std::uint32_t kWriteEvents = EPOLLOUT | EPOLLHUP | EPOLLERR;

[[noreturn]] void throw_errno(int err, const std::string& what) {
  throw std::system_error(err, std::system_category(), what);
}

IoWait*& slot(IoSource& s, IoWait::Dir d) noexcept {
  return d == IoWait::Dir::kRead ? s.reader : s.writer;
}

}  // namespace

void IoWait::leave() noexcept {
  reactor->forget(*this);
}

Reactor::Reactor(Runtime& rt, int wake_fd) : rt_(rt), wake_fd_(wake_fd) {
  epfd_ = ::epoll_create1(EPOLL_CLOEXEC);
  if (epfd_ < 0) throw_errno(errno, "reactor: epoll_create1");
  // The eventfd was read blocking by the loop without a reactor; from now on epoll waits on it
  // and the reactor drains it without blocking.
  const int flags = ::fcntl(wake_fd_, F_GETFL);
  epoll_event ev{};
  ev.events = EPOLLIN | EPOLLET;
  ev.data.ptr = nullptr;  // the wake eventfd; every other source has its IoSource here
  if (flags < 0 || ::fcntl(wake_fd_, F_SETFL, flags | O_NONBLOCK) < 0 ||
      ::epoll_ctl(epfd_, EPOLL_CTL_ADD, wake_fd_, &ev) < 0) {
    const int err = errno;
    ::close(epfd_);
    throw_errno(err, "reactor: registering the wake eventfd");
  }
}

Reactor::~Reactor() {
  while (sources_ != nullptr) close(*sources_);
  ::close(epfd_);
}

IoSource* Reactor::open(int fd, const char* kind, SocketAddr addr, const char* what) {
  auto* s = new (std::nothrow) IoSource;
  epoll_event ev{};
  ev.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET;
  ev.data.ptr = s;
  if (s == nullptr || ::epoll_ctl(epfd_, EPOLL_CTL_ADD, fd, &ev) < 0) {
    const int err = s == nullptr ? ENOMEM : errno;
    delete s;
    ::close(fd);
    throw_errno(err, std::string(what) + ": registering the socket with epoll");
  }
  s->fd = fd;
  s->reactor = this;
  s->kind = kind;
  s->addr = addr;
  s->next = sources_;
  if (sources_ != nullptr) sources_->prev = s;
  sources_ = s;
  ++open_sources_;
  return s;
}

void Reactor::close(IoSource& s) noexcept {
  for (IoWait* w : {s.reader, s.writer}) {
    if (w != nullptr) {
      w->error = EBADF;
      finish(*w);
    }
  }
  // Deleted explicitly: closing alone would leave the registration behind if the descriptor
  // had been duplicated (by a fork, say).
  ::epoll_ctl(epfd_, EPOLL_CTL_DEL, s.fd, nullptr);
  ::close(s.fd);
  s.fd = -1;
  s.reactor = nullptr;
  (s.prev != nullptr ? s.prev->next : sources_) = s.next;
  if (s.next != nullptr) s.next->prev = s.prev;
  s.prev = s.next = nullptr;
  --open_sources_;
}

void Reactor::check_in_task(const char* what) const {
  const TaskHeader* t = tls_current_task;
  if (t == nullptr) throw std::logic_error(std::string(what) + " outside a runtime task");
  if (t->runtime != &rt_) {
    throw std::logic_error(std::string(what) +
                           " in a task of another Runtime (sockets and timers belong to the "
                           "Runtime that made them)");
  }
}

void Reactor::suspend(IoWait& w, std::coroutine_handle<> h) {
  check_in_task("an I/O or timer await");
  if (w.dir != IoWait::Dir::kNone) {
    IoSource& s = *w.source;
    if (slot(s, w.dir) != nullptr) {
      throw std::logic_error(std::string(s.kind) + ": another task is already waiting to " +
                             (w.dir == IoWait::Dir::kRead ? "read from" : "write to") +
                             " this socket (one reader and one writer at a time)");
    }
  }
  if (w.has_deadline()) timers_.reserve_one();  // the last thing that may throw
  w.reactor = this;
  w.waker = rt_.park_current(*tls_current_task, h);
  ++parks_;
  if (w.dir != IoWait::Dir::kNone) {
    slot(*w.source, w.dir) = &w;
    ++waiting_io_;
  }
  if (w.has_deadline()) timers_.push(w);
}

void Reactor::unlink(IoWait& w) noexcept {
  if (w.dir != IoWait::Dir::kNone && w.source != nullptr && slot(*w.source, w.dir) == &w) {
    slot(*w.source, w.dir) = nullptr;
    --waiting_io_;
  }
  if (w.heap_index != IoWait::kNotInHeap) timers_.erase(w);
  w.reactor = nullptr;
}

void Reactor::forget(IoWait& w) noexcept {
  unlink(w);  // the Waker goes with the wait's own destruction
}

void Reactor::finish(IoWait& w) noexcept {
  unlink(w);
  std::move(w.waker).wake();
}

void Reactor::on_ready(IoWait* w) noexcept {
  if (w == nullptr) return;
  ++retries_;
  if (w->attempt(*w)) finish(*w);
}

void Reactor::fire_timers() noexcept {
  if (timers_.empty()) return;
  const auto now = IoClock::now();
  while (!timers_.empty() && timers_.top()->deadline <= now) {
    IoWait& w = *timers_.top();
    w.timed_out = true;
    if (w.dir != IoWait::Dir::kNone) w.error = ETIMEDOUT;
    finish(w);
  }
}

// epoll_pwait2 takes the timeout in ns; kernels before 5.11 lack it (ENOSYS), and there the
// timeout is rounded up to whole ms, so a timer never fires early.
int Reactor::wait_events(bool block) {
  static bool have_pwait2 = true;
  timespec ts{0, 0};
  const timespec* tp = &ts;
  if (block) {
    if (timers_.empty()) {
      tp = nullptr;  // no deadline: until an event
    } else {
      // Compared before subtracting: a deadline of time_point::min() (a zero timeout) would
      // overflow the difference.
      const auto now = IoClock::now();
      const auto dl = timers_.top()->deadline;
      const auto left = dl <= now ? IoClock::duration::zero() : dl - now;
      const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(left).count();
      ts.tv_sec = static_cast<time_t>(ns / 1'000'000'000);
      ts.tv_nsec = static_cast<long>(ns % 1'000'000'000);
    }
  }
  if (have_pwait2) {
    const int n = ::epoll_pwait2(epfd_, events_.data(), kMaxEvents, tp, nullptr);
    if (n >= 0 || errno != ENOSYS) return n;
    have_pwait2 = false;
  }
  int ms = -1;
  if (tp != nullptr) {
    const long long total =
        static_cast<long long>(ts.tv_sec) * 1000 + (ts.tv_nsec + 999'999) / 1'000'000;
    ms = static_cast<int>(std::min<long long>(total, 1 << 30));
  }
  return ::epoll_wait(epfd_, events_.data(), kMaxEvents, ms);
}

std::size_t Reactor::turn(bool block) {
  ++polls_;
  int n = wait_events(block);
  if (n < 0) {
    if (errno != EINTR) throw_errno(errno, "reactor: epoll_wait");
    n = 0;
  }
  std::size_t woken = 0;
  for (int i = 0; i < n; ++i) {
    const epoll_event& ev = events_[static_cast<std::size_t>(i)];
    if (ev.data.ptr == nullptr) {
      // The wake eventfd: the Runtime polls its remote queue after the turn.
      std::uint64_t v;
      while (::read(wake_fd_, &v, sizeof v) < 0 && errno == EINTR) {
      }
      continue;
    }
    // No source is closed while events are dispatched (attempts run no user code), so every
    // pointer harvested in this turn is still a live, open source.
    auto& s = *static_cast<IoSource*>(ev.data.ptr);
    if (ev.events & (EPOLLRDHUP | EPOLLHUP | EPOLLERR)) s.read_closed = true;
    if (ev.events & (EPOLLHUP | EPOLLERR)) s.write_closed = true;
    if (ev.events & kReadEvents) {
      s.read_ready = true;
      IoWait* w = s.reader;
      on_ready(w);
      woken += w != nullptr && s.reader == nullptr;
    }
    if (ev.events & kWriteEvents) {
      s.write_ready = true;
      IoWait* w = s.writer;
      on_ready(w);
      woken += w != nullptr && s.writer == nullptr;
    }
  }
  const std::size_t before = timers_.size();
  fire_timers();
  return woken + (before - timers_.size());
}

}  // namespace allocbench::detail
