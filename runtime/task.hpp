// Task<T>: a lazily started coroutine. It can be awaited directly by another coroutine (it then
// runs inline, with symmetric transfer) or handed to a Runtime, which runs it as a task of its
// own. Its frame always comes from allocate_frame (frame_alloc.hpp).
#pragma once

#include <coroutine>
#include <exception>
#include <type_traits>
#include <utility>
#include <variant>

#include "runtime/frame_alloc.hpp"
#include "runtime/task_header.hpp"

namespace allocbench {

template <class T = void>
class Task;

namespace detail {

// Called by a spawned task's final suspend; defined in runtime.cpp.
void on_task_finished(TaskHeader& h) noexcept;

struct FinalAwaiter {
  bool await_ready() const noexcept { return false; }
  template <class P>
  std::coroutine_handle<> await_suspend(std::coroutine_handle<P> h) noexcept {
    TaskHeader& hdr = h.promise();
    if (hdr.state == TaskState::kInline) {
      return hdr.continuation ? hdr.continuation : std::noop_coroutine();
    }
    on_task_finished(hdr);
    return std::noop_coroutine();
  }
  void await_resume() const noexcept {}
};

struct PromiseBase : TaskHeader {
  static void* operator new(std::size_t n) { return allocate_frame(n); }
  static void operator delete(void* p, std::size_t n) noexcept { deallocate_frame(p, n); }

  std::suspend_always initial_suspend() const noexcept { return {}; }
  FinalAwaiter final_suspend() const noexcept { return {}; }
};

template <class T>
struct Promise : PromiseBase {
  std::variant<std::monostate, T, std::exception_ptr> result;

  Task<T> get_return_object() noexcept;
  template <class U>
  requires std::is_convertible_v<U&&, T>
  void return_value(U&& v) noexcept(std::is_nothrow_constructible_v<T, U&&>) {
    result.template emplace<1>(std::forward<U>(v));
  }
  void unhandled_exception() noexcept {
    result.template emplace<2>(std::current_exception());
    has_exception = true;
  }
  // Moves the result out, or rethrows the task's exception.
  T take() {
    if (result.index() == 2) std::rethrow_exception(std::get<2>(result));
    return std::move(std::get<1>(result));
  }
};

template <>
struct Promise<void> : PromiseBase {
  std::exception_ptr error;

  Task<void> get_return_object() noexcept;
  void return_void() noexcept {}
  void unhandled_exception() noexcept {
    error = std::current_exception();
    has_exception = true;
  }
  void take() {
    if (error) std::rethrow_exception(error);
  }
};

}  // namespace detail

template <class T>
class [[nodiscard]] Task {
 public:
  using promise_type = detail::Promise<T>;
  using Handle = std::coroutine_handle<promise_type>;

  Task() noexcept = default;
  explicit Task(Handle h) noexcept : h_(h) {}
  Task(Task&& o) noexcept : h_(std::exchange(o.h_, {})) {}
  Task& operator=(Task&& o) noexcept {
    if (this != &o) {
      reset();
      h_ = std::exchange(o.h_, {});
    }
    return *this;
  }
  ~Task() { reset(); }

  bool valid() const noexcept { return static_cast<bool>(h_); }
  void* frame_address() const noexcept { return h_ ? h_.address() : nullptr; }
  // Gives up ownership of the frame (the runtime takes it on spawn).
  Handle release() noexcept { return std::exchange(h_, {}); }

  // Awaiting a Task runs it inline and yields its result (or rethrows its exception).
  struct Awaiter {
    Handle h;
    bool await_ready() const noexcept { return false; }
    std::coroutine_handle<> await_suspend(std::coroutine_handle<> parent) noexcept {
      h.promise().continuation = parent;
      return h;
    }
    T await_resume() { return h.promise().take(); }
  };
  Awaiter operator co_await() && noexcept { return Awaiter{h_}; }

 private:
  void reset() noexcept {
    if (h_) std::exchange(h_, {}).destroy();
  }
  Handle h_;
};

namespace detail {
template <class T>
Task<T> Promise<T>::get_return_object() noexcept {
  return Task<T>(std::coroutine_handle<Promise<T>>::from_promise(*this));
}
inline Task<void> Promise<void>::get_return_object() noexcept {
  return Task<void>(std::coroutine_handle<Promise<void>>::from_promise(*this));
}
}  // namespace detail

}  // namespace allocbench
