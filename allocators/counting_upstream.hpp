// CountingUpstream: a std::pmr::memory_resource in front of new_delete_resource() that counts
// the bytes handed to its user and not yet returned. The pmr backends use it as their upstream,
// so "reserved" is exactly what the pool holds from the system (the standard resources keep no
// such figure themselves).
#pragma once

#include <cstddef>
#include <memory_resource>

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

}  // namespace allocbench
