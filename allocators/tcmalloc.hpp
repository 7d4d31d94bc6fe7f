// TcmallocAllocator: gperftools' tc_malloc / tc_free_sized. Only included by executables that
// link libtcmalloc_minimal, which then also serves malloc for the whole process.
#pragma once

#include <gperftools/malloc_extension_c.h>
#include <gperftools/tcmalloc.h>

#include <cstddef>
#include <string>
#include <string_view>

#include "allocators/malloc_backend.hpp"
#include "allocators/tuning_env.hpp"

namespace allocbench {

class TcmallocAllocator : public MallocBackend<TcmallocAllocator> {
 public:
  using MallocBackend::MallocBackend;
  static constexpr bool kReplacesMalloc = true;

  static std::string_view name() noexcept { return "tcmalloc"; }
  static std::string library() { return "libtcmalloc_minimal"; }
  // What stats().bytes_reserved means for this backend (the report and the memory chart say it).
  static std::string reserved_meaning() {
    return "tcmalloc's generic.heap_size: bytes of the whole process's heap tcmalloc has obtained "
           "from the system (all malloc users)";
  }
  static std::string version() {
    const char* v = tc_version(nullptr, nullptr, nullptr);
    return v != nullptr ? v : "unavailable (tc_version returned null)";
  }

  static Tuning tuning(const BackendConfig& = {}) {
    Tuning t;
    // The environment knobs gperftools reads at start-up that matter for small objects.
    add_env(t, "TCMALLOC_RELEASE_RATE");
    add_env(t, "TCMALLOC_MAX_TOTAL_THREAD_CACHE_BYTES");
    add_env(t, "TCMALLOC_AGGRESSIVE_DECOMMIT");
    add_env(t, "TCMALLOC_TRANSFER_NUM_OBJ");
    add_env(t, "TCMALLOC_HEAP_LIMIT_MB");
    add_env_prefixed(t, "TCMALLOC_");
    // Values in force, whatever their source.
    for (const char* property :
         {"tcmalloc.max_total_thread_cache_bytes", "tcmalloc.aggressive_memory_decommit"}) {
      std::size_t value = 0;
      t.emplace_back(property, MallocExtension_GetNumericProperty(property, &value) != 0
                                   ? std::to_string(value)
                                   : std::string("unavailable"));
    }
    return t;
  }

  static void* raw_allocate(std::size_t n) noexcept { return tc_malloc(n); }
  static void raw_deallocate(void* p, std::size_t n) noexcept { tc_free_sized(p, n); }

  // generic.heap_size: bytes of the page heap obtained from the system (in use, cached in
  // free lists, or fragmentation), process-wide.
  static std::size_t reserved_bytes() noexcept {
    std::size_t value = 0;
    return MallocExtension_GetNumericProperty("generic.heap_size", &value) != 0 ? value
                                                                                : kReservedUnknown;
  }
};

static_assert(TaskAllocator<TcmallocAllocator>);

}  // namespace allocbench
