// Task shapes whose frame size is set by their locals, so a scenario can sweep frame sizes.
// The locals live across a suspension point, which forces them into the frame whatever the
// compiler's frame layout; the frame size that results is measured, never assumed.
#pragma once

#include <array>
#include <coroutine>
#include <cstddef>
#include <cstdint>
#include <stdexcept>

#include "allocators/allocator.hpp"
#include "runtime/runtime.hpp"
#include "scenarios/session.hpp"

namespace allocbench {

// Payload bytes of locals for each frame class. "small" is the smallest task block the runtime
// allows (a 48-byte header and a 56-byte frame with g++ 12), not 64: see frame_size_bytes. Frame
// sizes here are whole blocks: task header + coroutine frame, what the backend is asked for.
template <std::size_t Payload>
Task<void> padded_task(std::uint64_t* sink) {
  if constexpr (Payload == 0) {
    ++*sink;
    co_return;
  } else {
    std::array<std::uint8_t, Payload> pad;
    pad[0] = static_cast<std::uint8_t>(*sink);
    pad[Payload - 1] = 1;
    co_await std::suspend_never{};
    *sink += pad[0] + pad[Payload - 1];
  }
}

using TaskFactoryFn = Task<void> (*)(std::uint64_t*);

// The block (task header + frame) a task shape allocates, measured by creating one on the Box
// path through an opaque pointer: clang 14 elides the frame of a coroutine created and destroyed
// in one function once it can inline the call (HALO), and then nothing is allocated to measure
// (slots sized from it came out 64 bytes, and every spawn threw FrameTooLarge).
template <class R, class... A, class... V>
std::size_t measured_block(R (*fn)(A...), V... args) {
  R (*volatile opaque)(A...) = fn;
  detail::tls_last_block_size = 0;
  { R t = opaque(args...); }
  if (detail::tls_last_block_size == 0) {
    throw std::logic_error("a task shape allocated no block to measure");
  }
  return detail::tls_last_block_size;
}

// Returns the task shape whose frame is closest to `target` bytes without going below the
// smallest possible frame.
TaskFactoryFn task_for_frame(std::int64_t target);
// The frame class (64, 256, 1024 or 4096) of the shape task_for_frame(target) returns: what a
// result is labelled with, whatever target was asked for.
std::int64_t frame_class(std::int64_t target);
// The frame size a shape really has (created once on the Box path and measured).
std::size_t measure_frame(TaskFactoryFn fn);
// A backend configuration whose slots fit a task block of `frame` bytes.
BackendConfig config_for_frame(std::size_t frame, std::size_t capacity);

// One task shape and a runtime whose slots fit it: what the churn, burst and claim scenarios
// share. spawn() puts one detached task in the backend; churn() also runs it to completion.
class FrameRig {
 public:
  FrameRig(std::int64_t target_frame, std::size_t capacity)
      : fn_(task_for_frame(target_frame)),
        class_(allocbench::frame_class(target_frame)),
        frame_(measure_frame(fn_)),
        rt_(config_for_frame(frame_, capacity)) {}

  std::size_t frame() const noexcept { return frame_; }
  std::int64_t frame_class() const noexcept { return class_; }
  // Records the measured frame and labels the result with the class that ran.
  void describe(Session& s) const {
    s.set_frame_size(frame_);
    s.relabel_param("frame", class_);
  }
  Runtime& rt() noexcept { return rt_; }
  Task<void> make() { return fn_(&sink_); }
  void spawn() {
    rt_.spawn_slab([this] { return fn_(&sink_); }).detach();
  }
  void churn() {
    spawn();
    rt_.run_until_idle();
  }

 private:
  TaskFactoryFn fn_;
  std::int64_t class_;
  std::size_t frame_;
  Runtime rt_;
  std::uint64_t sink_ = 0;  // the tasks' side effect, so their bodies cannot be dropped
};

}  // namespace allocbench
