// Where coroutine frames come from. Every Task frame is allocated through allocate_frame() by the
// promise's operator new. By default a frame takes the "Box" path (global operator new); while a
// Runtime is placing a task in its backend (spawn_slab, or a claim's spawn) a thread-local
// placement says "the next frame goes here". The placement is one-shot: only the task frame the
// factory creates consumes it.
//
// Each frame carries an 8-byte origin tag just past the frame (at a size-derived offset, since the
// sized delete gives the size back): the backend instance it came from, or null for the Box
// path. That is how one runtime can free slab frames and Box frames without knowing which is
// which, and how a frame outliving its spawn call still returns to the right slab.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <new>

#include "allocators/backend.hpp"

namespace allocbench::detail {

inline constexpr std::size_t kTagBytes = sizeof(std::uintptr_t);
// Set in a tag whose frame sits in a claimed block: it is returned with the claim's size,
// not the frame's, so sized deallocation stays exact on the malloc backends.
inline constexpr std::uintptr_t kClaimedBit = 1;

constexpr std::size_t tag_offset(std::size_t frame) noexcept {
  return (frame + kTagBytes - 1) & ~(kTagBytes - 1);
}
constexpr std::size_t with_tag(std::size_t frame) noexcept {
  return tag_offset(frame) + kTagBytes;
}

struct FramePlacement {
  TaskBackend* backend = nullptr;  // null: Box path
  void* slot = nullptr;            // claimed block to use, or null to allocate from backend
  void* placed = nullptr;          // where the frame went, once placed
  bool consumed = false;           // a frame was placed (the factory did create a task)
};

inline thread_local FramePlacement tls_placement;
// Whether the last PlacementScope to close had placed a frame (read after a factory threw).
inline thread_local bool tls_placement_consumed_last = false;
// Size of the last frame allocated on this thread (for reports; a plain store).
inline thread_local std::size_t tls_last_frame_size = 0;
// Calls into the backend's allocate() made by the runtime on this thread (frames and claims):
// the harness reports them per operation beside the global allocator's count.
inline thread_local std::uint64_t tls_backend_allocs = 0;

[[noreturn]] void throw_frame_too_large(std::size_t frame, std::size_t slot);
[[noreturn]] void throw_slab_full(const TaskBackend& backend);

inline void* allocate_frame(std::size_t n) {
  tls_last_frame_size = n;
  const std::size_t total = with_tag(n);
  FramePlacement& pl = tls_placement;
  void* p;
  std::uintptr_t tag;
  if (pl.backend == nullptr) {
    p = ::operator new(total);
    tag = 0;
  } else {
    TaskBackend* b = pl.backend;
    if (pl.slot != nullptr) {
      if (total > b->claim_size()) throw_frame_too_large(n, b->claim_size());
      p = pl.slot;
      tag = reinterpret_cast<std::uintptr_t>(b) | kClaimedBit;
    } else {
      if (total > b->max_block()) throw_frame_too_large(n, b->max_block());
      p = b->allocate(total);
      ++tls_backend_allocs;
      if (p == nullptr) throw_slab_full(*b);
      tag = reinterpret_cast<std::uintptr_t>(b);
    }
    pl = FramePlacement{nullptr, nullptr, p, true};  // one-shot: later frames take the Box path
  }
  std::memcpy(static_cast<char*>(p) + tag_offset(n), &tag, sizeof tag);
  return p;
}

inline void deallocate_frame(void* p, std::size_t n) noexcept {
  std::uintptr_t tag;
  std::memcpy(&tag, static_cast<char*>(p) + tag_offset(n), sizeof tag);
  if (tag == 0) {
    ::operator delete(p, with_tag(n));
    return;
  }
  auto* b = reinterpret_cast<TaskBackend*>(tag & ~kClaimedBit);
  b->deallocate(p, (tag & kClaimedBit) ? b->claim_size() : with_tag(n));
}

// Sets the placement for the duration of a factory call and always clears it, even when the
// factory throws (FrameTooLarge, SlabFull, or the user's own exception).
// Scopes nest (a factory may itself spawn into a slab): the outer placement is restored.
class PlacementScope {
 public:
  PlacementScope(TaskBackend* backend, void* slot) noexcept : saved_(tls_placement) {
    tls_placement = FramePlacement{backend, slot, nullptr, false};
  }
  ~PlacementScope() {
    tls_placement_consumed_last = tls_placement.consumed;
    tls_placement = saved_;
  }
  bool consumed() const noexcept { return tls_placement.consumed; }
  void* placed() const noexcept { return tls_placement.placed; }
  PlacementScope(const PlacementScope&) = delete;
  PlacementScope& operator=(const PlacementScope&) = delete;

 private:
  FramePlacement saved_;
};

}  // namespace allocbench::detail
