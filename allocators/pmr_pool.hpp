// PmrPoolAllocator: the standard library's single-threaded pool,
// std::pmr::unsynchronized_pool_resource (libstdc++), over new_delete_resource(). What a C++
// engineer reaches for first: pools per block size, chunks that grow geometrically, blocks above
// the largest pool size passed straight to the upstream. Owned by one runtime and used from its
// owner thread only, like the slabs; released when the runtime goes.
#pragma once

#include <cstddef>
#include <memory_resource>
#include <new>
#include <string>
#include <string_view>

#include "allocators/allocator.hpp"
#include "allocators/counting_upstream.hpp"
#include "allocators/tuning_env.hpp"

namespace allocbench {

class PmrPoolAllocator {
 public:
  static constexpr bool kIsSlab = false;
  static constexpr bool kHasCapacity = false;
  static constexpr bool kReplacesMalloc = false;

  // slots_per_chunk caps the blocks in one chunk; slot_size is the largest block pooled (the
  // scenarios size it to their frames) and the size a claim reserves.
  explicit PmrPoolAllocator(const BackendConfig& config)
      : claim_size_(config.slot_size), pool_(options(config), &upstream_) {}
  PmrPoolAllocator(const PmrPoolAllocator&) = delete;
  PmrPoolAllocator& operator=(const PmrPoolAllocator&) = delete;

  static std::string_view name() noexcept { return "pmr_pool"; }
  static std::string library() { return "libstdc++ std::pmr::unsynchronized_pool_resource"; }
  static std::string version() {
    return "libstdc++ " + std::to_string(_GLIBCXX_RELEASE) + " (" + std::to_string(__GLIBCXX__) +
           ")";
  }
  static Tuning tuning(const BackendConfig& config = {}) {
    const std::pmr::pool_options asked = options(config);
    // What the resource made of them (libstdc++ rounds and caps both).
    const std::pmr::unsynchronized_pool_resource probe(asked);
    const std::pmr::pool_options used = probe.options();
    return {{"max_blocks_per_chunk", std::to_string(used.max_blocks_per_chunk)},
            {"largest_required_pool_block", std::to_string(used.largest_required_pool_block)},
            {"upstream", "new_delete_resource (counted)"}};
  }

  void* allocate(std::size_t n) noexcept {
    try {
      void* p = pool_.allocate(n, kFrameAlign);
      ++live_;
      requested_ += n;
      return p;
    } catch (const std::bad_alloc&) {
      return nullptr;
    }
  }
  void deallocate(void* p, std::size_t n) noexcept {
    pool_.deallocate(p, n, kFrameAlign);
    --live_;
    requested_ -= n;
  }

  std::size_t max_block() const noexcept { return SIZE_MAX; }
  std::size_t claim_size() const noexcept { return claim_size_; }

  AllocatorStats stats() const {
    AllocatorStats s;
    s.live_blocks = live_;
    s.bytes_requested = requested_;
    s.bytes_reserved = upstream_.held();
    s.slot_size = claim_size_;
    s.is_slab = false;
    return s;
  }

 private:
  static std::pmr::pool_options options(const BackendConfig& config) {
    std::pmr::pool_options o;
    o.max_blocks_per_chunk = config.slots_per_chunk;
    o.largest_required_pool_block = config.slot_size;
    return o;
  }

  std::size_t claim_size_;
  std::size_t live_ = 0;
  std::size_t requested_ = 0;
  CountingUpstream upstream_;  // before pool_: the pool returns its chunks to it when it goes
  std::pmr::unsynchronized_pool_resource pool_;
};

static_assert(TaskAllocator<PmrPoolAllocator>);

}  // namespace allocbench
