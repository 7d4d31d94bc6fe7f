// The task header: what the executor needs to queue, resume, free and wake a task without
// knowing its result type. It sits in the same block as the coroutine frame, just before it
// (frame_alloc.hpp), so queueing a task never allocates, and it outlives the frame: destroying
// the coroutine (its locals, its parameters, the Wakers it holds) and returning the block are two
// steps. The block goes when the last reference goes: the frame's own (dropped when the coroutine
// is destroyed), one per live Waker, one per pending remote-queue entry.
//
// Fields are set where they start to matter, not all at allocation: allocate_frame sets what
// every frame needs (origin, size, state, flags, refs), Runtime::adopt what a spawned task needs,
// and the rest is written by the join, park, inline-await and shutdown paths before they read it.
#pragma once

#include <atomic>
#include <coroutine>
#include <cstddef>
#include <cstdint>
#include <type_traits>

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
  kFinished,   // ran to completion (result or exception stored); someone may still look
  kCancelled,  // cancelled or shut down before finishing; its coroutine is gone or going
  kDone,       // finished with nobody to tell (no handle, no flag set): freed on the spot
};

// Rarely set conditions, in one byte so that the final suspend tests them all with one compare.
namespace task_flag {
inline constexpr std::uint8_t kHasException = 1;
inline constexpr std::uint8_t kResultTaken = 2;      // result() or co_await moved it out
inline constexpr std::uint8_t kParked = 4;           // parked: only a waker schedules it
inline constexpr std::uint8_t kCancelRequested = 8;  // cancelled while running: goes on suspend
inline constexpr std::uint8_t kOnLiveList = 16;      // linked in the runtime's shutdown list
inline constexpr std::uint8_t kJoinWaited = 32;      // join_waiter is set
inline constexpr std::uint8_t kAwaiting = 64;        // awaiting is set
inline constexpr std::uint8_t kWakeReady = 128;      // the wake fields are set (first park)
}  // namespace task_flag

// The ready queue's links: a circular list through a sentinel owned by the Runtime, so push, pop
// and the O(1) unlink that cancel needs have no branch on an empty queue.
struct ReadyLink {
  ReadyLink* next;
  ReadyLink* prev;
};

struct TaskHeader : ReadyLink, MpscNode {
  // Hot: every spawn, run and free reads or writes these.
  Runtime* runtime;           // set by adopt (spawned tasks only)
  void* resume_point;         // innermost coroutine to resume (nested awaits)
  std::uintptr_t origin;      // the backend the block came from (frame_alloc.hpp)
  std::uint32_t block_bytes;  // the size the block goes back to its backend with
  TaskState state;
  std::uint8_t flags;      // task_flag bits
  std::uint32_t refs_;     // the frame's own reference + Wakers' + queue entries' (atomic: refs())
  JoinHandleBase* handle;  // the live JoinHandle, if any (spawned tasks)
  // Inline awaits: `continuation` is the awaiting coroutine, `parent` the awaiting Task's header
  // (null if the awaiting coroutine is not a Task); a spawned task's `inner` is the innermost
  // Task of its chain of inline awaits (null or itself when it has none). Cancel and shutdown
  // destroy a chain innermost first, in a loop.
  void* continuation;
  TaskHeader* parent;
  TaskHeader* inner;
  // Joins: each valid only while its flag is set (kJoinWaited, kAwaiting).
  TaskHeader* join_waiter;  // a spawned task awaiting this one's JoinHandle
  TaskHeader* awaiting;     // the task whose JoinHandle this one awaits
  // The shutdown list: only tasks that suspend (or finish with a handle) are linked; queued
  // tasks are found through the ready queue.
  TaskHeader* live_prev;
  TaskHeader* live_next;

  // Wakes: set by the task's first park (kWakeReady). Wakers may live on other threads, so
  // these and refs_ are accessed atomically (std::atomic_ref); they are plain members so that
  // creating a header writes nothing it does not need (std::atomic would zero them).
  std::uint32_t park_gen;
  std::uint32_t woken_gen_;  // newest park generation woken remotely (grows only)
  bool remote_queued_;       // an entry for this task is in the remote queue

  std::atomic_ref<std::uint32_t> refs() noexcept { return std::atomic_ref(refs_); }
  std::atomic_ref<std::uint32_t> woken_gen() noexcept { return std::atomic_ref(woken_gen_); }
  std::atomic_ref<bool> remote_queued() noexcept { return std::atomic_ref(remote_queued_); }
};
static_assert(std::is_trivially_default_constructible_v<TaskHeader>);

// The header is padded so that the frame after it keeps the default new alignment.
inline constexpr std::size_t kHeaderBytes =
    (sizeof(TaskHeader) + __STDCPP_DEFAULT_NEW_ALIGNMENT__ - 1) / __STDCPP_DEFAULT_NEW_ALIGNMENT__ *
    __STDCPP_DEFAULT_NEW_ALIGNMENT__;
static_assert(kHeaderBytes <= 144, "the task header grew: every task block pays for it");

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
