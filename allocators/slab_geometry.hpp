// Slot sizing shared by both slabs.
#pragma once

#include <cstddef>
#include <cstdint>
#include <stdexcept>

#include "allocators/allocator.hpp"

namespace allocbench {

// Slots are whole cache lines so that no two frames share a line (no false sharing between a
// frame being written and its neighbour) and every slot is kSlotAlign-aligned; a slot also
// holds the freelist link while free, which any non-empty slot can.
inline std::size_t round_slot_size(std::size_t requested) {
  if (requested > SIZE_MAX - kSlotAlign) throw std::length_error("slab slot size overflows");
  const std::size_t rounded = (requested + kSlotAlign - 1) & ~(kSlotAlign - 1);
  return rounded == 0 ? kSlotAlign : rounded;
}

}  // namespace allocbench
