// Non-blocking TCP over IPv4 on the Runtime's reactor (reactor.hpp):
//
//   TcpListener l = TcpListener::bind(rt, SocketAddr::loopback(0));   // port 0: any free port
//   TcpStream s = co_await l.accept();
//   TcpStream c = co_await TcpStream::connect(l.local_addr());
//   std::size_t n = co_await s.read_some(buf);                       // 0: the peer closed
//   co_await s.write_all(bytes);                                      // every byte, or throws
//   co_await with_timeout(s.read_some(buf), 5s);                      // IoTimeout (timers.hpp)
//   s.shutdown(Shutdown::kWrite); s.close();
//
// Every await runs inside a task of the Runtime the socket belongs to (logic_error otherwise).
// An operation first tries its system call when the socket may be ready, and parks the task only
// when it would block; the reactor then retries it on the socket's next readiness and wakes the
// task once it finished (a partial write is continued there: one wake per write_all). Errors are
// std::system_error with errno and what was attempted ("TcpStream::read_some from
// 127.0.0.1:40312 (fd 9): Connection reset by peer"). Each descriptor is closed exactly once:
// by close() or the destructor (a task waiting on the socket then sees EBADF), or, for a socket
// that outlives its Runtime, by the Runtime's destructor (the object is then closed and inert).
// One task may wait to read and one to write on a socket at a time. Writes use MSG_NOSIGNAL:
// a reset peer is an EPIPE error, never a SIGPIPE.
#pragma once

#include <coroutine>
#include <cstddef>
#include <span>
#include <string>

#include "runtime/io_wait.hpp"
#include "runtime/timers.hpp"

namespace allocbench {

class Runtime;
class TcpStream;

// "127.0.0.1:8080"
std::string to_string(const SocketAddr& a);

enum class Shutdown { kRead, kWrite, kBoth };

namespace detail {
// The part every socket awaiter shares: a reference to its source and the error message.
class SocketAwaiter : public IoWait {
 public:
  SocketAwaiter(SocketAwaiter&&) noexcept = default;
  // Leaves the reactor before src_ lets go of the source (~IoWait would come after it).
  ~SocketAwaiter();

 protected:
  SocketAwaiter(IoSource* s, const char* op) noexcept : src_(s), op_(op) { source = s; }
  // Inside a task of the socket's runtime, on a socket still open (else the error is EBADF).
  bool open_for_await();
  // Tries the operation if the socket may be ready: true when it finished (or failed).
  bool try_now(bool ready_hint) noexcept;
  void suspend(std::coroutine_handle<> h);
  // Throws the recorded error (IoTimeout for an expired deadline).
  void check_error() const;

  SourceRef src_;
  const char* op_;
  bool waited_ = false;  // it parked: EBADF then means "closed while waiting"
};
}  // namespace detail

class ReadSomeAwaiter : public detail::SocketAwaiter {
 public:
  bool await_ready();
  void await_suspend(std::coroutine_handle<> h) { suspend(h); }
  std::size_t await_resume() const;  // bytes read; 0 when the peer has closed (or an empty buffer)

 private:
  friend class TcpStream;
  ReadSomeAwaiter(detail::IoSource* s, std::span<std::byte> buf) noexcept;
  static bool attempt_read(detail::IoWait& w) noexcept;
  std::byte* buf_;
  std::size_t len_;
};

class WriteAllAwaiter : public detail::SocketAwaiter {
 public:
  bool await_ready();
  void await_suspend(std::coroutine_handle<> h) { suspend(h); }
  void await_resume() const { check_error(); }

 private:
  friend class TcpStream;
  WriteAllAwaiter(detail::IoSource* s, std::span<const std::byte> buf) noexcept;
  static bool attempt_write(detail::IoWait& w) noexcept;
  const std::byte* buf_;
  std::size_t len_;
  std::size_t done_ = 0;
};

class AcceptAwaiter;
class ConnectAwaiter;

class TcpStream {
 public:
  TcpStream() noexcept = default;  // not open
  TcpStream(TcpStream&& o) noexcept = default;
  TcpStream& operator=(TcpStream&& o) noexcept;
  ~TcpStream() { close(); }

