// TcpListener, TcpStream and their awaiters (net.hpp): the system calls, retried by the reactor.
#include "runtime/net.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <stdexcept>
#include <string_view>
#include <system_error>
#include <utility>

#include "runtime/reactor.hpp"
#include "runtime/runtime.hpp"

namespace allocbench {

namespace {

sockaddr_in to_sockaddr(const SocketAddr& a) noexcept {
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port = htons(a.port);
  sa.sin_addr.s_addr = htonl(a.host);
  return sa;
}

SocketAddr from_sockaddr(const sockaddr_in& sa) noexcept {
  return {ntohl(sa.sin_addr.s_addr), ntohs(sa.sin_port)};
}

[[noreturn]] void throw_errno(int err, const std::string& what) {
  throw std::system_error(err, std::system_category(), what);
}

// Closes a socket's descriptor (once) and drops the owner's reference.
void close_source(detail::SourceRef& s, const char* kind) noexcept {
  if (!s) return;
  if (detail::Reactor* r = s->reactor) {
    if (!r->runtime().is_owner_thread()) {
      std::fprintf(stderr,
                   "allocbench: a %s was closed or destroyed on a thread other than its "
                   "Runtime's (sockets belong to the Runtime's thread)\n",
                   kind);
      std::abort();
    }
    r->close(*s.get());
  }
  s.reset();
}

}  // namespace

std::string to_string(const SocketAddr& a) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%u.%u.%u.%u:%u", a.host >> 24, (a.host >> 16) & 255u,
                (a.host >> 8) & 255u, a.host & 255u, static_cast<unsigned>(a.port));
  return buf;
}

// ---- the shared awaiter part ----------------------------------------------------------------

namespace detail {

SocketAwaiter::~SocketAwaiter() {
  if (reactor != nullptr) reactor->forget(*this);
}

bool SocketAwaiter::open_for_await() {
  if (!src_ || src_->reactor == nullptr) {
    error = EBADF;
    return false;
  }
  src_->reactor->check_in_task(op_);
  return true;
}

bool SocketAwaiter::try_now(bool ready_hint) noexcept {
  return ready_hint && attempt(*this);
}

void SocketAwaiter::suspend(std::coroutine_handle<> h) {
  src_->reactor->suspend(*this, h);
}

void SocketAwaiter::check_error() const {
  if (error == 0) return;
  std::string what = std::string(src_ ? src_->kind : "socket") + "::" + op_;
  if (src_) {
    what += std::string(std::string_view(src_->kind) == "TcpListener" ? " (" : " (peer ") +
            to_string(src_->addr);
    what += src_->fd >= 0 ? ", fd " + std::to_string(src_->fd) + ")" : ")";
  }
  if (timed_out) {
    char ms[48];
    std::snprintf(ms, sizeof ms, "%.3f ms", static_cast<double>(timeout.count()) / 1e6);
    throw IoTimeout(what + ": timed out after " + ms);
  }
  if (error == EBADF) {
    throw_errno(EBADF, what + (src_ && waited_ ? ": the socket was closed while a task waited on it"
                                               : ": the socket is not open (closed, never opened, "
                                                 "or its Runtime is gone)"));
  }
  throw_errno(error, what);
}

}  // namespace detail

// ---- read_some ------------------------------------------------------------------------------

ReadSomeAwaiter::ReadSomeAwaiter(detail::IoSource* s, std::span<std::byte> buf) noexcept
    : SocketAwaiter(s, "read_some"), buf_(buf.data()), len_(buf.size()) {
  attempt = &attempt_read;
  dir = Dir::kRead;
}

bool ReadSomeAwaiter::attempt_read(detail::IoWait& w) noexcept {
  auto& a = static_cast<ReadSomeAwaiter&>(w);
  detail::IoSource& s = *a.source;
  for (;;) {
    const ssize_t n = ::read(s.fd, a.buf_, a.len_);
    if (n >= 0) {
      a.result = static_cast<std::size_t>(n);
      // Fewer bytes than asked: the socket is drained, and the next byte brings an edge.
      if (n != 0 && a.result < a.len_) s.read_ready = false;
      return true;
    }
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) {
      s.read_ready = false;
      return false;
    }
    a.error = errno;
    return true;
  }
}

bool ReadSomeAwaiter::await_ready() {
  if (!open_for_await()) return true;
  if (len_ == 0) return true;
  if (try_now(source->read_ready || source->read_closed)) return true;
  waited_ = true;
  return false;
}

