// The single-threaded executor. One Runtime per thread owns a task-allocator backend (the
// process's compile-time TaskBackend) for its whole life, a ready queue threaded through the task
// frames, and a remote queue + eventfd through which other threads wake its tasks. Only the owner
// thread resumes and frees frames. Destroying a Runtime destroys every task it still has and
// returns every slot before the backend itself goes. I/O and timers (net.hpp, timers.hpp) go
// through a reactor (reactor.hpp) that the Runtime creates on first use.
#pragma once

#include <atomic>
#include <concepts>
#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <type_traits>
#include <vector>

#include "allocators/backend.hpp"
#include "runtime/errors.hpp"
#include "runtime/join_handle.hpp"
#include "runtime/mpsc_queue.hpp"
#include "runtime/slab_claim.hpp"
#include "runtime/task.hpp"
#include "runtime/waker.hpp"

namespace allocbench {

namespace detail {
class Reactor;
template <class F>
using FactoryTask = std::remove_cvref_t<std::invoke_result_t<F&>>;
template <class T>
struct TaskResult;
template <class T>
struct TaskResult<Task<T>> {
  using type = T;
};
// Whether a backend is full now; backends without a capacity never are.
template <class B>
bool backend_full(const B& b) noexcept {
  if constexpr (requires { b.full(); }) {
    return b.full();
  } else {
    return false;
  }
}
// One per thread: its address names the thread, and comparing it is cheaper than pthread_self().
inline thread_local char tls_thread_marker = 0;
}  // namespace detail

class Runtime {
 public:
  explicit Runtime(const BackendConfig& config = {});
  ~Runtime();
  Runtime(const Runtime&) = delete;
  Runtime& operator=(const Runtime&) = delete;

  // Box path: the task's frame already exists (from global operator new).
  template <class T>
  JoinHandle<T> spawn(Task<T> task);

  // Backend path: the frame the factory creates comes from this runtime's backend. SlabFull
  // when a bounded slab is full, FrameTooLarge (before any slot is taken) when the frame does
  // not fit a slot.
  template <class F>
  auto spawn_slab(F&& factory);
  // As spawn_slab, but an empty optional instead of SlabFull.
  template <class F>
  auto try_spawn_slab(F&& factory);

  SlabClaim claim_slab();                     // SlabFull when full
  std::optional<SlabClaim> try_claim_slab();  // empty when full

  // Spawns the task (Box path), runs the loop until it finishes, and returns its result.
  // Blocks while only other threads, I/O or timers can make progress (on the eventfd, or in the
  // reactor's epoll_wait once there is one); logic_error if nothing can ever finish it (nothing
  // ready and no waker alive: a task waiting on I/O or a timer holds one). With a reactor it
  // also looks at I/O and timers every kIoPollInterval resumptions while tasks stay ready.
  template <class T>
  T block_on(Task<T> task);

  // Runs ready tasks (and imports remote wakes) until none is ready. Never blocks. Returns the
  // number of resumptions.
  std::size_t run_until_idle();
  // Resumes one ready task; false if none was ready.
  bool run_one();
  // run_until_idle and run_one never look at I/O or timers (they stay as cheap as without a
  // reactor); poll_io() harvests I/O readiness and expired timers without blocking and returns
  // the tasks it woke (0 without a reactor).
  std::size_t poll_io();
  static constexpr unsigned kIoPollInterval = 64;
  // block_on, run_until_idle and run_one are refused (logic_error) inside a task of any runtime:
  // the loop would resume tasks under the one running, which may free itself. Every public call
  // but the Waker's is refused from a thread other than the one that built the runtime.

  TaskBackend& backend() noexcept { return backend_; }
  const TaskBackend& backend() const noexcept { return backend_; }
  std::size_t live_tasks() const noexcept { return live_count_; }
  std::size_t ready_tasks() const noexcept;  // walks the ready queue: for tests and diagnostics
  std::size_t unobserved_exceptions() const noexcept { return unobserved_exceptions_; }
  // Blocks whose task is gone but that a Waker held elsewhere still names.
  std::size_t retained_blocks() const noexcept { return zombies_; }
  std::size_t outstanding_wakers() const noexcept {
    return wakers_live_.load(std::memory_order_acquire);
  }
  bool is_owner_thread() const noexcept { return owner_marker_ == &detail::tls_thread_marker; }
  // The reactor behind net.hpp and timers.hpp, created on first use (owner thread only).
  detail::Reactor& reactor();
  bool has_reactor() const noexcept { return reactor_ != nullptr; }

  // The task running on this thread parks; `f(Waker)` is called once it is suspended and may
  // hand the Waker to another thread.
  template <class F>
  static auto park(F&& f);