  // co_await inside a task: a connected stream registered with that task's Runtime.
  static ConnectAwaiter connect(const SocketAddr& to);

  ReadSomeAwaiter read_some(std::span<std::byte> buf) noexcept { return {src_.get(), buf}; }
  WriteAllAwaiter write_all(std::span<const std::byte> buf) noexcept { return {src_.get(), buf}; }

  void shutdown(Shutdown how);  // shutdown(2); system_error
  void set_nodelay(bool on);    // TCP_NODELAY; system_error
  void close() noexcept;        // idempotent; a task waiting on it sees EBADF
  bool is_open() const noexcept { return src_ && src_->reactor != nullptr; }
  int native_handle() const noexcept { return is_open() ? src_->fd : -1; }
  SocketAddr peer_addr() const noexcept { return src_ ? src_->addr : SocketAddr{}; }
  SocketAddr local_addr() const;

 private:
  friend class AcceptAwaiter;
  friend class ConnectAwaiter;
  explicit TcpStream(detail::SourceRef s) noexcept : src_(std::move(s)) {}
  detail::SourceRef src_;
};

class AcceptAwaiter : public detail::SocketAwaiter {
 public:
  AcceptAwaiter(AcceptAwaiter&& o) noexcept;
  ~AcceptAwaiter();  // closes a connection accepted but never handed out (a cancelled task's)
  bool await_ready();
  void await_suspend(std::coroutine_handle<> h) { suspend(h); }
  TcpStream await_resume();

 private:
  friend class TcpListener;
  explicit AcceptAwaiter(detail::IoSource* s) noexcept;
  static bool attempt_accept(detail::IoWait& w) noexcept;
  int fd_ = -1;
  SocketAddr peer_;
};

class ConnectAwaiter : public detail::SocketAwaiter {
 public:
  ConnectAwaiter(ConnectAwaiter&& o) noexcept = default;
  bool await_ready();
  void await_suspend(std::coroutine_handle<> h) { suspend(h); }
  TcpStream await_resume();

 private:
  friend class TcpStream;
  explicit ConnectAwaiter(const SocketAddr& to) noexcept;
  static bool attempt_connect(detail::IoWait& w) noexcept;
  SocketAddr to_;
  TcpStream stream_;  // owns the socket until it is handed out (closed if never)
  bool started_ = false;
};

inline ConnectAwaiter TcpStream::connect(const SocketAddr& to) {
  return ConnectAwaiter(to);
}

class TcpListener {
 public:
  static constexpr int kDefaultBacklog = 4096;

  TcpListener() noexcept = default;
  // socket + SO_REUSEADDR + bind + listen, registered with rt's reactor (created if need be);
  // system_error naming the address (EADDRINUSE: "TcpListener::bind 127.0.0.1:8080: Address
  // already in use"). Owner thread of rt only.
  static TcpListener bind(Runtime& rt, const SocketAddr& addr, int backlog = kDefaultBacklog);
  TcpListener(TcpListener&&) noexcept = default;
  TcpListener& operator=(TcpListener&& o) noexcept;
  ~TcpListener() { close(); }

  AcceptAwaiter accept() noexcept { return AcceptAwaiter(src_.get()); }
  SocketAddr local_addr() const noexcept { return src_ ? src_->addr : SocketAddr{}; }
  void close() noexcept;
  bool is_open() const noexcept { return src_ && src_->reactor != nullptr; }
  int native_handle() const noexcept { return is_open() ? src_->fd : -1; }

 private:
  explicit TcpListener(detail::SourceRef s) noexcept : src_(std::move(s)) {}
  detail::SourceRef src_;
};

}  // namespace allocbench
