// BoostPoolAllocator: Boost.Pool's boost::pool<>, one pool per block size (frames rounded up to
// 16 bytes), allocated with malloc() and freed with free() (the unordered, O(1) pair; the
// ordered_ variants keep the free list sorted for array allocation, which frames never need).
// Each pool grows by doubling its next block of chunks, starting from slots_per_chunk. Blocks
// above 64 KiB, a size no pool is made for, go to global new. Owned by one runtime and used from
// its owner thread only, like the slabs; every pool is released when the runtime goes.
#pragma once

#include <boost/pool/pool.hpp>
#include <boost/version.hpp>

#include <cstddef>
#include <cstring>
#include <memory>
#include <new>
#include <string>
#include <string_view>
#include <vector>

#include "allocators/malloc_backend.hpp"
#include "allocators/tuning_env.hpp"

namespace allocbench {

namespace detail {
// Boost.Pool's UserAllocator, counting what the pools on this thread hold from the system:
// boost::pool keeps no such figure. Its free() gets no size, so each block carries its size in a
// 16-byte prefix (which keeps the chunks after it 16-byte aligned). Per thread because a pool
// belongs to one runtime, and a runtime to one thread.
struct CountingPoolSource {
  using size_type = std::size_t;
  using difference_type = std::ptrdiff_t;
  static constexpr std::size_t kPrefix = 16;
  static inline thread_local std::size_t held = 0;
  static char* malloc(size_type bytes) {
    char* p = new (std::nothrow) char[bytes + kPrefix];
    if (p == nullptr) return nullptr;
    std::memcpy(p, &bytes, sizeof bytes);
    held += bytes + kPrefix;
    return p + kPrefix;
  }
  static void free(char* block) {
    char* p = block - kPrefix;
    size_type bytes;
    std::memcpy(&bytes, p, sizeof bytes);
    held -= bytes + kPrefix;
    delete[] p;
  }
};
}  // namespace detail

class BoostPoolAllocator : public MallocBackend<BoostPoolAllocator> {
 public:
  static constexpr bool kReplacesMalloc = false;
  static constexpr std::size_t kSizeClass = 16;            // frames are 16-byte aligned
  static constexpr std::size_t kLargestPooled = 64 << 10;  // above: global new

  explicit BoostPoolAllocator(const BackendConfig& config)
      : MallocBackend(config), first_chunks_(config.slots_per_chunk) {}
  BoostPoolAllocator(const BoostPoolAllocator&) = delete;
  BoostPoolAllocator& operator=(const BoostPoolAllocator&) = delete;

  static std::string_view name() noexcept { return "boost_pool"; }
  static std::string library() { return "Boost.Pool boost::pool<>"; }
  // What stats().bytes_reserved means for this backend (the report and the memory chart say it).
  static std::string reserved_meaning() {
    return "the bytes the Boost pools on the worker's thread hold (counted by its UserAllocator), "
           "released only when the runtime ends";
  }
  static std::string version() { return BOOST_LIB_VERSION; }
  static Tuning tuning(const BackendConfig& config = {}) {
    return {{"size_class_bytes", std::to_string(kSizeClass)},
            {"first_chunks_per_pool", std::to_string(config.slots_per_chunk)},
            {"growth", "doubling, no maximum (boost::pool max_size 0)"},
            {"largest_pooled_bytes", std::to_string(kLargestPooled)},
            {"calls", "malloc()/free() (unordered)"}};
  }

  void* raw_allocate(std::size_t n) noexcept {
    const std::size_t cls = (n + kSizeClass - 1) / kSizeClass;
    if (cls * kSizeClass > kLargestPooled) [[unlikely]]
      return ::operator new(n, std::nothrow);
    Pool* pool = cls < pools_.size() ? pools_[cls].get() : nullptr;
    if (pool == nullptr) [[unlikely]]
      pool = make_pool(cls);
    return pool != nullptr ? pool->malloc() : nullptr;
  }
  void raw_deallocate(void* p, std::size_t n) noexcept {
    const std::size_t cls = (n + kSizeClass - 1) / kSizeClass;
    if (cls * kSizeClass > kLargestPooled) [[unlikely]] {
      ::operator delete(p, n);
      return;
    }
    pools_[cls]->free(p);
  }
  // The pools on this thread (blocks above kLargestPooled come from global new, uncounted).
  static std::size_t reserved_bytes() noexcept { return detail::CountingPoolSource::held; }

 private:
  using Pool = boost::pool<detail::CountingPoolSource>;

  Pool* make_pool(std::size_t cls) noexcept {
    try {
      if (pools_.size() <= cls) pools_.resize(cls + 1);
      pools_[cls] = std::make_unique<Pool>(cls * kSizeClass, first_chunks_);
      return pools_[cls].get();
    } catch (const std::bad_alloc&) {
      return nullptr;
    }
  }

  std::size_t first_chunks_;
  std::vector<std::unique_ptr<Pool>> pools_;  // by size class; null until first used
};

static_assert(TaskAllocator<BoostPoolAllocator>);

}  // namespace allocbench
