// The one interface every task-allocator backend implements. The backend is a compile-time
// policy (see backend.hpp): the runtime names the concrete type, so nothing here is virtual.
#pragma once

#include <concepts>
#include <cstddef>
#include <stdexcept>
#include <string>
#include <string_view>

#include "allocators/tuning_env.hpp"

namespace allocbench {

// Coroutine frames need at most the default new alignment; slab slots are cache-line aligned.
inline constexpr std::size_t kFrameAlign = __STDCPP_DEFAULT_NEW_ALIGNMENT__;
inline constexpr std::size_t kSlotAlign = 64;

// Parameters every backend is built from. Slabs use all of them; the malloc backends use
// slot_size only, as the size of the block a claim reserves up front.
struct BackendConfig {
  std::size_t slot_size = 256;        // bytes per slot (rounded up to kSlotAlign by slabs)
  std::size_t capacity = 1024;        // bounded: total slots
  std::size_t slots_per_chunk = 256;  // unbounded: slots added per growth step
  std::size_t reserve_chunks = 0;     // unbounded: chunks allocated up front
};

struct AllocatorStats {
  std::size_t live_blocks = 0;      // blocks handed out and not yet returned
  std::size_t bytes_requested = 0;  // sum of the sizes asked for by live blocks
  std::size_t bytes_reserved = 0;   // bytes this backend holds from the system (see each backend)
  std::size_t capacity = 0;         // slabs: slots that exist now (0 for malloc backends)
  std::size_t chunks = 0;           // unbounded: chunks allocated (bounded: 1)
  std::size_t slot_size = 0;        // slabs: bytes per slot; malloc backends: claim block size
  bool is_slab = false;
};

// A frame that cannot fit the block it must go in. frame_size is the compiler's frame size; the
// runtime puts a task header of overhead bytes in front of it (runtime/task_header.hpp), so a
// frame fits when frame_size + overhead <= block_size. Raised before any slot is taken, so
// nothing leaks.
class FrameTooLarge : public std::length_error {
 public:
  enum class Where {
    kSlabSlot,     // spawn_slab on a slab: the slot size
    kClaimedSlot,  // a claim's spawn on a slab: the slot it reserved
    kClaimBlock,   // a claim's spawn on a malloc backend: the block it reserved (slot_size)
  };
  FrameTooLarge(std::size_t frame_size, std::size_t overhead, std::size_t block_size, Where where)
      : std::length_error("coroutine frame of " + std::to_string(frame_size) + " bytes (+" +
                          std::to_string(overhead) + "-byte task header) does not fit " +
                          describe(where) + " of " + std::to_string(block_size) + " bytes"),
        frame_size_(frame_size),
        slot_size_(block_size) {}
  std::size_t frame_size() const noexcept { return frame_size_; }
  std::size_t slot_size() const noexcept { return slot_size_; }

 private:
  static std::string describe(Where w) {
    switch (w) {
      case Where::kSlabSlot:
        return "a slab slot";
      case Where::kClaimedSlot:
        return "the claimed slab slot";
      case Where::kClaimBlock:
        return "the claimed block (BackendConfig::slot_size)";
    }
    return "its block";
  }
  std::size_t frame_size_;
  std::size_t slot_size_;
};

// A bounded slab with no free slot, or (allocation_failed) a malloc backend that returned no
// memory.
class SlabFull : public std::runtime_error {
 public:
  explicit SlabFull(std::size_t capacity)
      : std::runtime_error("slab full: all " + std::to_string(capacity) + " slots are in use") {}
  static SlabFull allocation_failed(std::size_t bytes) {
    return SlabFull("task allocation failed: the allocator returned no memory for " +
                    std::to_string(bytes) + " bytes");
  }

 private:
  explicit SlabFull(const std::string& what) : std::runtime_error(what) {}
};

// allocate(n): memory for n bytes aligned to at least kFrameAlign, or nullptr when full.
// deallocate(p, n): p came from allocate(n) on this object; O(1).
// max_block(): the largest n allocate accepts (slot size for slabs, SIZE_MAX otherwise).
// claim_size(): the block a claim reserves before the frame size is known.
// Traits the harness reads instead of comparing names:
//   kIsSlab          frames live in fixed-size slots (max_block() is the slot size);
//   kHasCapacity     allocate() can refuse for want of room (a full bounded slab), so
//                    try_spawn_slab / try_claim_slab have a rejection path to measure;
//   kReclaimsFrees   a freed block is reused by later allocations; false for an arena whose
//                    frees are no-ops (pmr_monotonic), whose rows on scenarios that reuse
//                    freed frames the report marks not comparable;
//   kReplacesMalloc  linking it replaces malloc process-wide (it must then serve malloc, and it
//                    is left out of sanitizer builds);
//   library(), version(), tuning(config): what the report records about the allocator.
// Optional: try_allocate(n), allocate's fast path alone. It returns nullptr whenever allocate
// would have to call out of line (grow, unlist a chunk), and the runtime then calls allocate
// from its own out-of-line path; a spawn's fast path then holds fewer registers across calls.
template <class A>
concept TaskAllocator = std::constructible_from<A, const BackendConfig&> &&
    requires(A a, const A ca, void* p, std::size_t n) {
  { a.allocate(n) }
  noexcept->std::same_as<void*>;
  { a.deallocate(p, n) }
  noexcept;
  { A::name() } -> std::convertible_to<std::string_view>;
  { ca.stats() } -> std::same_as<AllocatorStats>;
  { ca.max_block() }
  noexcept->std::same_as<std::size_t>;
  { ca.claim_size() }
  noexcept->std::same_as<std::size_t>;
  { A::kIsSlab } -> std::convertible_to<bool>;
  { A::kHasCapacity } -> std::convertible_to<bool>;
  { A::kReplacesMalloc } -> std::convertible_to<bool>;
  { A::kReclaimsFrees } -> std::convertible_to<bool>;
  { A::library() } -> std::convertible_to<std::string>;
  { A::version() } -> std::convertible_to<std::string>;
  { A::tuning(BackendConfig{}) } -> std::same_as<Tuning>;
};

}  // namespace allocbench
