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

#include "allocators/counting_upstream.hpp"
#include "allocators/malloc_backend.hpp"
#include "allocators/tuning_env.hpp"

namespace allocbench {

class PmrPoolAllocator : public MallocBackend<PmrPoolAllocator> {
 public:
  static constexpr bool kReplacesMalloc = false;

  // slots_per_chunk caps the blocks in one chunk; slot_size is the largest block pooled (the
  // scenarios size it to their frames) and the size a claim reserves.
  explicit PmrPoolAllocator(const BackendConfig& config)
      : MallocBackend(config), pool_(options(config), &upstream_) {}
  PmrPoolAllocator(const PmrPoolAllocator&) = delete;
  PmrPoolAllocator& operator=(const PmrPoolAllocator&) = delete;

  static std::string_view name() noexcept { return "pmr_pool"; }
  static std::string library() { return "libstdc++ std::pmr::unsynchronized_pool_resource"; }
  // What stats().bytes_reserved means for this backend (the report and the memory chart say it).
  static std::string reserved_meaning() {
    return "what the pool resource holds from its upstream (counted by a wrapper resource): chunks "
           "of the frame pools, released only when the runtime ends";
  }
  static std::string version() { return libstdcxx_version(); }
  static Tuning tuning(const BackendConfig& config = {}) {
    const std::pmr::pool_options asked = options(config);
    // What the resource made of them (libstdc++ rounds and caps both).
    const std::pmr::unsynchronized_pool_resource probe(asked);
    const std::pmr::pool_options used = probe.options();
    return {{"max_blocks_per_chunk", std::to_string(used.max_blocks_per_chunk)},
            {"largest_required_pool_block", std::to_string(used.largest_required_pool_block)},
            {"upstream", "new_delete_resource (counted)"}};
  }

  void* raw_allocate(std::size_t n) noexcept { return pmr_allocate_or_null(pool_, n, kFrameAlign); }
  void raw_deallocate(void* p, std::size_t n) noexcept { pool_.deallocate(p, n, kFrameAlign); }
  // What the pool holds from its upstream.
  std::size_t reserved_bytes() const noexcept { return upstream_.held(); }

 private:
  static std::pmr::pool_options options(const BackendConfig& config) {
    std::pmr::pool_options o;
    o.max_blocks_per_chunk = config.slots_per_chunk;
    o.largest_required_pool_block = config.slot_size;
    return o;
  }

  CountingUpstream upstream_;  // before pool_: the pool returns its chunks to it when it goes
  std::pmr::unsynchronized_pool_resource pool_;
};

static_assert(TaskAllocator<PmrPoolAllocator>);

}  // namespace allocbench
