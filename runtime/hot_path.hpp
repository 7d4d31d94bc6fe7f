// The executor's hot path, inline: spawning, queueing, running and freeing a task. Everything
// a spawn + run + free of a task touches is here, so the compiler sees it whole. The common case
// (a detached task that runs to completion) takes no branch into a slow path; everything else
// (handles, exceptions, cancel, suspension, shutdown) goes out of line through after_resume and
// on_task_finished, in runtime.cpp.
#pragma once

#include "runtime/runtime.hpp"

namespace allocbench {

inline void Runtime::push_ready(detail::TaskHeader& t) noexcept {
  detail::ReadyLink* last = ready_.prev;
  t.next = &ready_;
  t.prev = last;
  last->next = &t;
  ready_.prev = &t;
}

inline detail::TaskHeader* Runtime::pop_ready() noexcept {
  detail::ReadyLink* first = ready_.next;
  if (first == &ready_) return nullptr;
  ready_.next = first->next;
  first->next->prev = &ready_;
  return static_cast<detail::TaskHeader*>(first);
}

inline void Runtime::unlink_ready(detail::TaskHeader& t) noexcept {
  t.prev->next = t.next;
  t.next->prev = t.prev;
}

inline void Runtime::link_live(detail::TaskHeader& t) noexcept {
  detail::TaskExt& e = detail::ext_of(t);
  t.flags |= detail::task_flag::kOnLiveList;
  e.live_prev = nullptr;
  e.live_next = live_head_;
  if (live_head_ != nullptr) live_head_->ext()->live_prev = &t;
  live_head_ = &t;
}

inline void Runtime::unlink_live(detail::TaskHeader& t) noexcept {
  detail::TaskExt& e = *t.ext();
  t.flags &= ~detail::task_flag::kOnLiveList;
  (e.live_prev ? e.live_prev->ext()->live_next : live_head_) = e.live_next;
  if (e.live_next != nullptr) e.live_next->ext()->live_prev = e.live_prev;
}

inline void Runtime::adopt(detail::TaskHeader& t) noexcept {
  t.runtime = this;
  t.resume_point = detail::frame_of(t);
  t.handle_or_ext_ = 0;  // a Task is spawned before it ever runs: no handle, no ext yet
  ++live_count_;
  schedule(t);
}

// During shutdown too: the destructor's loop pops and destroys whatever a frame's destructor
// queued.
inline void Runtime::schedule(detail::TaskHeader& t) noexcept {
  t.state = detail::TaskState::kQueued;
  push_ready(t);
}

inline bool Runtime::run_one() {
  check_loop_entry("run_one");
  return run_ready_one();
}

// Callers have checked that no task runs on this thread (check_loop_entry), so the current task
// goes back to null afterwards.
inline bool Runtime::run_ready_one() {
  detail::TaskHeader* t = pop_ready();
  if (t == nullptr) return false;
  t->state = detail::TaskState::kRunning;
  detail::tls_current_task = t;
  std::coroutine_handle<>::from_address(t->resume_point).resume();
  if (detail::tls_current_task == nullptr) [[likely]] {
    // Finished detached with nothing flagged: its frame freed itself (FinalAwaiter).
    --live_count_;
  } else {
    detail::tls_current_task = nullptr;
    after_resume(*t);
  }
  return true;
}

inline std::size_t Runtime::run_until_idle() {
  check_loop_entry("run_until_idle");
  std::size_t n = 0;
  for (;;) {
    while (run_ready_one()) ++n;
    // Only look at the remote queue when a push has started: the common case is one compare.
    if (!remote_.maybe_nonempty()) return n;
    if (poll_remote() == 0 && ready_empty()) return n;
  }
}

// The runtime is done with the task: its coroutine is destroyed now (locals, parameters and the
// Wakers they hold go with it). The block goes too, unless a Waker held elsewhere (possibly on
// another thread) still names it: then the last Waker to go returns it (release_zombie).
inline void Runtime::free_task(detail::TaskHeader& t) noexcept {
  if (t.flags & detail::task_flag::kOnLiveList) unlink_live(t);
  --live_count_;
  if (!t.has_ext() || t.ext()->inner == nullptr || t.ext()->inner == &t) {
    detail::handle_of(t).destroy();
  } else {
    destroy_coroutine(t);  // suspended inside a chain of inline awaits
  }
}

namespace detail {

// The backend's fast path: try_allocate where it has one (allocators/allocator.hpp).
template <class B>
void* try_allocate(B& b, std::size_t n) noexcept {
  if constexpr (kHasTryAllocate<B>) {
    return b.try_allocate(n);
  } else {
    return b.allocate(n);
  }
}

inline void* allocate_frame(std::size_t n) {
  const std::size_t total = block_size(n);
  tls_last_block_size = total;
  FramePlacement* pl = tls_placement;
  if (pl == nullptr) return frame_of(*init_header(::operator new(total), origin::kBox, nullptr));
  if (pl->slot != nullptr) [[unlikely]]
    return Runtime::place_frame_slow(n);
  Runtime* rt = pl->runtime;
  void* p = try_allocate(rt->backend_, total);
  if (p == nullptr) [[unlikely]]
    return Runtime::place_frame_slow(n);  // a tail call: nothing above is live across it
  ++tls_backend_allocs;
  return consume_placement(*pl, p, origin::kBackend);
}

inline void deallocate_frame(void* p, std::size_t n) noexcept {
  TaskHeader& h = header_of(p);
  // Exactly kBackend: the task never had an ext, so no Waker ever named it and the frame's own
  // reference is the only one.
  if (h.origin == origin::kBackend) [[likely]] {
    h.runtime->backend_.deallocate(&h, block_size(n));
    return;
  }
  Runtime::drop_frame_ref(h, block_size(n));
}

}  // namespace detail

inline bool JoinHandleBase::is_finished() const noexcept {
  switch (status_) {
    case Status::kLive:
      return hdr_->state == detail::TaskState::kFinished;
    case Status::kCancelled:
    case Status::kOrphaned:
      return true;
    case Status::kEmpty:
      return false;
  }
  return false;
}

// The handle is empty before the runtime hears of it: freeing the task may destroy this very
// handle (it can live in the task's own frame).
inline void JoinHandleBase::detach() noexcept {
  detail::TaskHeader* t = std::exchange(hdr_, nullptr);
  if (std::exchange(status_, Status::kEmpty) != Status::kLive) return;
  t->set_handle(nullptr);
  if (t->state == detail::TaskState::kFinished) [[unlikely]]
    t->runtime->handle_dropped(*t);
  // Otherwise detached: the run loop frees it when it finishes.
}

}  // namespace allocbench
