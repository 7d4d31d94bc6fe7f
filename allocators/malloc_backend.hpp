// What the backends without fixed slots share (the mallocs: system, jemalloc, mimalloc,
// tcmalloc, tbbmalloc; the pools: pmr_pool, boost_pool): the counters, the TaskAllocator surface
// and the stats. Each backend supplies only its raw calls (CRTP, so the hot path is a direct,
// inlinable call with no virtual dispatch).
//
// Derived provides kReplacesMalloc, raw_allocate(n) noexcept (nullptr on failure),
// raw_deallocate(p, n) noexcept, and reserved_bytes() (what the allocator holds from the system,
// or kReservedUnknown): static for a malloc, members for a pool that owns its state.
#pragma once

#include <cstddef>
#include <cstdint>

#include "allocators/allocator.hpp"
#include "allocators/reserved_unknown.hpp"

namespace allocbench {

template <class Derived>
class MallocBackend {
 public:
  static constexpr bool kIsSlab = false;
  static constexpr bool kHasCapacity = false;   // a failed malloc is an error, not "full"
  static constexpr bool kReclaimsFrees = true;  // a freed block is reused (pmr_monotonic: no)

  // slot_size is only the size of the block a claim reserves before the frame size is known.
  explicit MallocBackend(const BackendConfig& config) noexcept : claim_size_(config.slot_size) {}

  // Blocks are aligned to at least kFrameAlign for n >= kFrameAlign (smaller requests may get
  // 8-byte alignment, enough for anything that fits; a coroutine frame is never that small).
  void* allocate(std::size_t n) noexcept {
    void* p = self().raw_allocate(n);
    if (p != nullptr) [[likely]] {
      ++live_;
      requested_ += n;
    }
    return p;
  }

  void deallocate(void* p, std::size_t n) noexcept {
    self().raw_deallocate(p, n);
    --live_;
    requested_ -= n;
  }

  std::size_t max_block() const noexcept { return SIZE_MAX; }
  std::size_t claim_size() const noexcept { return claim_size_; }

  AllocatorStats stats() const {
    AllocatorStats s;
    s.live_blocks = live_;
    s.bytes_requested = requested_;
    s.bytes_reserved = self().reserved_bytes();
    s.slot_size = claim_size_;
    s.is_slab = false;
    return s;
  }

 private:
  // Through the object: a malloc's raw calls are static, a pool's act on its own state.
  Derived& self() noexcept { return static_cast<Derived&>(*this); }
  const Derived& self() const noexcept { return static_cast<const Derived&>(*this); }

  std::size_t claim_size_;
  // Plain counters: the backend belongs to one owner thread.
  std::size_t live_ = 0;
  std::size_t requested_ = 0;
};

}  // namespace allocbench
