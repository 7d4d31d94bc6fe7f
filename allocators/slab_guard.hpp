// Reliability hooks shared by the two slabs: AddressSanitizer poisoning, valgrind memcheck
// mempool annotations, debug invariant checks, and access to the freelist link that a free slot
// stores in its first bytes. Every hook compiles to nothing when its tool is off, so the slabs'
// hot paths call them unconditionally.
#pragma once

#include <cstdlib>

#include <cstddef>
#include <cstring>
#include <string>
#include <utility>
#include <vector>

// --- which tools are on --------------------------------------------------------------------
// CMake defines ALLOCBENCH_ASAN for -DALLOCBENCH_SANITIZE=address; the compiler macros catch
// ASan builds made any other way (gcc: __SANITIZE_ADDRESS__, clang: __has_feature).
#if defined(ALLOCBENCH_ASAN) || defined(__SANITIZE_ADDRESS__)
#define ALLOCBENCH_SLAB_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define ALLOCBENCH_SLAB_ASAN 1
#endif
#endif
#ifndef ALLOCBENCH_SLAB_ASAN
#define ALLOCBENCH_SLAB_ASAN 0
#endif

// Valgrind client requests cost a few register moves outside valgrind, and even behind the
// run-time gate below a branch per allocate and free: release builds compile them out
// (allocators/CMakeLists.txt: ALLOCBENCH_VALGRIND_ANNOTATE; the `memcheck` preset has them).
#ifndef ALLOCBENCH_VALGRIND_ANNOTATE
#define ALLOCBENCH_VALGRIND_ANNOTATE 1
#endif
#if ALLOCBENCH_VALGRIND_ANNOTATE && __has_include(<valgrind/memcheck.h>)
#define ALLOCBENCH_SLAB_VALGRIND 1
#else
#define ALLOCBENCH_SLAB_VALGRIND 0
#endif

// Invariant checks (owner, slot alignment, double free) run in debug builds and in sanitizer
// builds (which are for finding bugs, not for timing); release builds keep the hot path bare.
#ifndef ALLOCBENCH_SLAB_CHECKS
#if !defined(NDEBUG) || ALLOCBENCH_SLAB_ASAN || defined(ALLOCBENCH_TSAN)
#define ALLOCBENCH_SLAB_CHECKS 1
#else
#define ALLOCBENCH_SLAB_CHECKS 0
#endif
#endif

#if ALLOCBENCH_SLAB_ASAN
#include <sanitizer/asan_interface.h>
#endif
#if ALLOCBENCH_SLAB_VALGRIND
#include <valgrind/memcheck.h>
#endif

