// Where coroutine frames come from. Every Task frame is allocated through allocate_frame() by the
// promise's operator new. By default a frame takes the "Box" path (global operator new); while a
// Runtime is placing a task in its backend (spawn_slab, or a claim's spawn) a thread-local
// placement says "the next frame goes here". The placement is one-shot: only the task frame the
// factory creates consumes it.
//
// Each block is a TaskHeader followed by the coroutine frame (task_header.hpp). The header
// records the block's origin (Box, backend or claim) and, for a block from the backend, its
// runtime, so one runtime frees slab and Box frames alike, and a frame outliving its spawn call
// still returns to the right slab. Destroying the coroutine drops the frame's own reference to the
// block; the block itself goes back when its last reference (a Waker's, perhaps) goes. The size
// is not stored: operator delete is told the frame's size, and a claim's block is claim_size().
#pragma once

#include <cstddef>
#include <cstdint>
#include <new>
#include <type_traits>

#include "allocators/backend.hpp"
#include "runtime/task_header.hpp"

namespace allocbench::detail {

// A spawn's request that the next frame go to its backend (or into a claimed block). It lives
// on the spawning call's stack; the thread-local pointer to it is what allocate_frame reads.
struct FramePlacement {
  Runtime* runtime;        // the runtime spawning it: the frame goes to its backend
  void* slot;              // claimed block to use, or null to allocate from the backend
  void* placed = nullptr;  // the frame's address once placed: the placement is used up
};

// The open placement, or null: the next frame takes the Box path.
inline thread_local FramePlacement* tls_placement = nullptr;
// Size of the last task block (header + coroutine frame) allocated on this thread: what the
// backend is asked for per task (for reports and slot sizing; a plain store).
inline thread_local std::size_t tls_last_block_size = 0;
// Calls into the backend's allocate() made by the runtime on this thread (frames and claims):
// the harness reports them per operation beside the global allocator's count.
inline thread_local std::uint64_t tls_backend_allocs = 0;

// Whether a backend has a separate fast path (allocators/allocator.hpp: try_allocate).
template <class B>
inline constexpr bool kHasTryAllocate = requires(B& b, std::size_t n) {
  b.try_allocate(n);
};

[[noreturn]] void throw_frame_too_large(std::size_t frame, const TaskBackend& b, bool claimed);
[[noreturn]] void throw_slab_full(const TaskBackend& backend, std::size_t bytes);

// What every frame needs; the rest of the header is set where it starts to matter. The four
// small fields are adjacent constants, so the compiler writes them as one word.
inline TaskHeader* init_header(void* p, std::uint8_t origin, Runtime* rt) noexcept {
  auto* h = ::new (p) TaskHeader;  // trivial: writes nothing
  h->runtime = rt;
  h->state = TaskState::kInline;
  h->flags = 0;
  h->origin = origin;
  h->spare_ = 0;
  h->refs_ = 1;  // not yet shared with any thread: a plain store
  return h;
}

// Uses up the placement: the frame goes into block p, and later frames (the factory's own inner
// tasks) take the Box path.
inline void* consume_placement(FramePlacement& pl, void* p, std::uint8_t origin) noexcept {
  tls_placement = nullptr;
  void* frame = frame_of(*init_header(p, origin, pl.runtime));
  pl.placed = frame;
  return frame;
}

// The promise's operator new. Defined in hot_path.hpp: a placed frame comes from its runtime's
// backend.
inline void* allocate_frame(std::size_t n);

// The promise's operator delete: the coroutine is destroyed, so its own reference goes, and the
// block with it unless a Waker still names it. Defined in hot_path.hpp: the block goes back
// through its runtime's backend.
inline void deallocate_frame(void* frame, std::size_t n) noexcept;

// Opens a placement for the duration of a factory call and always closes it, even when the
// factory throws (FrameTooLarge, SlabFull, or the user's own exception). Scopes nest (a factory
// may itself spawn into a slab): the outer placement, if still unused, is restored.
class PlacementScope {
 public:
  explicit PlacementScope(FramePlacement& pl) noexcept : saved_(tls_placement) {
    tls_placement = &pl;
  }
  ~PlacementScope() { tls_placement = saved_; }
  PlacementScope(const PlacementScope&) = delete;
  PlacementScope& operator=(const PlacementScope&) = delete;

 private:
  FramePlacement* saved_;
};

}  // namespace allocbench::detail
