// The reactor's deadlines: a binary min-heap of pointers to the waits (io_wait.hpp) that carry
// them, ordered by deadline and then by arrival, so equal deadlines fire in the order they were
// set. Each wait records its index in the heap, so a cancelled wait leaves in O(log n) without a
// search. The waits live in the waiting tasks' frames; the heap only points at them, and its one
// vector grows to the most timers ever pending and is then reused: setting a timer allocates
// nothing in a steady state.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "runtime/io_wait.hpp"

namespace allocbench::detail {

class TimerHeap {
 public:
  bool empty() const noexcept { return h_.empty(); }
  std::size_t size() const noexcept { return h_.size(); }
  IoWait* top() const noexcept { return h_.front(); }

  // Makes the next push() unable to fail. Grows geometrically: reserve(size + 1) alone would
  // reallocate at every new high-water mark.
  void reserve_one() {
    if (h_.size() == h_.capacity()) h_.reserve(std::max<std::size_t>(16, 2 * h_.capacity()));
  }

  void push(IoWait& w) noexcept {
    w.timer_seq = next_seq_++;
    w.heap_index = h_.size();
    h_.push_back(&w);  // reserve_one() made room
    sift_up(w.heap_index);
  }

  IoWait* pop() noexcept {
    IoWait* w = h_.front();
    erase(*w);
    return w;
  }

  void erase(IoWait& w) noexcept {
    const std::size_t i = w.heap_index;
    w.heap_index = IoWait::kNotInHeap;
    IoWait* last = h_.back();
    h_.pop_back();
    if (last == &w) return;
    h_[i] = last;
    last->heap_index = i;
    sift_down(i);
    sift_up(last->heap_index);
  }

 private:
  static bool before(const IoWait* a, const IoWait* b) noexcept {
    return a->deadline < b->deadline || (a->deadline == b->deadline && a->timer_seq < b->timer_seq);
  }
  void place(std::size_t i, IoWait* w) noexcept {
    h_[i] = w;
    w->heap_index = i;
  }
  void sift_up(std::size_t i) noexcept {
    IoWait* w = h_[i];
    while (i > 0) {
      const std::size_t parent = (i - 1) / 2;
      if (!before(w, h_[parent])) break;
      place(i, h_[parent]);
      i = parent;
    }
    place(i, w);
  }
  void sift_down(std::size_t i) noexcept {
    IoWait* w = h_[i];
    const std::size_t n = h_.size();
    for (;;) {
      std::size_t child = 2 * i + 1;
      if (child >= n) break;
      if (child + 1 < n && before(h_[child + 1], h_[child])) ++child;
      if (!before(h_[child], w)) break;
      place(i, h_[child]);
      i = child;
    }
    place(i, w);
  }

  std::vector<IoWait*> h_;
  std::uint64_t next_seq_ = 0;
};

}  // namespace allocbench::detail
