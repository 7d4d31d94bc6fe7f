// The executor's hot path, inline: spawning, queueing, running and freeing a task. Everything
// a spawn + run + free of a task touches is here, so the compiler sees it whole; the cold paths
// (cancel, wakes, shutdown) stay in runtime.cpp.
#pragma once

#include "runtime/runtime.hpp"

namespace allocbench {

namespace detail {
inline void on_task_finished(TaskHeader& h) noexcept {
  h.runtime->finished(h);
}
}  // namespace detail

inline void Runtime::push_ready(detail::TaskHeader& t) noexcept {
  t.ready_next = nullptr;
  t.ready_prev = ready_tail_;
  if (ready_tail_ != nullptr) {
    ready_tail_->ready_next = &t;
  } else {
    ready_head_ = &t;
  }
  ready_tail_ = &t;
  ++ready_count_;
}

inline detail::TaskHeader* Runtime::pop_ready() noexcept {
  detail::TaskHeader* t = ready_head_;
  if (t == nullptr) return nullptr;
  ready_head_ = t->ready_next;
  if (ready_head_ != nullptr) {
    ready_head_->ready_prev = nullptr;
  } else {
    ready_tail_ = nullptr;
  }
  --ready_count_;
  return t;
}

inline void Runtime::unlink_ready(detail::TaskHeader& t) noexcept {
  (t.ready_prev ? t.ready_prev->ready_next : ready_head_) = t.ready_next;
  (t.ready_next ? t.ready_next->ready_prev : ready_tail_) = t.ready_prev;
  t.ready_prev = t.ready_next = nullptr;
  --ready_count_;
}

inline void Runtime::link_live(detail::TaskHeader& t) noexcept {
  t.live_prev = nullptr;
  t.live_next = live_head_;
  if (live_head_ != nullptr) live_head_->live_prev = &t;
  live_head_ = &t;
  ++live_count_;
}

inline void Runtime::unlink_live(detail::TaskHeader& t) noexcept {
  (t.live_prev ? t.live_prev->live_next : live_head_) = t.live_next;
  if (t.live_next != nullptr) t.live_next->live_prev = t.live_prev;
  --live_count_;
}

inline void Runtime::adopt(detail::TaskHeader& t) noexcept {
  t.runtime = this;
  t.resume_point = detail::handle_of(t);
  link_live(t);
  schedule(t);
}

inline void Runtime::schedule(detail::TaskHeader& t) noexcept {
  if (shutting_down_) return;
  t.state = detail::TaskState::kQueued;
  push_ready(t);
}

inline bool Runtime::run_one() {
  check_loop_entry("run_one");
  return run_ready_one();
}

inline bool Runtime::run_ready_one() {
  detail::TaskHeader* t = pop_ready();
  if (t == nullptr) return false;
  t->state = detail::TaskState::kRunning;
  detail::TaskHeader* outer = std::exchange(detail::tls_current_task, t);
  t->resume_point.resume();
  detail::tls_current_task = outer;
  if (t->state == detail::TaskState::kFinished) {
    if (t->handle == nullptr) {
      if (t->has_exception) ++unobserved_exceptions_;
      free_task(*t);
    }
  } else if (t->cancel_requested) {
    cancel(*t);
  }
  return true;
}

inline std::size_t Runtime::run_until_idle() {
  check_loop_entry("run_until_idle");
  std::size_t n = 0;
  for (;;) {
    while (run_ready_one()) ++n;
    // Only look at the remote queue when a push has started: the common case is one load.
    if (!remote_.maybe_nonempty()) return n;
    if (poll_remote() == 0 && ready_head_ == nullptr) return n;
  }
}

inline void Runtime::finished(detail::TaskHeader& t) noexcept {
  t.state = detail::TaskState::kFinished;
  if (detail::TaskHeader* w = std::exchange(t.join_waiter, nullptr)) {
    w->awaiting = nullptr;
    schedule(*w);
  }
}

// The runtime is done with the task: its coroutine is destroyed now (locals, parameters and the
// Wakers they hold go with it). The block goes too, unless a Waker held elsewhere (possibly on
// another thread) still names it: then the last Waker to go returns it (frame_alloc.hpp).
inline void Runtime::free_task(detail::TaskHeader& t) noexcept {
  unlink_live(t);
  if (t.inner == nullptr || t.inner == &t) {
    detail::handle_of(t).destroy();
  } else {
    destroy_coroutine(t);  // suspended inside a chain of inline awaits
  }
}

inline void Runtime::handle_dropped(detail::TaskHeader& t) noexcept {
  t.handle = nullptr;
  if (t.state == detail::TaskState::kFinished) {
    if (t.has_exception && !t.result_taken) ++unobserved_exceptions_;
    free_task(t);
  }
  // Otherwise detached: run_one frees it when it finishes.
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
  if (std::exchange(status_, Status::kEmpty) == Status::kLive) t->runtime->handle_dropped(*t);
}

}  // namespace allocbench
