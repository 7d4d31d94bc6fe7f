// TbbmallocAllocator: oneTBB's scalable_malloc / scalable_free. Executables that link it also
// link TBB's malloc proxy (libtbbmalloc_proxy), so tbbmalloc serves malloc and operator new for
// the whole process too, as jemalloc, mimalloc and tcmalloc do; the report's malloc_provider
// shows it.
#pragma once

#include <oneapi/tbb/scalable_allocator.h>
#include <oneapi/tbb/version.h>

#include <cstddef>
#include <string>
#include <string_view>

#include "allocators/malloc_backend.hpp"
#include "allocators/tuning_env.hpp"

// The proxy's one exported name that is not a libc symbol: referencing it keeps the proxy in the
// link under --as-needed (nothing else calls into it by name).
extern "C" void* __TBB_malloc_proxy(std::size_t);

namespace allocbench {

class TbbmallocAllocator : public MallocBackend<TbbmallocAllocator> {
 public:
  static constexpr bool kReplacesMalloc = true;

  explicit TbbmallocAllocator(const BackendConfig& config) noexcept : MallocBackend(config) {
    asm volatile("" : : "r"(&__TBB_malloc_proxy));
  }

  static std::string_view name() noexcept { return "tbbmalloc"; }
  static std::string library() { return "libtbbmalloc"; }  // malloc_provider: its proxy
  // What stats().bytes_reserved means for this backend (the report and the memory chart say it).
  static std::string reserved_meaning() {
    return "unavailable: tbbmalloc exposes no statistics, so reserved is not reported";
  }
  // The headers' version; libtbbmalloc has no runtime version call of its own.
  static std::string version() { return TBB_VERSION_STRING; }

  static Tuning tuning(const BackendConfig& = {}) {
    Tuning t;
    // The two settings tbbmalloc reads from the environment (scalable_allocation_mode can
    // override them in code; nothing here does).
    add_env(t, "TBB_MALLOC_USE_HUGE_PAGES");
    add_env(t, "TBB_MALLOC_SET_HUGE_SIZE_THRESHOLD");
    return t;
  }

  static void* raw_allocate(std::size_t n) noexcept { return scalable_malloc(n); }
  static void raw_deallocate(void* p, std::size_t) noexcept { scalable_free(p); }

  // Why reserved_bytes() is always unknown (tests read this instead of expecting a figure).
  static constexpr const char* kReservedUnavailable =
      "tbbmalloc exposes no statistics (scalable_allocation_command only cleans up)";
  static std::size_t reserved_bytes() noexcept { return kReservedUnknown; }
};

static_assert(TaskAllocator<TbbmallocAllocator>);

}  // namespace allocbench