 private:
  friend class JoinHandleBase;
  friend class SlabClaim;
  friend class Waker;
  friend void detail::on_task_finished(detail::TaskHeader&) noexcept;
  friend void* detail::allocate_frame(std::size_t);
  friend void detail::deallocate_frame(void*, std::size_t) noexcept;
  friend detail::TaskExt& detail::ext_of(detail::TaskHeader&) noexcept;
  template <class F>
  friend struct ParkAwaiter;
  friend struct YieldAwaiter;
  friend class detail::Reactor;

  template <class F>
  auto place_and_spawn(detail::FramePlacement& pl, F&& factory);
  template <class T>
  JoinHandle<T> spawn_unchecked(Task<T> task) noexcept;
  void adopt(detail::TaskHeader& t) noexcept;
  bool run_ready_one();
  void after_resume(detail::TaskHeader& t) noexcept;
  // Cold checks: throw logic_error naming the call.
  void check_owner(const char* call) const {
    if (!is_owner_thread()) [[unlikely]]
      throw_not_owner(call);
  }
  void check_loop_entry(const char* call) const {
    check_owner(call);
    if (detail::tls_current_task != nullptr) [[unlikely]]
      throw_reentry(call);
  }
  [[noreturn]] static void throw_not_owner(const char* call);
  [[noreturn]] static void throw_reentry(const char* call);
  [[noreturn]] static void throw_misplaced(bool created_a_frame);

  void push_ready(detail::TaskHeader& t) noexcept;
  detail::TaskHeader* pop_ready() noexcept;
  void unlink_ready(detail::TaskHeader& t) noexcept;
  bool ready_empty() const noexcept { return ready_.next == &ready_; }
  void link_live(detail::TaskHeader& t) noexcept;
  void unlink_live(detail::TaskHeader& t) noexcept;

  void schedule(detail::TaskHeader& t) noexcept;
  void finished(detail::TaskHeader& t) noexcept;
  void cancel(detail::TaskHeader& t) noexcept;
  void free_task(detail::TaskHeader& t) noexcept;
  void destroy_coroutine(detail::TaskHeader& t) noexcept;
  void release_zombie(detail::TaskHeader& t) noexcept;
  static void release_block(detail::TaskHeader& h, std::size_t bytes) noexcept;
  // allocate_frame for a claimed block, or when the backend's fast path could not serve it:
  // allocates (or throws FrameTooLarge / SlabFull) and consumes the placement.
  [[gnu::noinline]] static void* place_frame_slow(std::size_t n);
  // The frame's own reference goes (a Box or claimed block, or a task with an ext): the block
  // goes too unless a Waker still names it.
  static void drop_frame_ref(detail::TaskHeader& h, std::size_t bytes) noexcept;
  void retain_block(detail::TaskHeader& h, std::size_t bytes) noexcept;
  detail::TaskExt& new_ext(detail::TaskHeader& t) noexcept;
  void free_ext(detail::TaskExt& e) noexcept {
    e.free_next = ext_free_;
    ext_free_ = &e;
  }
  void notify_owner() noexcept;
  void handle_dropped(detail::TaskHeader& t) noexcept;

  Waker make_waker(detail::TaskHeader& t) noexcept;
  void wake_local(detail::TaskHeader& t, std::uint32_t gen) noexcept;
  void wake_remote(detail::TaskHeader& t, std::uint32_t gen) noexcept;
  void release_wake_ref(detail::TaskHeader& t) noexcept;
  void drop_remote_waker(detail::TaskHeader& t) noexcept;
  std::size_t poll_remote() noexcept;
  void park_thread();
  void run_until_finished(const JoinHandleBase& h);
  void run_until_finished_io(const JoinHandleBase& h);
  // Parks the running task `t` suspended at `h` (as Runtime::park does) for the reactor.
  Waker park_current(detail::TaskHeader& t, std::coroutine_handle<> h) noexcept;
  // Marks the running task `t` parked at `h`, in a new park generation.
  void prepare_park(detail::TaskHeader& t, std::coroutine_handle<> h) noexcept;
  void drain_zombies_at_shutdown() noexcept;

  TaskBackend backend_;                        // first member: destroyed after every frame it holds
  const char* owner_marker_;                   // the owner thread's tls_thread_marker
  detail::ReadyLink ready_{&ready_, &ready_};  // the ready queue's sentinel
  // Spawned tasks not yet freed; those that ever suspended (or finished with a handle) are also
  // on the shutdown list, the others are in the ready queue or running.
  detail::TaskHeader* live_head_ = nullptr;
  std::size_t live_count_ = 0;
  std::size_t zombies_ = 0;  // blocks whose coroutine is gone, still named by Wakers
  std::size_t claims_ = 0;   // SlabClaims alive: they must not outlive the runtime
  std::size_t unobserved_exceptions_ = 0;
  // The pool TaskExts come from: grown a chunk at a time, never shrunk, freed with the runtime.
  detail::TaskExt* ext_free_ = nullptr;
  std::vector<std::unique_ptr<detail::TaskExt[]>> ext_chunks_;

