#include "scenarios/frames.hpp"

#include <cstdlib>

namespace allocbench {

TaskFactoryFn task_for_frame(std::int64_t target) {
  // Payloads chosen so the blocks land near 64 (really the minimum, 104), 256 and 1024 bytes
  // with g++ 12 and clang 14 (288 and 1,056 with g++ 12, as with the 144-byte header before the
  // 48-byte one: the classes compare across that change); the exact size is reported.
  if (target <= 64) return &padded_task<0>;
  if (target <= 256) return &padded_task<184>;
  if (target <= 1024) return &padded_task<952>;
  return &padded_task<4024>;
}

std::int64_t frame_class(std::int64_t target) {
  if (target <= 64) return 64;
  if (target <= 256) return 256;
  if (target <= 1024) return 1024;
  return 4096;
}

std::size_t measure_frame(TaskFactoryFn fn) {
  std::uint64_t sink = 0;
  return measured_block(fn, &sink);
}

BackendConfig config_for_frame(std::size_t frame, std::size_t capacity) {
  BackendConfig c;
  c.slot_size = (frame + kSlotAlign - 1) / kSlotAlign * kSlotAlign;
  c.capacity = capacity;
  c.slots_per_chunk = 256;
  return c;
}

}  // namespace allocbench
