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
  t.flags |= detail::task_flag::kOnLiveList;
  t.live_prev = nullptr;
  t.live_next = live_head_;
  if (live_head_ != nullptr) live_head_->live_prev = &t;
  live_head_ = &t;
}

inline void Runtime::unlink_live(detail::TaskHeader& t) noexcept {
  t.flags &= ~detail::task_flag::kOnLiveList;
  (t.live_prev ? t.live_prev->live_next : live_head_) = t.live_next;
  if (t.live_next != nullptr) t.live_next->live_prev = t.live_prev;
}

inline void Runtime::adopt(detail::TaskHeader& t) noexcept {
  t.runtime = this;
  t.resume_point = detail::frame_of(t);
  t.handle = nullptr;
  t.inner = nullptr;
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
  detail::tls_current_task = nullptr;
  if (t->state == detail::TaskState::kDone) [[likely]] {
    // Finished, detached, nothing flagged (FinalAwaiter): not on the shutdown list, no chain.
    --live_count_;
    detail::handle_of(*t).destroy();
  } else {
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
// another thread) still names it: then the last Waker to go returns it (frame_alloc.hpp).
inline void Runtime::free_task(detail::TaskHeader& t) noexcept {
  if (t.flags & detail::task_flag::kOnLiveList) unlink_live(t);
  --live_count_;
  if (t.inner == nullptr || t.inner == &t) {
    detail::handle_of(t).destroy();
  } else {
    destroy_coroutine(t);  // suspended inside a chain of inline awaits
  }
}

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
  t->handle = nullptr;
  if (t->state == detail::TaskState::kFinished) [[unlikely]]
    t->runtime->handle_dropped(*t);
  // Otherwise detached: the run loop frees it when it finishes.
}

}  // namespace allocbench