  // Cross-thread wake path.
  detail::MpscQueue remote_;
  alignas(64) std::atomic<bool> parked_{false};
  std::atomic<std::size_t> wakers_live_{0};
  std::atomic<std::size_t> remote_inflight_{0};  // other threads inside a wake or hand-over
  int eventfd_ = -1;

  // Last: nothing on the spawn / run path reads it.
  std::unique_ptr<detail::Reactor> reactor_;
};

// Suspends the running task and puts it at the back of the ready queue (FIFO).
struct YieldAwaiter {
  bool await_ready() const noexcept { return false; }
  void await_suspend(std::coroutine_handle<> h) const;
  void await_resume() const noexcept {}
};
inline YieldAwaiter yield_now() noexcept {
  return {};
}

template <class F>
struct ParkAwaiter {
  F f;
  bool await_ready() const noexcept { return false; }
  void await_suspend(std::coroutine_handle<> h) {
    detail::TaskHeader* t = detail::tls_current_task;
    if (t == nullptr) throw std::logic_error("park() outside a runtime task");
    Runtime& rt = *t->runtime;
    rt.prepare_park(*t, h);
    try {
      std::invoke(f, rt.make_waker(*t));
    } catch (...) {
      // f never suspended us for good: undo, and let the exception surface at the co_await.
      if (t->state == detail::TaskState::kQueued) rt.unlink_ready(*t);
      t->flags &= ~detail::task_flag::kParked;
      t->state = detail::TaskState::kRunning;
      throw;
    }
  }
  void await_resume() const noexcept {}
};

template <class F>
auto Runtime::park(F&& f) {
  return ParkAwaiter<std::decay_t<F>>{std::forward<F>(f)};
}

// ---- templates ---------------------------------------------------------------------------

template <class T>
JoinHandle<T> Runtime::spawn(Task<T> task) {
  check_owner("spawn");
  if (!task.valid()) {
    throw std::invalid_argument("spawn: empty Task (already awaited, spawned or moved from)");
  }
  return spawn_unchecked(std::move(task));
}

// A valid Task is never done: awaiting or spawning one consumes it.
template <class T>
JoinHandle<T> Runtime::spawn_unchecked(Task<T> task) noexcept {
  detail::TaskHeader& t = detail::header_of(task.release().address());
  adopt(t);
  return JoinHandle<T>(&t);
}

// `pl` is the caller's, so that a claim can tell after a throw whether its block was used.
template <class F>
auto Runtime::place_and_spawn(detail::FramePlacement& pl, F&& factory) {
  using TaskT = detail::FactoryTask<F>;
  using T = typename detail::TaskResult<TaskT>::type;
  check_owner("spawn_slab");
  TaskT task = [&] {
    detail::PlacementScope scope(pl);
    return std::invoke(factory);
  }();
  // The placement is one-shot: the first frame the factory created went to the backend. Anything
  // else means the factory returned a task made elsewhere (its frame would not be where we put it).
  if (task.frame_address() != pl.placed) [[unlikely]] {
    throw_misplaced(pl.placed != nullptr);
  }
  return spawn_unchecked<T>(std::move(task));
}

template <class F>
auto Runtime::spawn_slab(F&& factory) {
  detail::FramePlacement pl{this, nullptr};
  return place_and_spawn(pl, std::forward<F>(factory));
}

template <class F>
auto Runtime::try_spawn_slab(F&& factory) {
  using T = typename detail::TaskResult<detail::FactoryTask<F>>::type;
  if (detail::backend_full(backend_)) return std::optional<JoinHandle<T>>{};
  try {
    detail::FramePlacement pl{this, nullptr};
    return std::optional<JoinHandle<T>>{place_and_spawn(pl, std::forward<F>(factory))};
  } catch (const SlabFull&) {
    return std::optional<JoinHandle<T>>{};
  }
}

template <class T>
T Runtime::block_on(Task<T> task) {
  check_loop_entry("block_on");
  JoinHandle<T> h = spawn(std::move(task));
  run_until_finished(h);
  return h.result();
}

template <class F>
auto SlabClaim::spawn(F&& factory) {
  if (slot_ == nullptr) throw std::logic_error("SlabClaim::spawn on an empty or used claim");
  detail::FramePlacement pl{rt_, slot_};
  try {
    auto handle = rt_->place_and_spawn(pl, std::forward<F>(factory));
    slot_ = nullptr;  // the task owns the block now
    --rt_->claims_;
    return handle;
  } catch (...) {
    // If a frame was placed and then destroyed (the factory threw after creating it, or returned
    // another task), its origin tag already returned the block: forget it, do not free it twice.
    if (pl.placed != nullptr) {
      slot_ = nullptr;
      --rt_->claims_;
    }
    throw;
  }
}

}  // namespace allocbench

#include "runtime/hot_path.hpp"  // IWYU pragma: export
