// What the std::pmr backends (pmr_pool, pmr_monotonic) share. CountingUpstream: a
// std::pmr::memory_resource in front of new_delete_resource() that counts the bytes handed to
// its user and not yet returned; the backends use it as their upstream, so "reserved" is exactly
// what the resource holds from the system (the standard resources keep no such figure).
#pragma once

#include <cstddef>
#include <memory_resource>
#include <new>
#include <string>

namespace allocbench {

class CountingUpstream : public std::pmr::memory_resource {
 public:
  std::size_t held() const noexcept { return held_; }

 private:
  void* do_allocate(std::size_t bytes, std::size_t align) override {
    void* p = std::pmr::new_delete_resource()->allocate(bytes, align);
    held_ += bytes;
    return p;
  }
  void do_deallocate(void* p, std::size_t bytes, std::size_t align) override {
    std::pmr::new_delete_resource()->deallocate(p, bytes, align);
    held_ -= bytes;
  }
  bool do_is_equal(const std::pmr::memory_resource& other) const noexcept override {
    return this == &other;
  }

  std::size_t held_ = 0;
};

// A frame from a pmr resource, or nullptr when it throws (the TaskAllocator contract).
inline void* pmr_allocate_or_null(std::pmr::memory_resource& r, std::size_t n,
                                  std::size_t align) noexcept {
  try {
    return r.allocate(n, align);
  } catch (const std::bad_alloc&) {
    return nullptr;
  }
}

// The standard library the pmr resources come from.
inline std::string libstdcxx_version() {
  return "libstdc++ " + std::to_string(_GLIBCXX_RELEASE) + " (" + std::to_string(__GLIBCXX__) + ")";
}

}  // namespace allocbench
