// cross_thread: tasks parked with a Waker that a second thread wakes. The wake crosses threads
// through the runtime's MPSC queue (and its eventfd when the owner sleeps); frames are still
// resumed and freed on the owner thread only.
#include <atomic>
#include <mutex>
#include <thread>
#include <vector>

#include "scenarios/frames.hpp"
#include "scenarios/scenario.hpp"

namespace allocbench {
namespace {

struct Mailbox {
  std::mutex m;
  std::vector<std::pair<Waker, std::atomic<std::uint64_t>*>> items;
};

struct Parked {
  std::atomic<std::uint64_t> woke_at{0};
};

Task<void> ping(Mailbox* box, Session* s, bool* sampling, std::size_t trips) {
  Parked me;
  for (std::size_t i = 0; i < trips; ++i) {
    co_await Runtime::park([&](Waker w) {
      std::lock_guard g(box->m);
      box->items.emplace_back(std::move(w), &me.woke_at);
    });
    if (*sampling) s->record_ticks(ticks_now() - me.woke_at.load(std::memory_order_acquire));
  }
}

Task<void> all(Runtime& rt, Mailbox& box, Session& s, bool& sampling, std::size_t tasks,
               std::size_t trips) {
  std::vector<JoinHandle<void>> hs;
  hs.reserve(tasks);
  for (std::size_t i = 0; i < tasks; ++i) {
    hs.push_back(rt.spawn_slab([&] { return ping(&box, &s, &sampling, trips); }));
  }
  for (auto& h : hs) co_await h;
}

// Stops and joins the waker thread however run() ends: an exception (FrameTooLarge, say) must
// reach the worker as this scenario's error, not std::terminate from a joinable thread.
struct StopAndJoin {
  std::atomic<bool>& stop;
  std::thread& t;
  ~StopAndJoin() {
    stop = true;
    if (t.joinable()) t.join();
  }
};

void run(Session& s) {
  const std::size_t tasks = s.count("tasks");
  const std::size_t trips = std::max<std::size_t>(1, s.count("ops") / tasks);
  // Slots sized from ping's real block (task header + frame), measured once on the Box path.
  const std::size_t block = [&] {
    bool off = false;
    return measured_block(&ping, static_cast<Mailbox*>(nullptr), &s, &off, std::size_t{1});
  }();
  Runtime rt(config_for_frame(block, tasks + 1));
  Mailbox box;  // after the runtime: Wakers left in it go before the runtime does
  std::atomic<bool> stop{false};
  std::thread waker;
  StopAndJoin guard{stop, waker};
  waker = std::thread([&] {
    std::vector<std::pair<Waker, std::atomic<std::uint64_t>*>> batch;
    while (!stop.load(std::memory_order_relaxed)) {
      {
        std::lock_guard g(box.m);
        batch.swap(box.items);
      }
      for (auto& [w, stamp] : batch) {
        stamp->store(ticks_now(), std::memory_order_release);
        std::move(w).wake();
      }
      batch.clear();
    }
  });
  bool sampling = false;
  rt.block_on(all(rt, box, s, sampling, tasks, std::max<std::size_t>(1, trips / 10)));
  s.begin();
  rt.block_on(all(rt, box, s, sampling, tasks, trips));
  s.end(tasks * trips);
  s.note_backend(rt.backend().stats());
  s.set_latency_of("wake() on the second thread to the task's resume on the owner");
  sampling = true;
  rt.block_on(
      all(rt, box, s, sampling, tasks, std::max<std::size_t>(1, s.count("samples") / tasks)));
  s.set_frame_size(block);
  s.set_batched_unavailable(
      "a wake-up's latency spans two threads and is stamped by the waker: it cannot be batched");
}

}  // namespace

ScenarioSpec cross_thread_scenario() {
  return {"cross_thread",
          "tasks parked on a Waker that a second thread wakes; frames freed on the owner",
          {{"tasks", "tasks parked side by side", {64}, {64, 1024}},
           run_size_param("ops", "park/wake/resume round trips in the timed batch", {200'000},
                          {1'000'000}),
           run_size_param("samples", "round trips timed for latency", {100'000}, {500'000})},
          false,
          run,
          // Depends on thread interleaving, which valgrind serialises.
          /*in_cache_sim_suite=*/false,
          // Its tasks are spawned once and make every round trip; frames are freed at the end.
          /*reuses_freed_frames=*/false};
}

}  // namespace allocbench
