// sleep_for / sleep_until: a wait on the reactor's deadline heap alone.
#include "runtime/timers.hpp"

#include "runtime/reactor.hpp"
#include "runtime/runtime.hpp"

namespace allocbench {

void SleepAwaiter::await_suspend(std::coroutine_handle<> h) {
  const detail::TaskHeader* t = detail::tls_current_task;
  if (t == nullptr) throw std::logic_error("sleep_for / sleep_until outside a runtime task");
  t->runtime->reactor().suspend(*this, h);
}

}  // namespace allocbench