std::size_t ReadSomeAwaiter::await_resume() const {
  check_error();
  return result;
}

// ---- write_all ------------------------------------------------------------------------------

WriteAllAwaiter::WriteAllAwaiter(detail::IoSource* s, std::span<const std::byte> buf) noexcept
    : SocketAwaiter(s, "write_all"), buf_(buf.data()), len_(buf.size()) {
  attempt = &attempt_write;
  dir = Dir::kWrite;
}

bool WriteAllAwaiter::attempt_write(detail::IoWait& w) noexcept {
  auto& a = static_cast<WriteAllAwaiter&>(w);
  detail::IoSource& s = *a.source;
  while (a.done_ < a.len_) {
    const std::size_t left = a.len_ - a.done_;
    const ssize_t n = ::send(s.fd, a.buf_ + a.done_, left, MSG_NOSIGNAL);
    if (n >= 0) {
      a.done_ += static_cast<std::size_t>(n);
      if (static_cast<std::size_t>(n) < left && a.done_ < a.len_) {
        s.write_ready = false;  // the send buffer is full: wait for its edge
        return false;
      }
      continue;
    }
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) {
      s.write_ready = false;
      return false;
    }
    a.error = errno;
    return true;
  }
  a.result = a.done_;
  return true;
}

bool WriteAllAwaiter::await_ready() {
  if (!open_for_await()) return true;
  if (len_ == 0) return true;
  if (try_now(source->write_ready || source->write_closed)) return true;
  waited_ = true;
  return false;
}

// ---- accept ---------------------------------------------------------------------------------

AcceptAwaiter::AcceptAwaiter(detail::IoSource* s) noexcept : SocketAwaiter(s, "accept") {
  attempt = &attempt_accept;
  dir = Dir::kRead;
}

AcceptAwaiter::AcceptAwaiter(AcceptAwaiter&& o) noexcept
    : SocketAwaiter(std::move(o)), fd_(std::exchange(o.fd_, -1)), peer_(o.peer_) {}

AcceptAwaiter::~AcceptAwaiter() {
  if (fd_ >= 0) ::close(fd_);
}

bool AcceptAwaiter::attempt_accept(detail::IoWait& w) noexcept {
  auto& a = static_cast<AcceptAwaiter&>(w);
  detail::IoSource& s = *a.source;
  for (;;) {
    sockaddr_in sa{};
    socklen_t len = sizeof sa;
    const int fd =
        ::accept4(s.fd, reinterpret_cast<sockaddr*>(&sa), &len, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd >= 0) {
      a.fd_ = fd;
      a.peer_ = from_sockaddr(sa);
      return true;
    }
    if (errno == EINTR || errno == ECONNABORTED) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) {
      s.read_ready = false;
      return false;
    }
    a.error = errno;
    return true;
  }
}

bool AcceptAwaiter::await_ready() {
  if (!open_for_await()) return true;
  if (try_now(source->read_ready)) return true;
  waited_ = true;
  return false;
}

TcpStream AcceptAwaiter::await_resume() {
  check_error();
  const int fd = std::exchange(fd_, -1);
  // Registered with the listener's reactor (open closes the descriptor if it throws).
  detail::IoSource* s = source->reactor != nullptr
                            ? source->reactor->open(fd, "TcpStream", peer_, "TcpListener::accept")
                            : nullptr;
  if (s == nullptr) {
    ::close(fd);
    throw_errno(EBADF, "TcpListener::accept: the listener was closed");
  }
  return TcpStream(detail::SourceRef::adopt(s));
}

// ---- connect --------------------------------------------------------------------------------

ConnectAwaiter::ConnectAwaiter(const SocketAddr& to) noexcept
    : SocketAwaiter(nullptr, "connect"), to_(to) {
  attempt = &attempt_connect;
  dir = Dir::kWrite;
}

bool ConnectAwaiter::attempt_connect(detail::IoWait& w) noexcept {
  auto& a = static_cast<ConnectAwaiter&>(w);
  const int fd = a.source->fd;
  int err = 0;
  socklen_t len = sizeof err;
  if (::getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0) err = errno;
  if (err != 0) {
    a.error = err;
    return true;
  }
  sockaddr_in sa{};
  socklen_t sl = sizeof sa;
  if (::getpeername(fd, reinterpret_cast<sockaddr*>(&sa), &sl) < 0) {
    if (errno == ENOTCONN) return false;  // still connecting: a readiness edge came early
    a.error = errno;
  }
  return true;
}

