// Latency of operations that happen back to back inside the runtime (one task's start to the
// next's, one resume to the next): the time between consecutive events, recorded as samples.
#pragma once

#include <cstdint>

#include "scenarios/session.hpp"

namespace allocbench {

class GapSampler {
 public:
  explicit GapSampler(Session& s) : s_(&s) {}
  void enable() noexcept {
    on_ = true;
    batch_ = 0;
  }
  // Batched: one sample per `n` consecutive gaps (one timing pair), recorded per gap.
  void enable_batched(std::size_t n) noexcept {
    on_ = true;
    batch_ = n;
  }
  // Forget the last event (a new round starts: the gap across rounds is not an operation).
  void restart() noexcept {
    last_ = 0;
    gaps_ = 0;
  }
  void event() noexcept {
    if (!on_) return;
    // Batched: the clock is read only at the ends of a batch, so the gaps inside it carry no
    // timer cost at all.
    if (batch_ != 0 && last_ != 0 && ++gaps_ < batch_) return;
    const std::uint64_t now = ticks_now();
    if (last_ != 0) {
      if (batch_ == 0) {
        s_->record_ticks(now - last_);
      } else {
        s_->record_batch_ticks(now - last_, batch_);
      }
    }
    gaps_ = 0;
    last_ = ticks_now();  // re-read: recording is not part of the next gap
  }

 private:
  Session* s_;
  std::uint64_t last_ = 0;
  std::size_t batch_ = 0;  // 0: single gaps
  std::size_t gaps_ = 0;   // gaps in the current batch
  bool on_ = false;
};

}  // namespace allocbench
