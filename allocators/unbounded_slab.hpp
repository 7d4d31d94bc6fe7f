// UnboundedSlab: fixed-size, 64-byte-aligned slots in chunks of slots_per_chunk slots. It grows
// by whole chunks and never moves or returns a chunk until it is destroyed, so a frame's address
// is stable for its whole life.
//
// Finding the owning chunk in O(1): every chunk is allocated aligned to chunk_align, the power of
// two at or above its size, and starts with its header. Masking a slot pointer with
// ~(chunk_align - 1) therefore lands on the header, whatever the number of chunks. The price is
// alignment slack inside the system allocator (glibc's memalign hands most of it back to its
// free lists; for large chunks it is untouched virtual memory), paid once per growth.
//
// Each chunk keeps its own LIFO freelist. Chunks with a free slot are on a doubly linked "avail"
// list; allocate always takes from the head chunk, and free moves the
// owning chunk to the head, so the most recently freed slot is the next one handed out (it is
// the one most likely still in cache).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_set>

#include "allocators/allocator.hpp"
#include "allocators/slab_guard.hpp"
#include "allocators/tuning_env.hpp"

namespace allocbench {

class UnboundedSlab {
 public:
  static constexpr bool kIsSlab = true;
  static constexpr bool kHasCapacity = false;  // grows instead of refusing
  static constexpr bool kReclaimsFrees = true;
  static constexpr bool kReplacesMalloc = false;

  // Where everything sits in a chunk, derived from a config.
  struct Geometry {
    std::size_t slot_size;        // config.slot_size rounded up to kSlotAlign
    std::size_t slots_per_chunk;  // >= 1
    std::size_t state_offset;     // debug state bytes (one per slot) after the slots
    std::size_t chunk_bytes;      // what one chunk allocation asks the system for
    std::size_t chunk_align;      // power of two >= chunk_bytes: the masking alignment
  };
  static Geometry geometry(const BackendConfig& config);

  // Allocates config.reserve_chunks chunks now. Throws std::invalid_argument for
  // slots_per_chunk 0, std::length_error on size overflow, std::bad_alloc if a reserve fails.
  explicit UnboundedSlab(const BackendConfig& config);
  ~UnboundedSlab();
  // Chunks, and valgrind's pool, are keyed to this object: pin it.
  UnboundedSlab(const UnboundedSlab&) = delete;
  UnboundedSlab& operator=(const UnboundedSlab&) = delete;

  static std::string_view name() noexcept { return "unbounded"; }
  static std::string library() { return "allocbench"; }
  // What stats().bytes_reserved means for this backend (the report and the memory chart say it).
  static std::string reserved_meaning() {
    return "the slab's chunks: slots allocated so far (slots_per_chunk x slot size per chunk), "
           "never returned while the runtime lives";
  }
  static std::string version() { return "allocbench"; }
  static Tuning tuning(const BackendConfig& config = {});

  // nullptr only when n exceeds the slot size or the system refuses a new chunk. try_allocate
  // (below) is its fast path alone, for the runtime's spawn.
  void* allocate(std::size_t n) noexcept {
    if (n > slot_size_) [[unlikely]]
      return nullptr;
    Chunk* c = avail_;
    if (c == nullptr) [[unlikely]] {
      c = grow();
      if (c == nullptr) return nullptr;
    }
    void* slot = c->free_head;
    c->free_head = slab_guard::read_link(slot, vg_);
    if (c->free_head == nullptr) [[unlikely]]
      pop_avail_head(c);
    return hand_out(c, slot, n);
  }

  // allocate() without its calls: nullptr when n does not fit, no chunk has a free slot, or the
  // slot is its chunk's last (allocate then unlists the chunk). The runtime's spawn path.
  void* try_allocate(std::size_t n) noexcept {
    Chunk* c = avail_;
    if (n > slot_size_ || c == nullptr) [[unlikely]]
      return nullptr;
    void* slot = c->free_head;
    if (slot == nullptr) __builtin_unreachable();  // a listed chunk has a free slot
    void* next = slab_guard::read_link(slot, vg_);
    if (next == nullptr) [[unlikely]]
      return nullptr;
    c->free_head = next;
    return hand_out(c, slot, n);
  }

  // O(1): the owning chunk comes from masking p; no chunk is searched. Debug/sanitizer builds
  // abort with a message naming p on a foreign, misaligned or already free pointer.
  void deallocate(void* p, std::size_t n) noexcept {
#if ALLOCBENCH_SLAB_CHECKS
    check_free(p);
#endif
    Chunk* c = chunk_of(p);
    slab_guard::take_back(this, p, slot_size_, vg_);
    slab_guard::write_link(p, c->free_head, vg_);
    c->free_head = p;
    if (c != avail_) [[unlikely]]
      move_to_front(c);
    --live_;
    requested_ -= n;
  }

