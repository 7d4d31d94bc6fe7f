// Intrusive lock-free multi-producer single-consumer queue (Dmitry Vyukov's design). Other threads
// push tasks they wake; only the owner thread pops. Nodes live inside task frames, so a push
// never allocates.
#pragma once

#include <atomic>

namespace allocbench::detail {

// The link is a plain pointer accessed through std::atomic_ref: a node lives in a task header,
// which is created without writing anything it does not need (push writes the link).
struct MpscNode {
  MpscNode* mpsc_next;
  std::atomic_ref<MpscNode*> link() noexcept { return std::atomic_ref(mpsc_next); }
};

class MpscQueue {
 public:
  MpscQueue() : head_(&stub_), tail_(&stub_) { stub_.mpsc_next = nullptr; }
  MpscQueue(const MpscQueue&) = delete;
  MpscQueue& operator=(const MpscQueue&) = delete;

  // Any thread.
  void push(MpscNode* n) noexcept {
    n->link().store(nullptr, std::memory_order_relaxed);
    MpscNode* prev = head_.exchange(n, std::memory_order_seq_cst);
    prev->link().store(n, std::memory_order_release);
  }

  // Owner thread only. Returns nullptr when empty, or when a producer is between its exchange
  // and its link store; that producer's eventfd write (or the next poll) brings the node in.
  MpscNode* pop() noexcept {
    MpscNode* tail = tail_;
    MpscNode* next = tail->link().load(std::memory_order_acquire);
    if (tail == &stub_) {
      if (next == nullptr) return nullptr;
      tail_ = next;
      tail = next;
      next = next->link().load(std::memory_order_acquire);
    }
    if (next != nullptr) {
      tail_ = next;
      return tail;
    }
    if (tail != head_.load(std::memory_order_acquire)) return nullptr;
    push(&stub_);
    next = tail->link().load(std::memory_order_acquire);
    if (next != nullptr) {
      tail_ = next;
      return tail;
    }
    return nullptr;
  }

  // Owner thread: true when a push has started that pop() has not yet returned. pop() never
  // leaves an unreturned node as both tail and head (it re-pushes the stub and returns it), and a
  // push moves head_ first, so one compare tells.
  bool maybe_nonempty() const noexcept { return head_.load(std::memory_order_seq_cst) != tail_; }

 private:
  alignas(64) std::atomic<MpscNode*> head_;
  alignas(64) MpscNode* tail_;
  MpscNode stub_;
};

}  // namespace allocbench::detail
