// SystemAllocator: global operator new / sized operator delete, i.e. exactly what a coroutine
// frame gets by default; in this project's processes that is glibc malloc.
#pragma once

#include <gnu/libc-version.h>
#include <malloc.h>

#include <cstddef>
#include <new>
#include <string>
#include <string_view>

#include "allocators/malloc_backend.hpp"
#include "allocators/tuning_env.hpp"

namespace allocbench {

class SystemAllocator : public MallocBackend<SystemAllocator> {
 public:
  using MallocBackend::MallocBackend;
  static constexpr bool kReplacesMalloc = false;

  static std::string_view name() noexcept { return "system"; }
  static std::string library() { return "glibc"; }
  // What stats().bytes_reserved means for this backend (the report and the memory chart say it).
  static std::string reserved_meaning() {
    return "glibc's arena plus mmapped bytes (mallinfo2 arena + hblkhd): process-wide, every "
           "malloc user in the worker, not frames alone";
  }
  static std::string version() { return gnu_get_libc_version(); }

  static Tuning tuning(const BackendConfig& = {}) {
    Tuning t;
    add_env(t, "GLIBC_TUNABLES");
    // The pre-tunables spellings glibc still honours.
    add_env(t, "MALLOC_ARENA_MAX");
    add_env(t, "MALLOC_MMAP_THRESHOLD_");
    add_env(t, "MALLOC_TRIM_THRESHOLD_");
    add_env(t, "MALLOC_TOP_PAD_");
    add_env(t, "MALLOC_PERTURB_");
    add_env(t, "MALLOC_CHECK_");
    return t;
  }

  // The throwing form is what a frame's default allocation calls; its failure becomes nullptr
  // here (zero-cost on success) to meet the noexcept interface.
  static void* raw_allocate(std::size_t n) noexcept {
    try {
      return ::operator new(n);
    } catch (const std::bad_alloc&) {
      return nullptr;
    }
  }
  static void raw_deallocate(void* p, std::size_t n) noexcept { ::operator delete(p, n); }

  // mallinfo2(): arena (bytes obtained with sbrk/heap mmaps, free ones included) + hblkhd
  // (bytes in chunks mmapped on their own). Under a sanitizer malloc is the sanitizer's and
  // glibc's figures describe nothing, so the figure is unknown there.
  static std::size_t reserved_bytes() noexcept {
#if defined(ALLOCBENCH_ASAN) || defined(ALLOCBENCH_TSAN) || defined(__SANITIZE_ADDRESS__) || \
    defined(__SANITIZE_THREAD__)
    return kReservedUnknown;
#else
    const struct mallinfo2 info = mallinfo2();
    return info.arena + info.hblkhd;
#endif
  }
};

static_assert(TaskAllocator<SystemAllocator>);

}  // namespace allocbench