namespace allocbench::slab_guard {

inline constexpr bool kAsan = ALLOCBENCH_SLAB_ASAN;
inline constexpr bool kValgrind = ALLOCBENCH_SLAB_VALGRIND;
inline constexpr bool kChecks = ALLOCBENCH_SLAB_CHECKS;

// Prints "allocbench: <where>(<p>): <what>" to stderr and aborts. Out of line and cold: it only
// runs when an invariant is already broken.
[[noreturn]] void fail(const char* where, const void* p, const char* what) noexcept;

// Valgrind annotations are gated twice: at compile time by ALLOCBENCH_VALGRIND_ANNOTATE, and at
// run time by `vg`, which each slab reads once from running_under_valgrind() at construction.
// Why the run-time gate: a client request is an asm block with a memory clobber, and the six
// per allocate+free pair measured 1.2 -> 7.6 ns per pair outside valgrind; behind a
// predictable branch they cost next to nothing there, yet need no special build under valgrind.
// ALLOCBENCH_NO_POOL_ANNOTATIONS=1 turns them off under valgrind too: the worker sets it for
// callgrind runs, whose instruction counts must be those of the slab itself, not of the
// client requests meant for memcheck.
inline bool running_under_valgrind() noexcept {
#if ALLOCBENCH_SLAB_VALGRIND
  return RUNNING_ON_VALGRIND != 0 && std::getenv("ALLOCBENCH_NO_POOL_ANNOTATIONS") == nullptr;
#else
  return false;
#endif
}

// Appends which reliability hooks this build compiled in, and whether they are active, to a
// slab's tuning list (shared by both slabs).
void add_hooks(std::vector<std::pair<std::string, std::string>>& tuning);

// A slab is one memcheck memory pool; `pool` is any address unique to the slab.
inline void pool_create([[maybe_unused]] const void* pool, [[maybe_unused]] bool vg) noexcept {
#if ALLOCBENCH_SLAB_VALGRIND
  if (vg) VALGRIND_CREATE_MEMPOOL(pool, 0, 0);
#endif
}

inline void pool_destroy([[maybe_unused]] const void* pool, [[maybe_unused]] bool vg) noexcept {
#if ALLOCBENCH_SLAB_VALGRIND
  if (vg) VALGRIND_DESTROY_MEMPOOL(pool);
#endif
}

// Freshly carved free slots (links already written): nothing may touch them until handed out.
inline void slots_carved([[maybe_unused]] void* p, [[maybe_unused]] std::size_t bytes,
                         [[maybe_unused]] bool vg) noexcept {
#if ALLOCBENCH_SLAB_ASAN
  ASAN_POISON_MEMORY_REGION(p, bytes);
#endif
#if ALLOCBENCH_SLAB_VALGRIND
  if (vg) (void)VALGRIND_MAKE_MEM_NOACCESS(p, bytes);
#endif
}

// Before slot memory goes back to operator delete: the system allocator owns it again.
inline void region_released([[maybe_unused]] void* p, [[maybe_unused]] std::size_t bytes,
                            [[maybe_unused]] bool vg) noexcept {
#if ALLOCBENCH_SLAB_ASAN
  ASAN_UNPOISON_MEMORY_REGION(p, bytes);
#endif
#if ALLOCBENCH_SLAB_VALGRIND
  if (vg) (void)VALGRIND_MAKE_MEM_UNDEFINED(p, bytes);
#endif
}

// The freelist link lives in the first word of a free slot, which is poisoned / no-access
// everywhere else; open it just for this read or write. memcpy, not a cast, because no object
// of pointer type lives there (it compiles to one move).
inline void* read_link(const void* slot, [[maybe_unused]] bool vg) noexcept {
#if ALLOCBENCH_SLAB_ASAN
  ASAN_UNPOISON_MEMORY_REGION(slot, sizeof(void*));
#endif
#if ALLOCBENCH_SLAB_VALGRIND
  if (vg) [[unlikely]]
    (void)VALGRIND_MAKE_MEM_DEFINED(slot, sizeof(void*));
#endif
  void* next;
  std::memcpy(&next, slot, sizeof next);
#if ALLOCBENCH_SLAB_ASAN
  ASAN_POISON_MEMORY_REGION(slot, sizeof(void*));
#endif
#if ALLOCBENCH_SLAB_VALGRIND
  if (vg) [[unlikely]]
    (void)VALGRIND_MAKE_MEM_NOACCESS(slot, sizeof(void*));
#endif
  return next;
}

inline void write_link(void* slot, void* next, [[maybe_unused]] bool vg) noexcept {
#if ALLOCBENCH_SLAB_ASAN
  ASAN_UNPOISON_MEMORY_REGION(slot, sizeof(void*));
#endif
#if ALLOCBENCH_SLAB_VALGRIND
  if (vg) [[unlikely]]
    (void)VALGRIND_MAKE_MEM_UNDEFINED(slot, sizeof(void*));
#endif
  std::memcpy(slot, &next, sizeof next);
#if ALLOCBENCH_SLAB_ASAN
  ASAN_POISON_MEMORY_REGION(slot, sizeof(void*));
#endif
#if ALLOCBENCH_SLAB_VALGRIND
  if (vg) [[unlikely]]
    (void)VALGRIND_MAKE_MEM_NOACCESS(slot, sizeof(void*));
#endif
}

// A free slot becomes a live block of n bytes. Only those n bytes open up, so an overflow past
// the requested size but still inside the slot is caught too.
inline void hand_out([[maybe_unused]] const void* pool, [[maybe_unused]] void* slot,
                     [[maybe_unused]] std::size_t n, [[maybe_unused]] bool vg) noexcept {
#if ALLOCBENCH_SLAB_ASAN
  ASAN_UNPOISON_MEMORY_REGION(slot, n);
#endif
#if ALLOCBENCH_SLAB_VALGRIND
  if (vg) [[unlikely]]
    VALGRIND_MEMPOOL_ALLOC(pool, slot, n);
#endif
}

// A live block becomes a free slot again: any later use of it is reported.
inline void take_back([[maybe_unused]] const void* pool, [[maybe_unused]] void* slot,
                      [[maybe_unused]] std::size_t slot_size, [[maybe_unused]] bool vg) noexcept {
#if ALLOCBENCH_SLAB_ASAN
  ASAN_POISON_MEMORY_REGION(slot, slot_size);
#endif
#if ALLOCBENCH_SLAB_VALGRIND
  if (vg) [[unlikely]]
    VALGRIND_MEMPOOL_FREE(pool, slot);
#endif
}

}  // namespace allocbench::slab_guard
