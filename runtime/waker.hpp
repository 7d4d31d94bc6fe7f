// Waker: resumes a parked task later, from any thread. Move-only and one-shot: wake() consumes
// it; dropping it unwoken leaves the task parked. From another thread, wake() pushes the task
// onto its runtime's intrusive MPSC queue and writes the runtime's eventfd only if the owner is
// parked; the owner thread alone resumes and frees frames. A task's frame outlives every Waker
// that refers to it, so a late wake after cancel is harmless. Wakers must not outlive their
// Runtime (its destructor waits a bounded time for them, then aborts with a message).
#pragma once

#include <cstdint>
#include <utility>

#include "runtime/task_header.hpp"

namespace allocbench {

class Waker {
 public:
  Waker() noexcept = default;
  Waker(Waker&& o) noexcept : t_(std::exchange(o.t_, nullptr)), gen_(o.gen_) {}
  Waker& operator=(Waker&& o) noexcept {
    if (this != &o) {
      reset();
      t_ = std::exchange(o.t_, nullptr);
      gen_ = o.gen_;
    }
    return *this;
  }
  Waker(const Waker&) = delete;
  Waker& operator=(const Waker&) = delete;
  ~Waker() { reset(); }

  bool valid() const noexcept { return t_ != nullptr; }
  void wake() &&;

 private:
  friend class Runtime;
  Waker(detail::TaskHeader* t, std::uint32_t gen) noexcept : t_(t), gen_(gen) {}
  void reset() noexcept;

  detail::TaskHeader* t_ = nullptr;
  std::uint32_t gen_ = 0;
};

}  // namespace allocbench
