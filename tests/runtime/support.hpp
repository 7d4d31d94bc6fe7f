// Shared fixtures for the runtime conformance suite: counters that tell whether a frame (and
// everything in it) was destroyed exactly once.
#pragma once

#include <gtest/gtest.h>

#include <string>

#include "runtime/runtime.hpp"

namespace allocbench::test {

// Counts constructions and destructions; a frame holding one (as a parameter or a local) shows
// when that frame is destroyed.
struct Counts {
  int made = 0;
  int destroyed = 0;
  int alive() const { return made - destroyed; }
};

class Tracker {
 public:
  explicit Tracker(Counts& c) : c_(&c) { ++c_->made; }
  Tracker(const Tracker& o) : c_(o.c_) { ++c_->made; }
  Tracker(Tracker&& o) noexcept : c_(o.c_) { ++c_->made; }
  Tracker& operator=(const Tracker&) = delete;
  ~Tracker() { ++c_->destroyed; }

 private:
  Counts* c_;
};

inline std::string backend_name() {
  return std::string(TaskBackend::name());
}

inline BackendConfig small_config(std::size_t capacity = 64) {
  BackendConfig c;
  c.slot_size = 256;
  c.capacity = capacity;
  c.slots_per_chunk = 8;
  return c;
}

}  // namespace allocbench::test
