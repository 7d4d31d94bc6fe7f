// Counts calls into the C++ global allocator (every operator new / operator delete form) made by
// the calling thread, so a scenario can report allocations_per_op for its timed region.
//
// The counting itself lives in alloc_counter_replace.cpp, which replaces the global operators.
// It is built as its own library, allocbench_alloc_counter, and linked only into executables that
// want it (workers, micro benchmarks, tests): replacing global new is a whole-program decision.
// enabled() tells whether that replacement is in this program; when it is not, snapshot() stays
// at zero and the caller must report "unavailable", not 0 allocations.
//
// Not counted: direct C malloc/calloc/realloc/free calls. Counting those would mean interposing
// malloc, which would fight the jemalloc / mimalloc / tcmalloc backends that replace malloc for
// the whole process. The counters are per thread: the executor's owner thread runs the timed
// region, and other threads' allocations (wakers, gtest) do not leak into its count.
//
// Not linked in sanitizer builds (ALLOCBENCH_SANITIZE): ASan and TSan replace operator new
// themselves, and this replacement would silently disable their new/delete checks.
#pragma once

#include <cstdint>

namespace allocbench::alloc_counter {

struct Snapshot {
  std::uint64_t news = 0;     // successful operator new / new[] calls (all forms)
  std::uint64_t deletes = 0;  // operator delete / delete[] calls with a non-null pointer
};

inline Snapshot operator-(const Snapshot& a, const Snapshot& b) noexcept {
  return {a.news - b.news, a.deletes - b.deletes};
}

namespace detail {
// constinit: the replaced operators touch these directly, with no TLS init wrapper call.
inline constinit thread_local std::uint64_t t_news = 0;
inline constinit thread_local std::uint64_t t_deletes = 0;
}  // namespace detail

// The calling thread's counts since it started.
inline Snapshot snapshot() noexcept {
  return {detail::t_news, detail::t_deletes};
}

// True when allocbench_alloc_counter (the replacement of global new/delete) is linked in.
bool enabled() noexcept;

}  // namespace allocbench::alloc_counter
