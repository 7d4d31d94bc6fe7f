// The non-template part of every task's promise: what the executor needs to queue, resume, free
// and wake a task without knowing its result type. It lives inside the frame, so queueing a task
// never allocates.
#pragma once

#include <atomic>
#include <coroutine>
#include <cstdint>

#include "runtime/mpsc_queue.hpp"

namespace allocbench {
class Runtime;
class JoinHandleBase;
}  // namespace allocbench

namespace allocbench::detail {

enum class TaskState : std::uint8_t {
  kInline,     // a Task awaited directly by another coroutine, never spawned
  kQueued,     // in the ready queue
  kRunning,    // being resumed right now
  kSuspended,  // waiting: on a join, or parked with a waker
  kFinished,   // ran to completion (result or exception stored)
  kCancelled,  // cancelled before finishing; its frame is gone or going
};

struct TaskHeader : MpscNode {
  // Owner-thread fields.
  Runtime* runtime = nullptr;
  TaskHeader* ready_prev = nullptr;  // ready queue (doubly linked: cancel unlinks in O(1))
  TaskHeader* ready_next = nullptr;
  TaskHeader* live_prev = nullptr;  // every live spawned task, for runtime shutdown
  TaskHeader* live_next = nullptr;
  std::coroutine_handle<> self;          // the task's own frame
  std::coroutine_handle<> resume_point;  // innermost coroutine to resume (nested awaits)
  std::coroutine_handle<> continuation;  // inline await: the awaiting coroutine
  TaskHeader* join_waiter = nullptr;     // a spawned task awaiting this one's JoinHandle
  TaskHeader* awaiting = nullptr;        // the task whose JoinHandle this one awaits
  JoinHandleBase* handle = nullptr;      // the live JoinHandle, if any
  TaskState state = TaskState::kInline;
  bool has_exception = false;
  bool parked = false;            // suspended in park(): only a waker may schedule it
  bool cancel_requested = false;  // cancelled while running: destroyed when it suspends
  std::uint32_t park_gen = 0;

  // Cross-thread fields (wakers may live on other threads).
  // References to the frame: the runtime's own (from spawn until it is done with the task), one
  // per live Waker, one per pending remote-queue entry. Whoever drops the last frees the frame
  // (on the owner thread; another thread hands it over through the remote queue).
  std::atomic<std::uint32_t> wake_refs{0};
  std::atomic<std::uint32_t> woken_gen{0};
  std::atomic<bool> remote_queued{false};
};

}  // namespace allocbench::detail
