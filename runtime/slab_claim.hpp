// SlabClaim: a block reserved in the runtime's backend before the task that will use it exists
// (claim now, spawn later). spawn() takes a factory, not a task: a task argument would be
// evaluated, and its frame allocated elsewhere, before spawn could place it. An unused claim
// returns its block when destroyed.
#pragma once

#include <cstddef>
#include <utility>

namespace allocbench {

class Runtime;

class [[nodiscard]] SlabClaim {
 public:
  SlabClaim(SlabClaim&& o) noexcept : rt_(o.rt_), slot_(std::exchange(o.slot_, nullptr)) {}
  SlabClaim& operator=(SlabClaim&& o) noexcept {
    if (this != &o) {
      release();
      rt_ = o.rt_;
      slot_ = std::exchange(o.slot_, nullptr);
    }
    return *this;
  }
  SlabClaim(const SlabClaim&) = delete;
  SlabClaim& operator=(const SlabClaim&) = delete;
  ~SlabClaim() { release(); }

  // Places the frame the factory creates in the claimed block and spawns it; the claim is used
  // up. FrameTooLarge (the claim stays valid) if the frame does not fit.
  template <class F>
  auto spawn(F&& factory);

  bool valid() const noexcept { return slot_ != nullptr; }
  void* address() const noexcept { return slot_; }
  std::size_t size() const noexcept;

 private:
  friend class Runtime;
  SlabClaim(Runtime* rt, void* slot) noexcept : rt_(rt), slot_(slot) {}
  void release() noexcept;

  Runtime* rt_;
  void* slot_;
};

}  // namespace allocbench
