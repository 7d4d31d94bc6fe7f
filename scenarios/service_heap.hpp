// A lived-in heap: the other objects a real service keeps in its process while tasks come and
// go, allocated through the process's malloc (glibc for system / bounded / unbounded, the
// library itself for jemalloc / mimalloc / tcmalloc). The idea follows tcmalloc's empirical test
// driver (a steady-state heap drawn from size and lifetime distributions); the model and its
// numbers are our own and deliberately small:
//   - sizes: small objects dominate by count, with a long tail to 64 KiB that holds most of the
//     bytes (kSizeClasses: log-uniform within each class);
//   - lifetimes: kLongLivedShare of the live bytes is allocated at build and never freed
//     (caches, tables); the rest churns, each step freeing a uniformly chosen object, so
//     lifetimes are memoryless (exponential in steps), and allocating replacements until the
//     live size is back at its target; every step also replaces one of kTransients
//     request-scoped temporaries (small, each living kTransients steps).
// Build() interleaves long-lived and churning objects and then churns once per churning object,
// so the run starts from a fragmented steady state rather than a freshly packed one. The
// sequence of sizes and victims depends only on the seed: every backend gets the same work.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "scenarios/arrivals.hpp"

namespace allocbench {

struct ServiceHeapStats {
  std::size_t target_bytes = 0;  // live size asked for
  std::size_t live_bytes = 0;    // requested bytes of every live object
  std::size_t live_objects = 0;
  std::size_t long_lived_bytes = 0;  // never freed before the end
  std::size_t long_lived_objects = 0;
  std::size_t transient_bytes = 0;  // the ring of request-scoped temporaries
  std::size_t small_objects = 0;    // live objects of at most 256 bytes
  std::size_t largest_object = 0;
  std::uint64_t steps = 0;    // churn steps since build (warm-up excluded)
  std::uint64_t mallocs = 0;  // every malloc / free since construction
  std::uint64_t frees = 0;
};

class ServiceHeap {
 public:
  static constexpr double kLongLivedShare = 0.3;
  static constexpr std::size_t kTransients = 64;
  static constexpr std::size_t kTransientMax = 1024;
  static constexpr std::size_t kLargest = 64 * 1024;

  // Builds a heap of at least live_bytes (steady state: see above). live_bytes >= 1 MiB.
  ServiceHeap(std::size_t live_bytes, std::uint64_t seed);
  ~ServiceHeap();
  ServiceHeap(const ServiceHeap&) = delete;
  ServiceHeap& operator=(const ServiceHeap&) = delete;

  // One churn step: free a random churning object, allocate until the live size is back at its
  // target (one object mostly), and replace the oldest temporary. Reads the victim first, as a
  // service uses an object before letting it go.
  void step();
  ServiceHeapStats stats() const noexcept;

  // A size drawn from the model's distribution (uniform 64-bit random input); below max only.
  static std::size_t draw_size(SplitMix64& rng, std::size_t max = kLargest) noexcept;

 private:
  struct Object {
    unsigned char* p;
    std::size_t size;
  };
  Object make(std::size_t size);
  void drop(const Object& o) noexcept;
  void refill();

  SplitMix64 rng_;
  std::size_t target_;
  std::size_t churn_target_;
  std::size_t churn_bytes_ = 0;
  std::size_t long_bytes_ = 0;
  std::size_t transient_bytes_ = 0;
  std::vector<Object> long_lived_;
  std::vector<Object> churning_;
  std::array<Object, kTransients> transients_{};
  std::size_t next_transient_ = 0;
  std::uint64_t steps_ = 0;
  std::uint64_t mallocs_ = 0;
  std::uint64_t frees_ = 0;
  std::uint64_t sink_ = 0;  // what the reads of victims add up to, so they are not dropped
};

// What the process's malloc holds from the system (glibc mallinfo2 arena + mmapped,
// jemalloc stats.mapped, mimalloc committed, tcmalloc heap size): includes task frames on the
// malloc backends. Empty, with why in *why, when the allocator cannot say (under a sanitizer).
std::optional<std::size_t> process_malloc_reserved(std::string* why);

}  // namespace allocbench
