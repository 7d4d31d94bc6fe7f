// Task<T>: a lazily started coroutine. It can be awaited directly by another coroutine (it then
// runs inline, with symmetric transfer) or handed to a Runtime, which runs it as a task of its
// own. Either consumes it: a Task runs once. Its frame always comes from allocate_frame
// (frame_alloc.hpp), with a TaskHeader in front of it.
#pragma once

#include <coroutine>
#include <exception>
#include <stdexcept>
#include <type_traits>
#include <utility>
#include <variant>

#include "runtime/frame_alloc.hpp"
#include "runtime/task_header.hpp"

namespace allocbench {

template <class T = void>
class Task;

namespace detail {

// Called by a spawned task's final suspend when someone may still look at it (a handle, a flag
// set); defined in runtime.cpp, out of the hot path.
void on_task_finished(TaskHeader& h) noexcept;
// The task's ext, taken from its runtime's pool on first use (runtime.cpp).
TaskExt& ext_of(TaskHeader& h) noexcept;

// A spawned task that finishes detached, with no flag set (no exception, no cancel, not on the
// shutdown list), is freed by its own coroutine: await_ready says so, the frame runs off its end
// and destroys itself (promise, then operator delete) without a separate destroy() call. The run
// loop learns it from tls_current_task going null. Everything else suspends here.
struct FinalAwaiter {
  TaskHeader& hdr;
  bool await_ready() const noexcept {
    // Only the task the run loop is resuming frees itself: an inline Task (never the current
    // task) returns to its awaiter, and a spawned task resumed by someone else (an awaiter the
    // runtime does not know) takes the slow path.
    if (&hdr != tls_current_task) return false;
    if ((hdr.flags | hdr.handle_or_ext_) != 0) return false;
    tls_current_task = nullptr;
    return true;
  }
  std::coroutine_handle<> await_suspend(std::coroutine_handle<>) noexcept {
    if (hdr.state == TaskState::kInline) {
      // The chain of inline awaits is one shorter: its innermost Task is now the parent.
      TaskHeader* top = tls_current_task;
      if (top != nullptr && top->has_ext()) top->ext()->inner = hdr.parent;
      return std::coroutine_handle<>::from_address(hdr.continuation);
    }
    on_task_finished(hdr);
    return std::noop_coroutine();
  }
  void await_resume() const noexcept {}
};

struct PromiseBase {
  static void* operator new(std::size_t n) { return allocate_frame(n); }
  static void operator delete(void* p, std::size_t n) noexcept { deallocate_frame(p, n); }

  std::suspend_always initial_suspend() const noexcept { return {}; }

 protected:
  template <class P>
  static TaskHeader& header(P& promise) noexcept {
    return header_of(std::coroutine_handle<P>::from_promise(promise).address());
  }
};

template <class T>
struct Promise : PromiseBase {
  std::variant<std::monostate, T, std::exception_ptr> result;

  Task<T> get_return_object() noexcept;
  FinalAwaiter final_suspend() noexcept { return {header(*this)}; }
  template <class U>
  requires std::is_convertible_v<U&&, T>
  void return_value(U&& v) noexcept(std::is_nothrow_constructible_v<T, U&&>) {
    result.template emplace<1>(std::forward<U>(v));
  }
  void unhandled_exception() noexcept {
    result.template emplace<2>(std::current_exception());
    header(*this).flags |= task_flag::kHasException;
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
  FinalAwaiter final_suspend() noexcept { return {header(*this)}; }
  void return_void() noexcept {}
  void unhandled_exception() noexcept {
    error = std::current_exception();
    header(*this).flags |= task_flag::kHasException;
  }
  void take() {
    if (error) std::rethrow_exception(error);
  }
};

template <class T>
Promise<T>& promise_of(TaskHeader& h) noexcept {
  return std::coroutine_handle<Promise<T>>::from_address(frame_of(h)).promise();
}

template <class P>
inline constexpr bool kIsTaskPromise = std::is_base_of_v<PromiseBase, P>;

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

  // Awaiting a Task consumes it, runs it inline and yields its result (or rethrows its
  // exception). The awaiter owns the frame until the await completes.
  class Awaiter {
   public:
    explicit Awaiter(Handle h) noexcept : h_(h) {}
    Awaiter(const Awaiter&) = delete;
    Awaiter& operator=(const Awaiter&) = delete;
    ~Awaiter() {
      // A chain destroyed innermost first has already destroyed this frame.
      if (h_ && h_.address() != detail::tls_chain_destroyed) h_.destroy();
    }
    bool await_ready() const {
      if (!h_)
        throw std::logic_error(
            "co_await on an empty Task (already awaited, spawned or moved from)");
      return false;
    }
    template <class P>
    std::coroutine_handle<> await_suspend(std::coroutine_handle<P> parent) noexcept {
      detail::TaskHeader& child = detail::header_of(h_.address());
      child.continuation = parent.address();
      if constexpr (detail::kIsTaskPromise<P>) {
        child.parent = &detail::header_of(parent.address());
      } else {
        child.parent = nullptr;
      }
      if (detail::TaskHeader* top = detail::tls_current_task) detail::ext_of(*top).inner = &child;
      return h_;
    }
    T await_resume() { return h_.promise().take(); }

   private:
    Handle h_;
  };
  Awaiter operator co_await() && noexcept { return Awaiter{std::exchange(h_, {})}; }

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

// A frame goes back through its runtime's backend (deallocate_frame, hot_path.hpp): whoever
// creates a Task needs the Runtime's definition.
#include "runtime/runtime.hpp"  // IWYU pragma: keep
