// JemallocAllocator: mallocx / sdallocx. Only included by executables that link libjemalloc,
// which then also serves malloc for the whole process.
#pragma once

#include <jemalloc/jemalloc.h>
#include <sys/types.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <type_traits>

#include "allocators/malloc_backend.hpp"
#include "allocators/tuning_env.hpp"

namespace allocbench {

class JemallocAllocator : public MallocBackend<JemallocAllocator> {
 public:
  using MallocBackend::MallocBackend;
  static constexpr bool kReplacesMalloc = true;

  static std::string_view name() noexcept { return "jemalloc"; }
  static std::string library() { return "libjemalloc"; }
  // What stats().bytes_reserved means for this backend (the report and the memory chart say it).
  static std::string reserved_meaning() {
    return "jemalloc's stats.mapped: bytes in the extents jemalloc keeps mapped and active for the "
           "whole process (every malloc user, free space in them included; retained virtual memory "
           "excluded)";
  }
  static std::string version() {
    const char* v = nullptr;
    std::size_t len = sizeof v;
    if (mallctl("version", &v, &len, nullptr, 0) != 0 || v == nullptr) {
      return "unavailable (mallctl version failed)";
    }
    return v;
  }

  static Tuning tuning(const BackendConfig& = {}) {
    Tuning t;
    add_env(t, "MALLOC_CONF");     // Debian's build reads the unprefixed name
    add_env(t, "JE_MALLOC_CONF");  // a je_-prefixed build would read this one
    // The options in force after parsing, whatever their source (env, file, compiled in).
    t.emplace_back("opt.narenas", ctl_string<unsigned>("opt.narenas"));
    t.emplace_back("opt.tcache", ctl_string<bool>("opt.tcache"));
    t.emplace_back("opt.dirty_decay_ms", ctl_string<ssize_t>("opt.dirty_decay_ms"));
    t.emplace_back("opt.muzzy_decay_ms", ctl_string<ssize_t>("opt.muzzy_decay_ms"));
    t.emplace_back("opt.background_thread", ctl_string<bool>("opt.background_thread"));
    t.emplace_back("opt.thp", ctl_string<const char*>("opt.thp"));
    return t;
  }

  // jemalloc leaves mallocx(0) undefined; frames are never empty.
  static void* raw_allocate(std::size_t n) noexcept { return mallocx(n, 0); }
  static void raw_deallocate(void* p, std::size_t n) noexcept { sdallocx(p, n, 0); }

  // stats.mapped: bytes in extents jemalloc has mapped and keeps active (retained virtual
  // memory excluded). Refreshed by bumping "epoch" first; unknown if stats are compiled out.
  static std::size_t reserved_bytes() noexcept {
    std::uint64_t epoch = 1;
    std::size_t len = sizeof epoch;
    if (mallctl("epoch", &epoch, &len, &epoch, len) != 0) return kReservedUnknown;
    std::size_t mapped = 0;
    len = sizeof mapped;
    if (mallctl("stats.mapped", &mapped, &len, nullptr, 0) != 0) return kReservedUnknown;
    return mapped;
  }

 private:
  template <class T>
  static std::string ctl_string(const char* name) {
    T value{};
    std::size_t len = sizeof value;
    if (mallctl(name, &value, &len, nullptr, 0) != 0) return "unavailable";
    if constexpr (std::is_same_v<T, bool>) {
      return value ? "true" : "false";
    } else if constexpr (std::is_same_v<T, const char*>) {
      return value != nullptr ? value : "unavailable";
    } else {
      return std::to_string(value);
    }
  }
};

static_assert(TaskAllocator<JemallocAllocator>);

}  // namespace allocbench