bool ConnectAwaiter::await_ready() {
  if (started_) throw std::logic_error("TcpStream::connect awaited twice");
  started_ = true;
  const detail::TaskHeader* t = detail::tls_current_task;
  if (t == nullptr) throw std::logic_error("TcpStream::connect outside a runtime task");
  detail::Reactor& r = t->runtime->reactor();
  const std::string what = "TcpStream::connect to " + to_string(to_);
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) throw_errno(errno, what + ": socket");
  detail::IoSource* s = r.open(fd, "TcpStream", to_, what.c_str());
  stream_ = TcpStream(detail::SourceRef::adopt(s));
  src_ = detail::SourceRef(s);
  source = s;
  s->write_ready = false;  // not writable before it is connected
  const sockaddr_in sa = to_sockaddr(to_);
  if (::connect(fd, reinterpret_cast<const sockaddr*>(&sa), sizeof sa) == 0) return true;
  if (errno == EINPROGRESS || errno == EINTR) {
    waited_ = true;
    return false;
  }
  error = errno;
  return true;
}

TcpStream ConnectAwaiter::await_resume() {
  check_error();
  return std::move(stream_);
}

// ---- TcpStream ------------------------------------------------------------------------------

TcpStream& TcpStream::operator=(TcpStream&& o) noexcept {
  if (this != &o) {
    close();
    src_ = std::move(o.src_);
  }
  return *this;
}

void TcpStream::close() noexcept {
  close_source(src_, "TcpStream");
}

void TcpStream::shutdown(Shutdown how) {
  if (!is_open()) throw_errno(EBADF, "TcpStream::shutdown: the stream is not open");
  const int h = how == Shutdown::kRead ? SHUT_RD : how == Shutdown::kWrite ? SHUT_WR : SHUT_RDWR;
  if (::shutdown(src_->fd, h) < 0) {
    throw_errno(errno, "TcpStream::shutdown (peer " + to_string(src_->addr) + ")");
  }
}

void TcpStream::set_nodelay(bool on) {
  if (!is_open()) throw_errno(EBADF, "TcpStream::set_nodelay: the stream is not open");
  const int v = on ? 1 : 0;
  if (::setsockopt(src_->fd, IPPROTO_TCP, TCP_NODELAY, &v, sizeof v) < 0) {
    throw_errno(errno, "TcpStream::set_nodelay (peer " + to_string(src_->addr) + ")");
  }
}

SocketAddr TcpStream::local_addr() const {
  if (!is_open()) throw_errno(EBADF, "TcpStream::local_addr: the stream is not open");
  sockaddr_in sa{};
  socklen_t len = sizeof sa;
  if (::getsockname(src_->fd, reinterpret_cast<sockaddr*>(&sa), &len) < 0) {
    throw_errno(errno, "TcpStream::local_addr");
  }
  return from_sockaddr(sa);
}

// ---- TcpListener ----------------------------------------------------------------------------

TcpListener TcpListener::bind(Runtime& rt, const SocketAddr& addr, int backlog) {
  detail::Reactor& r = rt.reactor();
  const std::string what = "TcpListener::bind " + to_string(addr);
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) throw_errno(errno, what + ": socket");
  auto fail = [&](const char* step) {
    const int err = errno;
    ::close(fd);
    throw_errno(err, what + step);
  };
  const int one = 1;
  if (::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) < 0) fail(": SO_REUSEADDR");
  const sockaddr_in sa = to_sockaddr(addr);
  if (::bind(fd, reinterpret_cast<const sockaddr*>(&sa), sizeof sa) < 0) fail("");
  if (::listen(fd, backlog) < 0) fail(": listen");
  sockaddr_in bound{};
  socklen_t len = sizeof bound;
  if (::getsockname(fd, reinterpret_cast<sockaddr*>(&bound), &len) < 0) fail(": getsockname");
  // After listen: registered in the listening state, so no stale "closed" edge is queued.
  return TcpListener(
      detail::SourceRef::adopt(r.open(fd, "TcpListener", from_sockaddr(bound), what.c_str())));
}

TcpListener& TcpListener::operator=(TcpListener&& o) noexcept {
  if (this != &o) {
    close();
    src_ = std::move(o.src_);
  }
  return *this;
}

void TcpListener::close() noexcept {
  close_source(src_, "TcpListener");
}

}  // namespace allocbench
