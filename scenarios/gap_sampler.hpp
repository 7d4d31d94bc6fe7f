// Latency of operations that happen back to back inside the runtime (one task's start to the
// next's, one resume to the next): the time between consecutive events, recorded as samples.
#pragma once

#include <cstdint>

#include "harness/worker/session.hpp"

namespace allocbench {

class GapSampler {
 public:
  explicit GapSampler(Session& s) : s_(&s) {}
  void enable() noexcept { on_ = true; }
  // Forget the last event (a new round starts: the gap across rounds is not an operation).
  void restart() noexcept { last_ = 0; }
  void event() noexcept {
    if (!on_) return;
    const std::uint64_t now = ticks_now();
    if (last_ != 0) s_->record_ticks(now - last_);
    last_ = ticks_now();  // re-read: recording is not part of the next gap
  }

 private:
  Session* s_;
  std::uint64_t last_ = 0;
  bool on_ = false;
};

}  // namespace allocbench
