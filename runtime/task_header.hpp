// The task header: what the executor needs to queue, resume, free and wake a task without
// knowing its result type. It sits in the same block as the coroutine frame, just before it
// (frame_alloc.hpp), so queueing a task never allocates, and it outlives the frame: destroying
// the coroutine (its locals, its parameters, the Wakers it holds) and returning the block are two
// steps. The block goes when the last reference goes: the frame's own (dropped when the coroutine
// is destroyed), one per live Waker, one per pending remote-queue entry.
#pragma once

#include <atomic>
#include <coroutine>
#include <cstddef>
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
  kCancelled,  // cancelled or shut down before finishing; its coroutine is gone or going
};

struct TaskHeader : MpscNode {
  // Owner-thread fields.
  Runtime* runtime = nullptr;
  TaskHeader* ready_prev = nullptr;  // ready queue (doubly linked: cancel unlinks in O(1))
  TaskHeader* ready_next = nullptr;
  TaskHeader* live_prev = nullptr;  // every live spawned task, for runtime shutdown
  TaskHeader* live_next = nullptr;
  std::coroutine_handle<> resume_point;  // innermost coroutine to resume (nested awaits)
  std::coroutine_handle<> continuation;  // inline await: the awaiting coroutine
  // Inline awaits: `parent` is the awaiting Task's header (null if the awaiting coroutine is not
  // a Task); a spawned task's `inner` is the innermost Task of its chain of inline awaits (null or
  // itself when it has none). Cancel and shutdown destroy a chain innermost first, in a loop.
  TaskHeader* parent = nullptr;
  TaskHeader* inner = nullptr;
  TaskHeader* join_waiter = nullptr;  // a spawned task awaiting this one's JoinHandle
  TaskHeader* awaiting = nullptr;     // the task whose JoinHandle this one awaits
  JoinHandleBase* handle = nullptr;   // the live JoinHandle, if any
  std::uintptr_t origin = 0;          // the backend the block came from (frame_alloc.hpp)
  std::uint32_t frame_bytes = 0;      // the coroutine frame's size (the block's is larger)
  std::uint32_t park_gen = 0;
  TaskState state = TaskState::kInline;
  bool has_exception = false;
  bool result_taken = false;      // result() or co_await has moved the result out
  bool parked = false;            // suspended in park(): only a waker may schedule it
  bool cancel_requested = false;  // cancelled while running: destroyed when it suspends

  // Cross-thread fields (wakers may live on other threads).
  std::atomic<std::uint32_t> refs{1};       // the frame's own reference
  std::atomic<std::uint32_t> woken_gen{0};  // newest park generation woken remotely (grows only)
  std::atomic<bool> remote_queued{false};
};

// The header is padded so that the frame after it keeps the default new alignment.
inline constexpr std::size_t kHeaderBytes =
    (sizeof(TaskHeader) + __STDCPP_DEFAULT_NEW_ALIGNMENT__ - 1) / __STDCPP_DEFAULT_NEW_ALIGNMENT__ *
    __STDCPP_DEFAULT_NEW_ALIGNMENT__;

// The block a coroutine frame of `frame` bytes needs: header + frame.
constexpr std::size_t block_size(std::size_t frame) noexcept {
  return kHeaderBytes + frame;
}

// The spawned task this thread is running now (null outside a task).
inline thread_local TaskHeader* tls_current_task = nullptr;
// While a chain of inline awaits is destroyed innermost first, the frame just destroyed: the
// awaiter in its parent's frame that owned it must not destroy it again.
inline thread_local void* tls_chain_destroyed = nullptr;

// Through an integer: g++ 12's -Warray-bounds otherwise takes the frame address for the start of
// the allocation (it sees operator new's result only after inlining) and flags the header.
inline TaskHeader& header_of(void* frame) noexcept {
  return *reinterpret_cast<TaskHeader*>(reinterpret_cast<std::uintptr_t>(frame) - kHeaderBytes);
}
inline void* frame_of(TaskHeader& h) noexcept {
  return reinterpret_cast<char*>(&h) + kHeaderBytes;
}
inline std::coroutine_handle<> handle_of(TaskHeader& h) noexcept {
  return std::coroutine_handle<>::from_address(frame_of(h));
}

}  // namespace allocbench::detail
