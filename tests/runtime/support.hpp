// Shared fixtures for the runtime conformance suite: counters that tell whether a frame (and
// everything in it) was destroyed exactly once.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <string>
#include <thread>

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

// A test whose failure mode is a hang (a lost wake, a block_on that never returns) arms a
// Deadline: if the scope is still alive after `seconds`, the process aborts with the test's
// name, so ctest reports a failure in seconds instead of timing out.
class Deadline {
 public:
  Deadline(const char* what, int seconds) : what_(what) {
    watchdog_ = std::thread([this, seconds] {
      std::unique_lock lock(m_);
      if (!cv_.wait_for(lock, std::chrono::seconds(seconds), [this] { return done_; })) {
        std::fprintf(stderr, "deadline: %s still running after %d s (hang)\n", what_, seconds);
        std::abort();
      }
    });
  }
  ~Deadline() {
    {
      std::lock_guard lock(m_);
      done_ = true;
    }
    cv_.notify_one();
    watchdog_.join();
  }
  Deadline(const Deadline&) = delete;
  Deadline& operator=(const Deadline&) = delete;

 private:
  const char* what_;
  std::mutex m_;
  std::condition_variable cv_;
  bool done_ = false;
  std::thread watchdog_;
};

}  // namespace allocbench::test
