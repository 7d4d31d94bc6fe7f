// MimallocAllocator: mi_malloc / mi_free_size. Only included by executables that link
// libmimalloc, which then also serves malloc for the whole process.
#pragma once

#include <mimalloc.h>

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>

#include "allocators/malloc_backend.hpp"
#include "allocators/tuning_env.hpp"

namespace allocbench {

class MimallocAllocator : public MallocBackend<MimallocAllocator> {
 public:
  using MallocBackend::MallocBackend;
  static constexpr bool kReplacesMalloc = true;

  static std::string_view name() noexcept { return "mimalloc"; }
  static std::string library() { return "libmimalloc"; }
  // What stats().bytes_reserved means for this backend (the report and the memory chart say it).
  static std::string reserved_meaning() {
    return "mimalloc's committed bytes (mi_process_info current_commit) for the whole process: "
           "mimalloc commits its segments in large steps, so a few KiB of frames can show tens of "
           "MiB, more than the pages actually touched (the RSS)";
  }
  // mi_version() encodes major*100 + minor*10 + patch (209 is 2.0.9).
  static std::string version() {
    const int v = mi_version();
    return std::to_string(v / 100) + "." + std::to_string(v / 10 % 10) + "." +
           std::to_string(v % 10);
  }

  static Tuning tuning(const BackendConfig& = {}) {
    Tuning t;
    // The options that most change frame-sized allocation and memory held, as in force now.
    const std::pair<const char*, mi_option_t> options[] = {
        {"mi_option_eager_commit", mi_option_eager_commit},
        {"mi_option_eager_commit_delay", mi_option_eager_commit_delay},
        {"mi_option_large_os_pages", mi_option_large_os_pages},
        {"mi_option_reserve_huge_os_pages", mi_option_reserve_huge_os_pages},
        {"mi_option_page_reset", mi_option_page_reset},
        {"mi_option_allow_decommit", mi_option_allow_decommit},
        {"mi_option_decommit_delay", mi_option_decommit_delay},
    };
    for (const auto& [label, option] : options) {
      t.emplace_back(label, std::to_string(mi_option_get(option)));
    }
    add_env_prefixed(t, "MIMALLOC_");  // whatever the environment set, by its own name
    return t;
  }

  static void* raw_allocate(std::size_t n) noexcept { return mi_malloc(n); }
  static void raw_deallocate(void* p, std::size_t n) noexcept { mi_free_size(p, n); }

  // mi_process_info's current_commit: bytes mimalloc has committed from the OS, process-wide
  // (its always-on main statistics). 0 would mean the counter is not kept: unknown.
  static std::size_t reserved_bytes() noexcept {
    std::size_t elapsed, user, sys, rss, peak_rss, commit = 0, peak_commit, faults;
    mi_process_info(&elapsed, &user, &sys, &rss, &peak_rss, &commit, &peak_commit, &faults);
    return commit != 0 ? commit : kReservedUnknown;
  }
};

static_assert(TaskAllocator<MimallocAllocator>);

}  // namespace allocbench
