// Timers: `co_await sleep_for(d)` / `sleep_until(t)` inside a task, and a deadline on any I/O
// await: `co_await with_timeout(stream.read_some(buf), 5s)` throws IoTimeout (a system_error
// with errc::timed_out) if the operation has not finished by then. Deadlines are kept in the
// reactor's heap (timer_heap.hpp) on steady_clock; the owner thread sleeps in epoll_wait until
// the nearest one. Equal deadlines fire in the order they were set. Cancelling a sleeping task
// takes its deadline out of the heap.
#pragma once

#include <chrono>
#include <concepts>
#include <coroutine>
#include <string>
#include <system_error>
#include <type_traits>
#include <utility>

#include "runtime/io_wait.hpp"

namespace allocbench {

// What an I/O await with a deadline throws when the deadline passes first.
class IoTimeout : public std::system_error {
 public:
  explicit IoTimeout(const std::string& what)
      : std::system_error(std::make_error_code(std::errc::timed_out), what) {}
};

class SleepAwaiter : public detail::IoWait {
 public:
  bool await_ready() const noexcept { return ready_now_; }
  void await_suspend(std::coroutine_handle<> h);  // logic_error outside a runtime task
  void await_resume() const noexcept {}

 private:
  friend SleepAwaiter sleep_until(detail::IoClock::time_point t);
  explicit SleepAwaiter(detail::IoClock::time_point t, bool ready_now) noexcept
      : ready_now_(ready_now) {
    deadline = t;
  }
  bool ready_now_;
};

namespace detail {
// now + d; a duration so long it would overflow the clock (beyond a century) means no deadline.
template <class Rep, class Period>
IoClock::time_point deadline_after(std::chrono::duration<Rep, Period> d) {
  using namespace std::chrono;
  if (d <= d.zero()) return IoClock::time_point::min();
  if (duration_cast<duration<double>>(d) > hours(24 * 365 * 100)) return IoClock::time_point::max();
  return IoClock::now() + ceil<IoClock::duration>(d);
}
}  // namespace detail

// A deadline already passed (or a duration <= 0) does not suspend.
inline SleepAwaiter sleep_until(detail::IoClock::time_point t) {
  return SleepAwaiter(t, t <= detail::IoClock::now());
}
template <class Rep, class Period>
SleepAwaiter sleep_for(std::chrono::duration<Rep, Period> d) {
  return sleep_until(detail::deadline_after(d));
}

// The I/O awaiters of net.hpp (not a sleep: its deadline is its purpose).
template <class A>
concept IoAwaiter = std::derived_from<A, detail::IoWait> && !std::same_as<A, SleepAwaiter>;

// Puts a deadline `d` from now on an I/O await (the earlier one wins if it already had one).
template <class A, class Rep, class Period>
requires IoAwaiter<std::remove_cvref_t<A>> &&(!std::is_lvalue_reference_v<A>)
    std::remove_cvref_t<A> with_timeout(A&& op, std::chrono::duration<Rep, Period> d) {
  const auto dl = detail::deadline_after(d);
  if (dl < op.deadline) {
    op.deadline = dl;
    op.timeout = std::chrono::duration_cast<std::chrono::nanoseconds>(d);
  }
  return std::move(op);
}

}  // namespace allocbench
