#include "allocators/bounded_slab.hpp"

#include <cstring>
#include <new>
#include <stdexcept>

#include "allocators/slab_geometry.hpp"

namespace allocbench {

BoundedSlab::BoundedSlab(const BackendConfig& config)
    : slot_size_(round_slot_size(config.slot_size)), capacity_(config.capacity) {
  if (capacity_ == 0) throw std::invalid_argument("BoundedSlab: capacity must be at least 1");
  if (capacity_ > SIZE_MAX / slot_size_) throw std::length_error("BoundedSlab: size overflows");
  bytes_ = capacity_ * slot_size_;
  base_ = static_cast<std::byte*>(::operator new (bytes_, std::align_val_t{kSlotAlign}));
  // Link every slot now, in address order: the first allocations walk memory forwards (friendly
  // to the prefetcher) and every page is touched here rather than inside a timed region.
  for (std::size_t i = 0; i < capacity_; ++i) {
    void* next = i + 1 < capacity_ ? base_ + (i + 1) * slot_size_ : nullptr;
    std::memcpy(base_ + i * slot_size_, &next, sizeof next);
  }
  free_ = base_;
  slab_guard::pool_create(base_, vg_);
  slab_guard::slots_carved(base_, bytes_, vg_);
  if constexpr (slab_guard::kChecks) state_ = std::make_unique<std::uint8_t[]>(capacity_);
}

BoundedSlab::~BoundedSlab() {
  slab_guard::pool_destroy(base_, vg_);
  slab_guard::region_released(base_, bytes_, vg_);
  ::operator delete (base_, bytes_, std::align_val_t{kSlotAlign});
}

Tuning BoundedSlab::tuning(const BackendConfig& config) {
  Tuning t{
      {"slot_size", std::to_string(round_slot_size(config.slot_size))},
      {"capacity", std::to_string(config.capacity)},
  };
  slab_guard::add_hooks(t);
  return t;
}

AllocatorStats BoundedSlab::stats() const {
  AllocatorStats s;
  s.live_blocks = live_;
  s.bytes_requested = requested_;
  s.bytes_reserved = bytes_;  // the one region: everything this slab ever holds
  s.capacity = capacity_;
  s.chunks = 1;
  s.slot_size = slot_size_;
  s.is_slab = true;
  return s;
}

void BoundedSlab::check_free(const void* p) noexcept {
  if (!owns(p))
    slab_guard::fail("BoundedSlab::deallocate", p, "pointer does not belong to this slab");
  const auto offset = static_cast<std::size_t>(static_cast<const std::byte*>(p) - base_);
  if (offset % slot_size_ != 0) {
    slab_guard::fail("BoundedSlab::deallocate", p, "pointer is not the start of a slot");
  }
  if (state_[offset / slot_size_] == kFree) {
    slab_guard::fail("BoundedSlab::deallocate", p, "double free: slot is already free");
  }
  state_[offset / slot_size_] = kFree;
}

}  // namespace allocbench
