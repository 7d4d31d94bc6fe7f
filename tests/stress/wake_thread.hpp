// A real second thread that wakes or drops the Wakers it is sent, in the order it gets them.
// The stress model needs the remote wakes to be deterministic in order but not in timing: the
// owner keeps running its own steps while this thread works, and waits for it (wait_idle) only
// where the runtime would look at the remote queue.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <mutex>
#include <thread>
#include <utility>

#include "runtime/waker.hpp"

namespace allocbench::stress {

class WakeThread {
 public:
  WakeThread() : thread_([this] { loop(); }) {}
  ~WakeThread() {
    {
      std::lock_guard g(m_);
      stop_ = true;
    }
    cv_.notify_one();
    thread_.join();
  }
  WakeThread(const WakeThread&) = delete;
  WakeThread& operator=(const WakeThread&) = delete;

  // wake: call wake() on it; otherwise just drop it (a wake that never comes).
  void send(Waker w, bool wake) {
    sent_.fetch_add(1, std::memory_order_relaxed);
    {
      std::lock_guard g(m_);
      box_.push_back(Item{std::move(w), wake});
    }
    cv_.notify_one();
  }

  // Spins until every Waker sent so far has been woken or dropped. The counter is relaxed on
  // purpose: whatever the owner then reads of the runtime must be ordered by the runtime's own
  // atomics, or ThreadSanitizer reports it.
  void wait_idle() const {
    while (done_.load(std::memory_order_relaxed) != sent_.load(std::memory_order_relaxed)) {
      std::this_thread::yield();
    }
  }
  std::size_t in_flight() const {
    return sent_.load(std::memory_order_relaxed) - done_.load(std::memory_order_relaxed);
  }

 private:
  struct Item {
    Waker waker;
    bool wake = false;
  };

  void loop() {
    for (;;) {
      Item item;
      {
        std::unique_lock lk(m_);
        cv_.wait(lk, [&] { return stop_ || !box_.empty(); });
        if (box_.empty()) return;  // stop_ and nothing left
        item = std::move(box_.front());
        box_.pop_front();
      }
      if (item.wake) {
        std::move(item.waker).wake();
      } else {
        item.waker = Waker();  // dropped unwoken
      }
      done_.fetch_add(1, std::memory_order_relaxed);
    }
  }

  std::mutex m_;
  std::condition_variable cv_;
  std::deque<Item> box_;
  bool stop_ = false;
  std::atomic<std::size_t> sent_{0};
  std::atomic<std::size_t> done_{0};
  std::thread thread_;  // last: started once everything above exists
};

}  // namespace allocbench::stress
