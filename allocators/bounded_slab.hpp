// BoundedSlab: a fixed number of fixed-size, 64-byte-aligned slots carved from one allocation
// made in the constructor. allocate/free are O(1) pops/pushes on an intrusive LIFO freelist; a
// full slab returns nullptr (a normal state the caller handles, e.g. spawn_slab fails).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "allocators/allocator.hpp"
#include "allocators/slab_guard.hpp"
#include "allocators/tuning_env.hpp"

namespace allocbench {

class BoundedSlab {
 public:
  static constexpr bool kIsSlab = true;
  static constexpr bool kHasCapacity = true;
  static constexpr bool kReclaimsFrees = true;
  static constexpr bool kReplacesMalloc = false;

  // slot_size is rounded up to kSlotAlign; capacity slots are allocated now and never again.
  // Throws std::invalid_argument for capacity 0, std::length_error on size overflow.
  explicit BoundedSlab(const BackendConfig& config);
  ~BoundedSlab();
  // Slots point into this object's region and valgrind knows it by address: pin it.
  BoundedSlab(const BoundedSlab&) = delete;
  BoundedSlab& operator=(const BoundedSlab&) = delete;

  static std::string_view name() noexcept { return "bounded"; }
  static std::string library() { return "allocbench"; }
  // What stats().bytes_reserved means for this backend (the report and the memory chart say it).
  static std::string reserved_meaning() {
    return "the slab's slots: capacity x slot size, allocated once when the runtime starts, "
           "whatever is in use";
  }
  static std::string version() { return "allocbench"; }
  // The slab's geometry for `config`, plus which reliability hooks this build compiled in.
  static Tuning tuning(const BackendConfig& config = {});

  // nullptr when n exceeds the slot or every slot is taken. Most recently freed slot first:
  // it is the one most likely still in cache.
  void* allocate(std::size_t n) noexcept {
    if (n > slot_size_ || free_ == nullptr) [[unlikely]]
      return nullptr;
    void* slot = free_;
    free_ = slab_guard::read_link(slot, vg_);
    slab_guard::hand_out(base_, slot, n, vg_);
#if ALLOCBENCH_SLAB_CHECKS
    state_[index_of(slot)] = kUsed;
#endif
    ++live_;
    requested_ += n;
    return slot;
  }

  // p came from allocate(n) on this slab. Debug/sanitizer builds abort with a message naming p
  // on a foreign, misaligned or already free pointer.
  void deallocate(void* p, std::size_t n) noexcept {
#if ALLOCBENCH_SLAB_CHECKS
    check_free(p);
#endif
    slab_guard::take_back(base_, p, slot_size_, vg_);
    slab_guard::write_link(p, free_, vg_);
    free_ = p;
    --live_;
    requested_ -= n;
  }

  // One unsigned compare: p - base wraps around for p below the region.
  bool owns(const void* p) const noexcept {
    return reinterpret_cast<std::uintptr_t>(p) - reinterpret_cast<std::uintptr_t>(base_) < bytes_;
  }
  bool full() const noexcept {
    return free_ == nullptr;
  }
  std::size_t free_slots() const noexcept {
    return capacity_ - live_;
  }
  std::size_t max_block() const noexcept {
    return slot_size_;
  }
  std::size_t claim_size() const noexcept {
    return slot_size_;
  }
  std::size_t slot_size() const noexcept {
    return slot_size_;
  }
  std::size_t capacity() const noexcept {
    return capacity_;
  }
  AllocatorStats stats() const;

 private:
  static constexpr std::uint8_t kFree = 0;
  static constexpr std::uint8_t kUsed = 1;

  std::size_t index_of(const void* p) const noexcept {
    return static_cast<std::size_t>(static_cast<const std::byte*>(p) - base_) / slot_size_;
  }
  // Checks p is a live slot of this slab and marks it free. Out of line: debug only, never hot.
  void check_free(const void* p) noexcept;

  std::byte* base_ = nullptr;  // the one region, kSlotAlign-aligned
  void* free_ = nullptr;       // freelist head; the link to the next free slot is in the slot
  // Valgrind annotations active: read once, then a predictable branch (see slab_guard.hpp).
  bool vg_ = slab_guard::running_under_valgrind();
  // Plain counters: a slab belongs to one owner thread. live_ and requested_ are kept apart on
  // purpose: side by side, gcc 12 and clang 14 fuse their updates into one 16-byte load/store,
  // which cannot be store-forwarded from the two 8-byte stores the other path makes; that
  // stall measured 5 to 8 ns per allocate+free pair against about 1 ns without it.
  std::size_t live_ = 0;
  std::size_t slot_size_;
  std::size_t requested_ = 0;
  std::size_t capacity_;
  std::size_t bytes_ = 0;  // capacity_ * slot_size_
  // Per-slot free/used byte, allocated only when ALLOCBENCH_SLAB_CHECKS; the member is always
  // there so the class layout does not depend on the build flags.
  std::unique_ptr<std::uint8_t[]> state_;
};

static_assert(TaskAllocator<BoundedSlab>);

}  // namespace allocbench