  // Expected O(1): a hash lookup of the masked address among this slab's chunk addresses
  // (masking alone cannot tell, and reading a foreign "header" could fault).
  bool owns(const void* p) const noexcept;
  bool full() const noexcept {
    return false;
  }  // it grows instead; see allocate
  std::size_t free_slots() const noexcept {
    return chunks_ * slots_per_chunk_ - live_;
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
  std::size_t chunks() const noexcept {
    return chunks_;
  }
  AllocatorStats stats() const;

 private:
  // The header at the start of every chunk; slots start one cache line in.
  struct alignas(kSlotAlign) Chunk {
    void* free_head = nullptr;    // this chunk's LIFO freelist
    Chunk* avail_prev = nullptr;  // null when at the head or not on the avail list
    Chunk* avail_next = nullptr;
    Chunk* next_all = nullptr;  // every chunk, for the destructor
  };
  static_assert(sizeof(Chunk) == kSlotAlign, "slots start one line into a chunk");

  static constexpr std::uint8_t kFree = 0;
  static constexpr std::uint8_t kUsed = 1;

  Chunk* chunk_of(const void* p) const noexcept {
    return reinterpret_cast<Chunk*>(reinterpret_cast<std::uintptr_t>(p) & chunk_mask_);
  }
  static std::byte* slots_of(Chunk* c) noexcept {
    return reinterpret_cast<std::byte*>(c) + sizeof(Chunk);
  }
  std::uint8_t* state_of(Chunk* c) const noexcept {
    return reinterpret_cast<std::uint8_t*>(c) + state_offset_;
  }
  std::size_t index_in(Chunk* c, const void* slot) const noexcept {
    return static_cast<std::size_t>(static_cast<const std::byte*>(slot) - slots_of(c)) / slot_size_;
  }
  // c is the head and just ran out of slots. Inline: out of line, the call in allocate's loop
  // doubled alloc_free's time (1.6 -> 3.4 ns; the spawn path uses try_allocate, which never
  // unlists a chunk).
  void pop_avail_head(Chunk* c) noexcept {
    avail_ = c->avail_next;
    if (avail_ != nullptr) avail_->avail_prev = nullptr;
    c->avail_next = nullptr;
  }
  // c just got a free slot and is not the head: unlink it if listed, then make it the head.
  void move_to_front(Chunk* c) noexcept {
    if (c->avail_prev != nullptr) {
      c->avail_prev->avail_next = c->avail_next;
      if (c->avail_next != nullptr) c->avail_next->avail_prev = c->avail_prev;
      c->avail_prev = nullptr;
    }
    c->avail_next = avail_;
    if (avail_ != nullptr) avail_->avail_prev = c;
    avail_ = c;
  }
  // Growth: the only place memory is allocated after construction; kept off the fast path.
  [[gnu::cold, gnu::noinline]] Chunk* grow() noexcept;
  // The slot is off its chunk's freelist: it is the caller's now.
  void* hand_out(Chunk* c, void* slot, std::size_t n) noexcept {
    slab_guard::hand_out(this, slot, n, vg_);
#if ALLOCBENCH_SLAB_CHECKS
    state_of(c)[index_in(c, slot)] = kUsed;
#else
    (void)c;
#endif
    ++live_;
    requested_ += n;
    return slot;
  }
  Chunk* add_chunk() noexcept;  // allocates, carves and lists one chunk; nullptr on failure
  void release_all() noexcept;
  // Checks p is a live slot of this slab and marks it free. Out of line: debug only.
  void check_free(const void* p) noexcept;

  Chunk* avail_ = nullptr;  // head of the chunks with a free slot
  // Valgrind annotations active: read once, then a predictable branch (see slab_guard.hpp).
  bool vg_ = slab_guard::running_under_valgrind();
  // Plain counters: a slab belongs to one owner thread. Kept apart on purpose, as in
  // BoundedSlab: adjacent, compilers fuse them into a 16-byte access that stalls store
  // forwarding on every allocate+free pair.
  std::size_t live_ = 0;
  std::uintptr_t chunk_mask_;
  std::size_t slot_size_;
  std::size_t requested_ = 0;
  Chunk* all_ = nullptr;  // every chunk
  std::size_t slots_per_chunk_;
  std::size_t state_offset_;
  std::size_t chunk_bytes_;
  std::size_t chunk_align_;
  std::size_t chunks_ = 0;
  std::unordered_set<std::uintptr_t> chunk_addresses_;  // for owns() only
};

static_assert(TaskAllocator<UnboundedSlab>);

}  // namespace allocbench
