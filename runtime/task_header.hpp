// The task header: what the executor needs to queue, resume, free and wake a task without
// knowing its result type. It sits in the same block as the coroutine frame, just before it
// (frame_alloc.hpp), so queueing a task never allocates, and it outlives the frame: destroying
// the coroutine (its locals, its parameters, the Wakers it holds) and returning the block are two
// steps. The block goes when the last reference goes: the frame's own (dropped when the coroutine
// is destroyed), one per live Waker, one per pending remote-queue entry.
//
// The header is six words, what a spawn + run + free touches. Everything only joins, parks,
// remote wakes, chains of inline awaits and shutdown need is in a TaskExt, taken from the
// runtime's pool the first time a task needs one (and kept until its block goes): a task that
// runs to completion without suspending never has one.
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
};

// Rarely set conditions, in one byte so that the final suspend tests them all with one compare.
namespace task_flag {
inline constexpr std::uint8_t kHasException = 1;
inline constexpr std::uint8_t kResultTaken = 2;      // result() or co_await moved it out
inline constexpr std::uint8_t kParked = 4;           // parked: only a waker schedules it
inline constexpr std::uint8_t kCancelRequested = 8;  // cancelled while running: goes on suspend
inline constexpr std::uint8_t kOnLiveList = 16;      // linked in the runtime's shutdown list
inline constexpr std::uint8_t kJoinWaited = 32;      // ext->join_waiter is set
inline constexpr std::uint8_t kAwaiting = 64;        // ext->awaiting is set
}  // namespace task_flag

// Where the block came from, so that one runtime frees slab, claim and Box blocks alike, and
// whether the task has an ext. A block whose origin is exactly kBackend has never had an ext, so
// no Waker ever named it: freeing it is one compare and the backend's deallocate.
namespace origin {
inline constexpr std::uint8_t kBox = 0;      // global operator new (header + frame bytes)
inline constexpr std::uint8_t kBackend = 1;  // the runtime's backend (header + frame bytes)
inline constexpr std::uint8_t kClaim = 2;    // a SlabClaim's block (claim_size() bytes)
inline constexpr std::uint8_t kKindMask = 3;
inline constexpr std::uint8_t kHasExt = 128;  // the task has an ext (as handle_or_ext_ says)
}  // namespace origin

// The ready queue's links: a circular list through a sentinel owned by the Runtime, so push, pop
// and the O(1) unlink that cancel needs have no branch on an empty queue.
struct ReadyLink {
  ReadyLink* next;
  ReadyLink* prev;
};

struct TaskExt;

struct TaskHeader : ReadyLink {
  // A spawned task's runtime; set at allocation for a block from the backend, by adopt for a Box
  // frame. An inline Task (awaited directly, never spawned) is always a Box frame and has no
  // runtime: it keeps its awaiting Task's header here instead (null if the awaiter is not a Task).
  union {
    Runtime* runtime;
    TaskHeader* parent;
  };
  // Spawned: the innermost coroutine to resume (nested awaits). Inline: the awaiting coroutine.
  union {
    void* resume_point;
    void* continuation;
  };
  // The live JoinHandle (null if none); once the task has an ext, the ext's address with the low
  // bit set, and the ext holds the handle. A tag, not a flag: a handle the compiler has just
  // stored is 8-byte aligned, so it knows there is no ext without reading anything.
  std::uintptr_t handle_or_ext_;
  TaskState state;
  std::uint8_t flags;   // task_flag bits
  std::uint8_t origin;  // origin:: kind, and kHasExt
  std::uint8_t spare_;
  std::uint32_t refs_;  // the frame's own reference + Wakers' + queue entries' (atomic: refs())

  std::atomic_ref<std::uint32_t> refs() noexcept { return std::atomic_ref(refs_); }
  // Valid for every block (an unspawned Task's handle_or_ext_ is not written yet).
  bool has_ext() const noexcept { return origin & origin::kHasExt; }
  TaskExt* ext() const noexcept { return reinterpret_cast<TaskExt*>(handle_or_ext_ - 1); }
  JoinHandleBase* handle() const noexcept;
  void set_handle(JoinHandleBase* h) noexcept;
};
static_assert(std::is_trivially_default_constructible_v<TaskHeader>);
static_assert(sizeof(TaskHeader) <= 48, "the task header grew: every task block pays for it");

// The rest of a task that ever suspends, joins, parks, is woken from another thread or awaits a
// Task inline. The remote queue links exts, not headers.
struct TaskExt : MpscNode {
  TaskHeader* task;
  JoinHandleBase* handle;  // the live JoinHandle, if any
  // A spawned task's innermost Task of its chain of inline awaits (null when it has none).
  // Cancel and shutdown destroy a chain innermost first, in a loop.
  TaskHeader* inner;
  // Joins: each valid only while its flag is set on the task (kJoinWaited, kAwaiting).
  TaskHeader* join_waiter;  // a spawned task awaiting this one's JoinHandle
  TaskHeader* awaiting;     // the task whose JoinHandle this one awaits
  // The shutdown list: tasks that ever suspended, or finished with a handle.
  TaskHeader* live_prev;
  TaskHeader* live_next;
  TaskExt* free_next;  // the runtime's pool of free exts
  // Wakes. park_gen is the owner's; Wakers on other threads touch woken_gen_ and
  // remote_queued_ (and the header's refs_), so those are accessed atomically (std::atomic_ref).
  std::uint32_t park_gen;
  std::uint32_t woken_gen_;   // newest park generation woken remotely (grows only)
  std::uint32_t block_bytes;  // a retained block's size: its coroutine is gone (retain_block)
  bool remote_queued_;        // an entry for this task is in the remote queue

  std::atomic_ref<std::uint32_t> woken_gen() noexcept { return std::atomic_ref(woken_gen_); }
  std::atomic_ref<bool> remote_queued() noexcept { return std::atomic_ref(remote_queued_); }
};

// A spawned task's (handle_or_ext_ is written by adopt).
inline JoinHandleBase* TaskHeader::handle() const noexcept {
  return (handle_or_ext_ & 1) ? ext()->handle : reinterpret_cast<JoinHandleBase*>(handle_or_ext_);
}
inline void TaskHeader::set_handle(JoinHandleBase* h) noexcept {
  if (handle_or_ext_ & 1) {
    ext()->handle = h;
  } else {
    handle_or_ext_ = reinterpret_cast<std::uintptr_t>(h);
  }
}

// The header is padded so that the frame after it keeps the default new alignment.
inline constexpr std::size_t kHeaderBytes =
    (sizeof(TaskHeader) + __STDCPP_DEFAULT_NEW_ALIGNMENT__ - 1) / __STDCPP_DEFAULT_NEW_ALIGNMENT__ *
    __STDCPP_DEFAULT_NEW_ALIGNMENT__;
static_assert(kHeaderBytes == 48);

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
