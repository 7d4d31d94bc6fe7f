#include "allocators/unbounded_slab.hpp"

#include <bit>
#include <cstring>
#include <new>
#include <stdexcept>

#include "allocators/slab_geometry.hpp"

namespace allocbench {

namespace {
// Above this a single chunk is a configuration mistake, and bit_ceil would overflow first.
constexpr std::size_t kMaxChunkBytes = std::size_t{1} << 40;
}  // namespace

UnboundedSlab::Geometry UnboundedSlab::geometry(const BackendConfig& config) {
  Geometry g{};
  g.slot_size = round_slot_size(config.slot_size);
  g.slots_per_chunk = config.slots_per_chunk;
  if (g.slots_per_chunk == 0) {
    throw std::invalid_argument("UnboundedSlab: slots_per_chunk must be at least 1");
  }
  if (g.slots_per_chunk > kMaxChunkBytes / g.slot_size) {
    throw std::length_error("UnboundedSlab: chunk size overflows");
  }
  g.state_offset = sizeof(Chunk) + g.slots_per_chunk * g.slot_size;
  g.chunk_bytes = g.state_offset + (slab_guard::kChecks ? g.slots_per_chunk : 0);
  g.chunk_align = std::bit_ceil(g.chunk_bytes);
  return g;
}

UnboundedSlab::UnboundedSlab(const BackendConfig& config) {
  const Geometry g = geometry(config);
  slot_size_ = g.slot_size;
  slots_per_chunk_ = g.slots_per_chunk;
  state_offset_ = g.state_offset;
  chunk_bytes_ = g.chunk_bytes;
  chunk_align_ = g.chunk_align;
  chunk_mask_ = ~(static_cast<std::uintptr_t>(chunk_align_) - 1);
  slab_guard::pool_create(this, vg_);
  for (std::size_t i = 0; i < config.reserve_chunks; ++i) {
    if (add_chunk() == nullptr) {
      release_all();  // the destructor does not run for a throwing constructor
      throw std::bad_alloc();
    }
  }
}

UnboundedSlab::~UnboundedSlab() {
  release_all();
}

void UnboundedSlab::release_all() noexcept {
  for (Chunk* c = all_; c != nullptr;) {
    Chunk* next = c->next_all;
    slab_guard::region_released(slots_of(c), slots_per_chunk_ * slot_size_, vg_);
    c->~Chunk();
    ::operator delete (c, chunk_bytes_, std::align_val_t{chunk_align_});
    c = next;
  }
  all_ = avail_ = nullptr;
  chunks_ = 0;
  slab_guard::pool_destroy(this, vg_);
}

UnboundedSlab::Chunk* UnboundedSlab::grow() noexcept {
  return add_chunk();
}

UnboundedSlab::Chunk* UnboundedSlab::add_chunk() noexcept {
  void* raw = ::operator new (chunk_bytes_, std::align_val_t{chunk_align_}, std::nothrow);
  if (raw == nullptr) return nullptr;
  const auto address = reinterpret_cast<std::uintptr_t>(raw);
  try {
    chunk_addresses_.insert(address);
  } catch (...) {  // the set could not grow: give the chunk back and report failure
    ::operator delete (raw, chunk_bytes_, std::align_val_t{chunk_align_});
    return nullptr;
  }
  Chunk* c = new (raw) Chunk;
  // Link the slots in address order and touch every page now, as BoundedSlab does.
  std::byte* slots = slots_of(c);
  for (std::size_t i = 0; i < slots_per_chunk_; ++i) {
    void* next = i + 1 < slots_per_chunk_ ? slots + (i + 1) * slot_size_ : nullptr;
    std::memcpy(slots + i * slot_size_, &next, sizeof next);
  }
  c->free_head = slots;
  slab_guard::slots_carved(slots, slots_per_chunk_ * slot_size_, vg_);
  if constexpr (slab_guard::kChecks) std::memset(state_of(c), kFree, slots_per_chunk_);
  c->next_all = all_;
  all_ = c;
  move_to_front(c);  // a new chunk is not listed yet: this pushes it as the head
  ++chunks_;
  return c;
}

bool UnboundedSlab::owns(const void* p) const noexcept {
  Chunk* c = chunk_of(p);
  if (chunk_addresses_.count(reinterpret_cast<std::uintptr_t>(c)) == 0) return false;
  // Unsigned wrap-around also rejects pointers into the header.
  const std::uintptr_t offset =
      reinterpret_cast<std::uintptr_t>(p) - reinterpret_cast<std::uintptr_t>(slots_of(c));
  return offset < slots_per_chunk_ * slot_size_;
}

Tuning UnboundedSlab::tuning(const BackendConfig& config) {
  const Geometry g = geometry(config);
  Tuning t{
      {"slot_size", std::to_string(g.slot_size)},
      {"slots_per_chunk", std::to_string(g.slots_per_chunk)},
      {"reserve_chunks", std::to_string(config.reserve_chunks)},
      {"chunk_bytes", std::to_string(g.chunk_bytes)},
      {"chunk_align", std::to_string(g.chunk_align)},
  };
  slab_guard::add_hooks(t);
  return t;
}

AllocatorStats UnboundedSlab::stats() const {
  AllocatorStats s;
  s.live_blocks = live_;
  s.bytes_requested = requested_;
  // What the chunks asked operator new for; the alignment slack stays inside the system
  // allocator and is not counted here.
  s.bytes_reserved = chunks_ * chunk_bytes_;
  s.capacity = chunks_ * slots_per_chunk_;
  s.chunks = chunks_;
  s.slot_size = slot_size_;
  s.is_slab = true;
  return s;
}

void UnboundedSlab::check_free(const void* p) noexcept {
  if (!owns(p)) {
    slab_guard::fail("UnboundedSlab::deallocate", p, "pointer does not belong to this slab");
  }
  Chunk* c = chunk_of(p);
  const auto offset = static_cast<std::size_t>(static_cast<const std::byte*>(p) - slots_of(c));
  if (offset % slot_size_ != 0) {
    slab_guard::fail("UnboundedSlab::deallocate", p, "pointer is not the start of a slot");
  }
  std::uint8_t& state = state_of(c)[offset / slot_size_];
  if (state == kFree) {
    slab_guard::fail("UnboundedSlab::deallocate", p, "double free: slot is already free");
  }
  state = kFree;
}

}  // namespace allocbench
