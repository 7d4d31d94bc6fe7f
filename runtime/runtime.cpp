// The executor's non-template parts: queues, task lifetimes, wakes and shutdown.
#include "runtime/runtime.hpp"

#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <system_error>
#include <thread>

#include "runtime/reactor.hpp"

namespace allocbench {

using detail::TaskHeader;
using detail::TaskState;

namespace detail {

void throw_frame_too_large(std::size_t frame, const TaskBackend& b, bool claimed) {
  const auto where = !TaskBackend::kIsSlab ? FrameTooLarge::Where::kClaimBlock
                     : claimed             ? FrameTooLarge::Where::kClaimedSlot
                                           : FrameTooLarge::Where::kSlabSlot;
  throw FrameTooLarge(frame, kHeaderBytes, claimed ? b.claim_size() : b.max_block(), where);
}

void throw_slab_full(const TaskBackend& backend, std::size_t bytes) {
  if (TaskBackend::kIsSlab) throw SlabFull(backend.stats().capacity);
  throw SlabFull::allocation_failed(bytes);
}

TaskExt& ext_of(TaskHeader& h) noexcept {
  return h.has_ext() ? *h.ext() : h.runtime->new_ext(h);
}

void on_task_finished(TaskHeader& h) noexcept {
  h.runtime->finished(h);
}

}  // namespace detail

Runtime::Runtime(const BackendConfig& config)
    : backend_(config), owner_marker_(&detail::tls_thread_marker) {
  eventfd_ = ::eventfd(0, EFD_CLOEXEC);
  if (eventfd_ < 0) throw std::system_error(errno, std::generic_category(), "eventfd");
}

namespace {

// A join's two links, each valid only under its flag (and then both tasks have an ext).
TaskHeader* take_join_waiter(TaskHeader& t) noexcept {
  using namespace detail::task_flag;
  if (!(t.flags & kJoinWaited)) return nullptr;
  t.flags &= ~kJoinWaited;
  TaskHeader* w = t.ext()->join_waiter;
  w->flags &= ~kAwaiting;
  return w;
}
void stop_awaiting(TaskHeader& t) noexcept {
  using namespace detail::task_flag;
  if (!(t.flags & kAwaiting)) return;
  t.flags &= ~kAwaiting;
  t.ext()->awaiting->flags &= ~kJoinWaited;
}

}  // namespace

Runtime::~Runtime() {
  // Every task still here is destroyed at its suspension point: the queued ones, then those on
  // the shutdown list (suspended, or finished with a handle). Handles are orphaned first so that
  // nothing a frame's destructors do can reach back into a freed frame. Those destructors may
  // spawn, wake or drop other tasks: what they queue, the loop pops.
  for (;;) {
    TaskHeader* t = pop_ready();
    if (t == nullptr) t = live_head_;
    if (t == nullptr) break;
    if (JoinHandleBase* h = t->handle(); h != nullptr) {
      h->hdr_ = nullptr;
      h->status_ = JoinHandleBase::Status::kOrphaned;
      t->set_handle(nullptr);
    }
    stop_awaiting(*t);
    take_join_waiter(*t);
    t->state = TaskState::kCancelled;
    t->flags &= ~detail::task_flag::kParked;
    free_task(*t);
  }
  drain_zombies_at_shutdown();
  // A thread that handed over a frame may still be writing the eventfd: wait until it is out.
  while (remote_inflight_.load(std::memory_order_acquire) != 0) std::this_thread::yield();
  if (claims_ != 0) {
    std::fprintf(stderr, "allocbench: %zu SlabClaim(s) outlived their Runtime\n", claims_);
    std::abort();
  }
  // Every task, and with it every I/O and timer wait, is gone: the reactor closes the sockets
  // still open (owned by objects outside the tasks) and its epoll descriptor.
  reactor_.reset();
  ::close(eventfd_);
}

void Runtime::cancel(TaskHeader& t) noexcept {
  switch (t.state) {
    case TaskState::kFinished:
    case TaskState::kCancelled:
    case TaskState::kInline:
      return;
    case TaskState::kRunning:
      t.flags |= detail::task_flag::kCancelRequested;  // destroyed once it suspends
      return;
    case TaskState::kQueued:
      unlink_ready(t);
      break;
    case TaskState::kSuspended:
      stop_awaiting(t);
      break;
  }
  t.state = TaskState::kCancelled;
  t.flags &= ~detail::task_flag::kParked;
  if (TaskHeader* w = take_join_waiter(t)) schedule(*w);
  if (JoinHandleBase* h = t.handle(); h != nullptr) {
    h->hdr_ = nullptr;
    h->status_ = JoinHandleBase::Status::kCancelled;
    t.set_handle(nullptr);
  }
  free_task(t);
}

void Runtime::finished(TaskHeader& t) noexcept {
  t.state = TaskState::kFinished;
  if (TaskHeader* w = take_join_waiter(t)) schedule(*w);
}

// Everything after a resume but the common case (finished, detached, nothing flagged).
void Runtime::after_resume(TaskHeader& t) noexcept {
  using namespace detail::task_flag;
  switch (t.state) {
    case TaskState::kFinished:
      t.flags &= ~kCancelRequested;  // too late: a finished task keeps its result
      if (t.handle() == nullptr) {
        if (t.flags & kHasException) ++unobserved_exceptions_;
        free_task(t);
      } else if (!(t.flags & kOnLiveList)) {
        link_live(t);  // its handle may look later; shutdown must find it
      }
      return;
    case TaskState::kQueued:  // yielded, or woken before it suspended: in the ready queue
      if (t.flags & kCancelRequested) cancel(t);
      return;
    default:  // suspended on a join, a park, or an awaiter the runtime does not know
      if (!(t.flags & kOnLiveList)) link_live(t);
      if (t.flags & kCancelRequested) cancel(t);
      return;
  }
}

// Only for a finished task (detach handles the rest inline).
void Runtime::handle_dropped(TaskHeader& t) noexcept {
  using namespace detail::task_flag;
  if ((t.flags & kHasException) && !(t.flags & kResultTaken)) ++unobserved_exceptions_;
  free_task(t);
}

std::size_t Runtime::ready_tasks() const noexcept {
  std::size_t n = 0;
  for (const detail::ReadyLink* l = ready_.next; l != &ready_; l = l->next) ++n;
  return n;
}

// A task suspended inside a chain of inline awaits: destroy the chain innermost first, as an
// exception would unwind a stack, in a loop (recursing once per level overflowed the stack). Each
// frame is owned by an awaiter in its parent's frame, told not to destroy it again. A chain with
// a coroutine that is not a Task in it cannot be walked: it is destroyed from the top.
void Runtime::destroy_coroutine(TaskHeader& t) noexcept {
  TaskHeader* x = t.ext()->inner;
  while (x != nullptr && x != &t) x = x->parent;
  if (x == nullptr) {
    detail::handle_of(t).destroy();
    return;
  }
  void* const saved = detail::tls_chain_destroyed;
  void* destroyed = nullptr;
  for (x = t.ext()->inner;;) {
    TaskHeader* const parent = x->parent;  // read first: destroying x may return its block
    const bool top = x == &t;
    detail::tls_chain_destroyed = destroyed;
    destroyed = detail::frame_of(*x);
    detail::handle_of(*x).destroy();
    if (top) break;
    x = parent;
  }
  detail::tls_chain_destroyed = saved;
}

void* Runtime::place_frame_slow(std::size_t n) {
  const std::size_t total = detail::block_size(n);
  detail::FramePlacement* pl = detail::tls_placement;
  TaskBackend& b = pl->runtime->backend_;
  void* p;
  std::uint8_t origin = detail::origin::kBackend;
  if (pl->slot != nullptr) {
    if (total > b.claim_size()) detail::throw_frame_too_large(n, b, true);
    p = pl->slot;
    origin = detail::origin::kClaim;  // returned as the claim it came from: sized frees stay exact
  } else {
    // The fast path's try_allocate said no; allocate may grow. Every backend refuses a block
    // larger than max_block() before taking anything from its store, so the size is checked only
    // when the allocation fails.
    if constexpr (detail::kHasTryAllocate<TaskBackend>) {
      p = b.allocate(total);
    } else {
      p = nullptr;  // allocate itself failed
    }
    if (p == nullptr) {
      if (total > b.max_block()) detail::throw_frame_too_large(n, b, false);
      detail::throw_slab_full(b, total);
    }
    ++detail::tls_backend_allocs;
  }
  return detail::consume_placement(*pl, p, origin);
}

// Returns a block whose last reference has gone, with its ext if it has one.
void Runtime::release_block(TaskHeader& h, std::size_t bytes) noexcept {
  static_assert(std::is_trivially_destructible_v<TaskHeader>);
  if (h.has_ext()) h.runtime->free_ext(*h.ext());
  switch (h.origin & detail::origin::kKindMask) {
    case detail::origin::kBackend:
      h.runtime->backend_.deallocate(&h, bytes);
      return;
    case detail::origin::kClaim:
      h.runtime->backend_.deallocate(&h, h.runtime->backend_.claim_size());
      return;
    default:
      ::operator delete(&h, bytes);
      return;
  }
}

// Only the owner creates references, so a count of 1 (ours alone) cannot grow behind our back and
// the common case needs no read-modify-write.
void Runtime::drop_frame_ref(TaskHeader& h, std::size_t bytes) noexcept {
  if (h.refs().load(std::memory_order_acquire) == 1 ||
      h.refs().fetch_sub(1, std::memory_order_acq_rel) == 1) {
    release_block(h, bytes);
    return;
  }
  h.runtime->retain_block(h, bytes);
}

void Runtime::release_zombie(TaskHeader& t) noexcept {
  --zombies_;
  release_block(t, t.ext()->block_bytes);
}

// The frame's coroutine is gone but Wakers still name its block (they need a park, so the task
// has an ext to keep the size in).
void Runtime::retain_block(TaskHeader& h, std::size_t bytes) noexcept {
  h.ext()->block_bytes = static_cast<std::uint32_t>(bytes);
  ++zombies_;
}

detail::TaskExt& Runtime::new_ext(TaskHeader& t) noexcept {
  if (ext_free_ == nullptr) {
    // Out of memory here ends the process (noexcept): the paths that need an ext (a park, a join,
    // an inline await, a suspension) have no way to report it to the task.
    constexpr std::size_t kChunk = 64;
    ext_chunks_.push_back(std::make_unique<detail::TaskExt[]>(kChunk));
    for (std::size_t i = 0; i < kChunk; ++i) free_ext(ext_chunks_.back()[i]);
  }
  detail::TaskExt& e = *std::exchange(ext_free_, ext_free_->free_next);
  e.task = &t;
  e.handle = t.handle();
  e.inner = nullptr;
  e.park_gen = 0;
  e.woken_gen_ = 0;
  e.block_bytes = 0;
  e.remote_queued_ = false;
  t.handle_or_ext_ = reinterpret_cast<std::uintptr_t>(&e) | 1;
  t.origin |= detail::origin::kHasExt;  // and deallocate_frame's fast path is not for it
  return e;
}

// ---- wakes -------------------------------------------------------------------------------

Waker Runtime::make_waker(TaskHeader& t) noexcept {
  t.refs().fetch_add(1, std::memory_order_relaxed);
  wakers_live_.fetch_add(1, std::memory_order_relaxed);
  return Waker(&t, t.ext()->park_gen);
}

void Runtime::wake_local(TaskHeader& t, std::uint32_t gen) noexcept {
  if ((t.flags & detail::task_flag::kParked) && gen == t.ext()->park_gen &&
      t.state == TaskState::kSuspended) {
    t.flags &= ~detail::task_flag::kParked;
    schedule(t);
  }
}

// Generations only grow: a wake merging into a queued entry must never lower the generation the
// owner will read (an older Waker woken after a newer one lost the newer wake). Serial-number
// comparison keeps that true across wrap-around.
void Runtime::wake_remote(TaskHeader& t, std::uint32_t gen) noexcept {
  detail::TaskExt& e = *t.ext();
  std::uint32_t seen = e.woken_gen().load(std::memory_order_relaxed);
  while (static_cast<std::int32_t>(gen - seen) > 0 &&
         !e.woken_gen().compare_exchange_weak(seen, gen, std::memory_order_release,
                                              std::memory_order_relaxed)) {
  }
  if (!e.remote_queued().exchange(true, std::memory_order_acq_rel)) {
    t.refs().fetch_add(1, std::memory_order_relaxed);  // the queue entry's reference
    remote_.push(&e);
    notify_owner();
  }
}

// Drops one Waker or queue-entry reference. After a non-last drop the frame may already be gone,
// so nothing here touches it again; the last reference owns the frame alone.
void Runtime::release_wake_ref(TaskHeader& t) noexcept {
  if (t.refs().fetch_sub(1, std::memory_order_acq_rel) != 1) return;
  if (is_owner_thread()) {
    release_zombie(t);
    return;
  }
  // Only the owner frees frames: hand it over. No entry is queued (entries hold references), and
  // a count of 0 tells the owner's poll that this entry is a hand-over, not a wake.
  t.ext()->remote_queued().store(true, std::memory_order_relaxed);
  remote_.push(t.ext());
  notify_owner();
}

void Runtime::notify_owner() noexcept {
  // Dekker pair with park_thread(): it stores parked_ then re-checks the queue.
  if (parked_.load(std::memory_order_seq_cst)) {
    const std::uint64_t one = 1;
    [[maybe_unused]] ssize_t w = ::write(eventfd_, &one, sizeof one);
  }
}

std::size_t Runtime::poll_remote() noexcept {
  std::size_t n = 0;
  while (detail::MpscNode* node = remote_.pop()) {
    auto& e = static_cast<detail::TaskExt&>(*node);
    TaskHeader& t = *e.task;
    ++n;
    if (t.refs().load(std::memory_order_acquire) == 0) {
      release_zombie(t);  // its last Waker went on another thread
      continue;
    }
    // An exchange, not a store: it reads the latest waker's exchange, so that waker's generation
    // is visible below even when its wake merged into this entry.
    e.remote_queued().exchange(false, std::memory_order_acq_rel);
    // A wake. wake_local ignores it unless the task is still parked in that same park.
    wake_local(t, e.woken_gen().load(std::memory_order_acquire));
    release_wake_ref(t);  // the entry's reference; may free a task the runtime is done with
  }
  return n;
}

// Sleeps until a remote push or the last Waker going (either may make block_on's answer change).
void Runtime::park_thread() {
  parked_.store(true, std::memory_order_seq_cst);
  if (!remote_.maybe_nonempty() && wakers_live_.load(std::memory_order_seq_cst) != 0) {
    std::uint64_t v;
    while (::read(eventfd_, &v, sizeof v) < 0 && errno == EINTR) {
    }
  }
  parked_.store(false, std::memory_order_relaxed);
}

void Runtime::run_until_finished(const JoinHandleBase& h) {
  while (!h.is_finished()) {
    // A task may create the reactor in the middle of the loop: from then on the loop must look
    // at I/O even while tasks stay ready. One compare per resumption, in block_on only (the
    // benchmarks' run loops, run_until_idle and run_one, never look).
    if (reactor_ != nullptr) return run_until_finished_io(h);
    if (run_ready_one()) continue;
    if (poll_remote() != 0) continue;
    if (wakers_live_.load(std::memory_order_acquire) == 0) {
      // A Waker may have pushed and gone between the poll above and that load: poll again.
      if (poll_remote() != 0 || !ready_empty()) continue;
      throw std::logic_error(
          "block_on: the task can never finish (nothing is ready and no Waker is alive)");
    }
    park_thread();
  }
}

// block_on's loop once there is a reactor. While tasks stay ready, I/O and timers are looked at
// (without blocking) every kIoPollInterval resumptions, so a task that keeps yielding cannot
// starve a socket; with none ready the thread blocks in epoll_wait, until the next deadline.
void Runtime::run_until_finished_io(const JoinHandleBase& h) {
  unsigned budget = kIoPollInterval;
  while (!h.is_finished()) {
    if (budget != 0 && run_ready_one()) {
      --budget;
      continue;
    }
    budget = kIoPollInterval;
    if (!ready_empty()) {
      poll_remote();
      reactor_->turn(false);
      continue;
    }
    if (poll_remote() != 0) continue;
    if (wakers_live_.load(std::memory_order_acquire) == 0) {
      if (poll_remote() != 0 || !ready_empty()) continue;
      throw std::logic_error(
          "block_on: the task can never finish (nothing is ready, no Waker is alive, and no "
          "task waits on I/O or a timer)");
    }
    // The Dekker pair of park_thread(), with epoll_wait in place of the eventfd read.
    parked_.store(true, std::memory_order_seq_cst);
    const bool block =
        !remote_.maybe_nonempty() && wakers_live_.load(std::memory_order_seq_cst) != 0;
    try {
      reactor_->turn(block);
    } catch (...) {
      parked_.store(false, std::memory_order_relaxed);
      throw;
    }
    parked_.store(false, std::memory_order_relaxed);
  }
}

std::size_t Runtime::poll_io() {
  check_loop_entry("poll_io");
  if (reactor_ == nullptr) return 0;
  poll_remote();
  return reactor_->turn(false);
}

detail::Reactor& Runtime::reactor() {
  check_owner("reactor");
  if (reactor_ == nullptr) reactor_ = std::make_unique<detail::Reactor>(*this, eventfd_);
  return *reactor_;
}

void Runtime::prepare_park(TaskHeader& t, std::coroutine_handle<> h) noexcept {
  // The first park creates the ext: no Waker has named the task yet, so plain stores are enough.
  detail::TaskExt& e = detail::ext_of(t);
  t.resume_point = h.address();
  t.state = TaskState::kSuspended;
  t.flags |= detail::task_flag::kParked;
  ++e.park_gen;
}

Waker Runtime::park_current(TaskHeader& t, std::coroutine_handle<> h) noexcept {
  prepare_park(t, h);
  return make_waker(t);
}

void Runtime::drain_zombies_at_shutdown() noexcept {
  using clock = std::chrono::steady_clock;
  const auto deadline = clock::now() + std::chrono::seconds(10);
  while (zombies_ != 0) {
    if (poll_remote() != 0) continue;
    if (clock::now() > deadline) {
      std::fprintf(stderr,
                   "allocbench: Runtime destroyed while %zu task block(s) are still named by %zu "
                   "Waker(s) held outside its tasks (on another thread, or in an object that "
                   "outlives the Runtime), still there after 10 s; Wakers must not outlive their "
                   "Runtime\n",
                   zombies_, wakers_live_.load());
      std::abort();
    }
    std::this_thread::sleep_for(std::chrono::microseconds(100));
  }
}

// ---- claims, handles, wakers, yield ------------------------------------------------------

SlabClaim Runtime::claim_slab() {
  check_owner("claim_slab");
  void* p = backend_.allocate(backend_.claim_size());
  ++detail::tls_backend_allocs;
  if (p == nullptr) detail::throw_slab_full(backend_, backend_.claim_size());
  ++claims_;
  return SlabClaim(this, p);
}

std::optional<SlabClaim> Runtime::try_claim_slab() {
  check_owner("try_claim_slab");
  void* p = backend_.allocate(backend_.claim_size());
  ++detail::tls_backend_allocs;
  if (p == nullptr) return std::nullopt;
  ++claims_;
  return SlabClaim(this, p);
}

std::size_t SlabClaim::size() const noexcept {
  return rt_->backend_.claim_size();
}

void SlabClaim::release() noexcept {
  if (slot_ == nullptr) return;
  rt_->backend_.deallocate(std::exchange(slot_, nullptr), rt_->backend_.claim_size());
  --rt_->claims_;
}

void JoinHandleBase::cancel() noexcept {
  if (status_ == Status::kLive) hdr_->runtime->cancel(*hdr_);
}

TaskHeader& JoinHandleBase::take_finished() {
  switch (status_) {
    case Status::kEmpty:
      throw std::logic_error("JoinHandle is empty (detached or moved from)");
    case Status::kCancelled:
      throw TaskCancelled();
    case Status::kOrphaned:
      throw RuntimeGone();
    case Status::kLive:
      break;
  }
  if (hdr_->state != TaskState::kFinished) throw std::logic_error("task has not finished yet");
  if (hdr_->flags & detail::task_flag::kResultTaken) {
    throw std::logic_error("the task's result was already taken (by result() or co_await)");
  }
  hdr_->flags |= detail::task_flag::kResultTaken;
  return *hdr_;
}

bool JoinHandleBase::JoinAwaiterBase::await_ready() const {
  const TaskHeader* self = detail::tls_current_task;
  if (self != nullptr && h.status_ == Status::kLive && h.hdr_->runtime != self->runtime) {
    throw std::logic_error(
        "a JoinHandle can only be awaited inside a task of its own runtime (this one belongs to "
        "another Runtime)");
  }
  return h.is_finished();
}

void JoinHandleBase::JoinAwaiterBase::await_suspend(std::coroutine_handle<> awaiting) {
  TaskHeader* self = detail::tls_current_task;
  if (self == nullptr) throw std::logic_error("a JoinHandle can only be awaited inside a task");
  if (h.status_ != Status::kLive) throw std::logic_error("awaiting an empty JoinHandle");
  TaskHeader& target = *h.hdr_;
  if (target.flags & detail::task_flag::kJoinWaited) {
    throw std::logic_error("a task can be awaited only once");
  }
  if (target.runtime != self->runtime) {
    throw std::logic_error("a JoinHandle can only be awaited inside a task of its own runtime");
  }
  if (&target == self) throw std::logic_error("a task cannot await itself");
  detail::ext_of(target).join_waiter = self;
  target.flags |= detail::task_flag::kJoinWaited;
  detail::ext_of(*self).awaiting = &target;
  self->flags |= detail::task_flag::kAwaiting;
  self->resume_point = awaiting.address();
  self->state = TaskState::kSuspended;
}

void Waker::wake() && {
  TaskHeader* t = std::exchange(t_, nullptr);
  if (t == nullptr) return;
  Runtime& rt = *t->runtime;
  if (rt.is_owner_thread()) {
    rt.wake_local(*t, gen_);
    rt.wakers_live_.fetch_sub(1, std::memory_order_release);
    rt.release_wake_ref(*t);
    return;
  }
  // While this thread still touches the runtime (queue, eventfd) after giving up its reference,
  // the runtime's destructor must wait: the in-flight count tells it to.
  rt.remote_inflight_.fetch_add(1, std::memory_order_acq_rel);
  rt.wake_remote(*t, gen_);
  rt.drop_remote_waker(*t);
  rt.remote_inflight_.fetch_sub(1, std::memory_order_release);
}

void Waker::reset() noexcept {
  TaskHeader* t = std::exchange(t_, nullptr);
  if (t == nullptr) return;
  Runtime& rt = *t->runtime;
  if (rt.is_owner_thread()) {
    rt.wakers_live_.fetch_sub(1, std::memory_order_release);
    rt.release_wake_ref(*t);
    return;
  }
  rt.remote_inflight_.fetch_add(1, std::memory_order_acq_rel);
  rt.drop_remote_waker(*t);
  rt.remote_inflight_.fetch_sub(1, std::memory_order_release);
}

// Another thread lets go of a Waker. When it was the last one alive, the owner may be asleep in
// block_on waiting for exactly this (nothing can finish the task any more): tell it. seq_cst
// pairs with park_thread(), which stores parked_ and then reads the count.
void Runtime::drop_remote_waker(TaskHeader& t) noexcept {
  if (wakers_live_.fetch_sub(1, std::memory_order_seq_cst) == 1) notify_owner();
  release_wake_ref(t);
}

void Runtime::throw_not_owner(const char* call) {
  throw std::logic_error(std::string("Runtime::") + call +
                         ": called from a thread other than the one that built the Runtime "
                         "(only a Waker may cross threads)");
}

void Runtime::throw_reentry(const char* call) {
  throw std::logic_error(std::string("Runtime::") + call +
                         " inside a runtime task: the loop would resume tasks under the running "
                         "one; co_await instead");
}

void Runtime::throw_misplaced(bool created_a_frame) {
  if (created_a_frame) {
    throw std::logic_error(
        "slab spawn: the factory created more than one task, and the first one created took the "
        "reserved block (in `return outer(inner())` that is inner, an argument, not the task "
        "returned); create inner tasks inside the returned task's body instead");
  }
  throw std::logic_error(
      "slab spawn: the factory must create and return a new task (it returned a task created "
      "before it was called)");
}

void YieldAwaiter::await_suspend(std::coroutine_handle<> h) const {
  TaskHeader* t = detail::tls_current_task;
  if (t == nullptr) throw std::logic_error("yield_now() outside a runtime task");
  t->resume_point = h.address();
  t->runtime->schedule(*t);
}

}  // namespace allocbench
