// PmrMonotonicAllocator: std::pmr::monotonic_buffer_resource (libstdc++) over an up-front buffer,
// then new_delete_resource() (counted). The arena a C++ engineer reaches for when every object of
// a batch dies together: allocation is a pointer bump, and deallocate is a no-op, so memory comes
// back only when the resource is destroyed (with the runtime). "reserved" therefore only grows.
//
// It is comparable only where nothing freed during the measurement would be reused: on every
// scenario that frees frames and spawns again (ScenarioSpec::reuses_freed_frames) every spawn
// takes new memory, so its time is a pointer bump plus first-touch page faults and its memory
// grows with the operation count: the worker marks those rows not comparable (kReclaimsFrees =
// false) rather than set them beside allocators that reuse.
#pragma once

#include <algorithm>
#include <cstddef>
#include <memory>
#include <memory_resource>
#include <new>
#include <string>
#include <string_view>

#include "allocators/counting_upstream.hpp"
#include "allocators/malloc_backend.hpp"
#include "allocators/tuning_env.hpp"

namespace allocbench {

class PmrMonotonicAllocator : public MallocBackend<PmrMonotonicAllocator> {
 public:
  static constexpr bool kReplacesMalloc = false;
  static constexpr bool kReclaimsFrees = false;  // deallocate is a no-op

  // The up-front buffer holds capacity blocks of slot_size: what a bounded slab of the same
  // configuration would hold, so both start with the same memory.
  explicit PmrMonotonicAllocator(const BackendConfig& config)
      : MallocBackend(config),
        initial_bytes_(initial_bytes(config)),
        buffer_(new std::byte[initial_bytes_]),
        arena_(buffer_.get(), initial_bytes_, &upstream_) {}
  PmrMonotonicAllocator(const PmrMonotonicAllocator&) = delete;
  PmrMonotonicAllocator& operator=(const PmrMonotonicAllocator&) = delete;

  static std::string_view name() noexcept { return "pmr_monotonic"; }
  static std::string library() { return "libstdc++ std::pmr::monotonic_buffer_resource"; }
  // What stats().bytes_reserved means for this backend (the report and the memory chart say it).
  static std::string reserved_meaning() {
    return "the up-front buffer plus every buffer taken from upstream since (counted by a wrapper "
           "resource); frees are no-ops, so it only grows until the runtime ends";
  }
  static std::string version() { return libstdcxx_version(); }
  static Tuning tuning(const BackendConfig& config = {}) {
    return {{"initial_buffer_bytes", std::to_string(initial_bytes(config))},
            {"frees", "no-ops: memory is reused only when the runtime (and its resource) goes"},
            {"growth", "each upstream buffer 1.5x the last (libstdc++)"},
            {"upstream", "new_delete_resource (counted)"}};
  }

  void* raw_allocate(std::size_t n) noexcept {
    return pmr_allocate_or_null(arena_, n, kFrameAlign);
  }
  // A no-op in the resource; called so the backend keeps the resource's contract.
  void raw_deallocate(void* p, std::size_t n) noexcept { arena_.deallocate(p, n, kFrameAlign); }
  // The up-front buffer plus every buffer taken from upstream since.
  std::size_t reserved_bytes() const noexcept { return initial_bytes_ + upstream_.held(); }

 private:
  static std::size_t initial_bytes(const BackendConfig& config) noexcept {
    return std::max<std::size_t>(config.capacity * config.slot_size, kSlotAlign);
  }

  std::size_t initial_bytes_;
  std::unique_ptr<std::byte[]> buffer_;
  CountingUpstream upstream_;  // before arena_: the arena returns its buffers when it goes
  std::pmr::monotonic_buffer_resource arena_;
};

static_assert(TaskAllocator<PmrMonotonicAllocator>);

}  // namespace allocbench
