// Where coroutine frames come from. Every Task frame is allocated through allocate_frame() by the
// promise's operator new. By default a frame takes the "Box" path (global operator new); while a
// Runtime is placing a task in its backend (spawn_slab, or a claim's spawn) a thread-local
// placement says "the next frame goes here". The placement is one-shot: only the task frame the
// factory creates consumes it.
//
// Each block is a TaskHeader followed by the coroutine frame (task_header.hpp). The header
// records the block's origin (the backend instance it came from, or none for the Box path), so
// one runtime frees slab and Box frames alike, and a frame outliving its spawn call still returns
// to the right slab. Destroying the coroutine drops the frame's own reference to the block; the
// block itself goes back when its last reference (a Waker's, perhaps) goes.
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
  TaskBackend* backend;    // where the frame goes
  void* slot;              // claimed block to use, or null to allocate from backend
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

[[noreturn]] void throw_frame_too_large(std::size_t frame, const TaskBackend& b, bool claimed);
[[noreturn]] void throw_slab_full(const TaskBackend& backend, std::size_t bytes);
// The frame's coroutine is gone but Wakers still name its block (defined in runtime.cpp).
void on_block_retained(TaskHeader& h) noexcept;

// What every frame needs; the rest of the header is set where it starts to matter.
inline void* init_header(void* p, std::uintptr_t origin, std::size_t block) noexcept {
  auto* h = ::new (p) TaskHeader;  // trivial: writes nothing
  h->origin = origin;
  h->block_bytes = static_cast<std::uint32_t>(block);
  h->state = TaskState::kInline;
  h->flags = 0;
  h->refs_ = 1;  // not yet shared with any thread: a plain store
  return static_cast<char*>(p) + kHeaderBytes;
}

inline void* allocate_frame(std::size_t n) {
  const std::size_t total = block_size(n);
  tls_last_block_size = total;
  FramePlacement* pl = tls_placement;
  if (pl == nullptr) return init_header(::operator new(total), 0, total);
  TaskBackend* b = pl->backend;
  void* p;
  std::size_t block = total;
  if (pl->slot != nullptr) [[unlikely]] {
    if (total > b->claim_size()) throw_frame_too_large(n, *b, true);
    p = pl->slot;
    block = b->claim_size();  // returned as the claim it came from: sized frees stay exact
  } else {
    // Every backend refuses a block larger than max_block() before taking anything from its
    // store, so the size is checked only when the allocation fails.
    p = b->allocate(total);
    ++tls_backend_allocs;
    if (p == nullptr) [[unlikely]] {
      if (total > b->max_block()) throw_frame_too_large(n, *b, false);
      throw_slab_full(*b, total);
    }
  }
  // One-shot: later frames (the factory's own inner tasks) take the Box path.
  tls_placement = nullptr;
  void* frame = init_header(p, reinterpret_cast<std::uintptr_t>(b), block);
  pl->placed = frame;
  return frame;
}

// Returns a block whose last reference has gone.
inline void release_block(TaskHeader& h) noexcept {
  static_assert(std::is_trivially_destructible_v<TaskHeader>);
  if (h.origin == 0) {
    ::operator delete(&h, h.block_bytes);
    return;
  }
  reinterpret_cast<TaskBackend*>(h.origin)->deallocate(&h, h.block_bytes);
}

// The promise's operator delete: the coroutine is destroyed, so its own reference goes. Only the
// owner creates references, so a count of 1 (ours alone) cannot grow behind our back and the
// common case needs no read-modify-write.
inline void deallocate_frame(void* p, std::size_t) noexcept {
  TaskHeader& h = header_of(p);
  if (h.refs().load(std::memory_order_acquire) == 1 ||
      h.refs().fetch_sub(1, std::memory_order_acq_rel) == 1) {
    release_block(h);
    return;
  }
  on_block_retained(h);
}

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
