// floor: the machine's floor for one task. Create, resume and destroy a trivial coroutine whose
// frame comes from an intrusive freelist: no executor, no queue, no handle. Every backend's cost
// is also shown against this.
#include <coroutine>
#include <cstdint>
#include <new>

#include "scenarios/scenario.hpp"

namespace allocbench {
namespace {

// Frames recycled through a per-thread LIFO list: after warm-up every allocation is a pop.
struct FreeList {
  struct Node {
    Node* next;
  };
  Node* head = nullptr;
  std::size_t size = 0;
  std::uint64_t allocations = 0;  // proves every operation really allocated a frame (no HALO)
  ~FreeList() {
    while (head) ::operator delete(std::exchange(head, head->next), size);
  }
};
thread_local FreeList tls_frames;

struct FloorTask {
  struct promise_type {
    static void* operator new(std::size_t n) {
      FreeList& f = tls_frames;
      ++f.allocations;
      if (f.head != nullptr) return std::exchange(f.head, f.head->next);
      f.size = n;
      return ::operator new(n);
    }
    static void operator delete(void* p, std::size_t) noexcept {
      auto* node = static_cast<FreeList::Node*>(p);
      node->next = tls_frames.head;
      tls_frames.head = node;
    }
    FloorTask get_return_object() noexcept {
      return {std::coroutine_handle<promise_type>::from_promise(*this)};
    }
    std::suspend_always initial_suspend() noexcept { return {}; }
    std::suspend_always final_suspend() noexcept { return {}; }
    void return_void() noexcept {}
    void unhandled_exception() noexcept { std::terminate(); }
  };
  std::coroutine_handle<promise_type> h;
};

FloorTask trivial(std::uint64_t* sink) {
  ++*sink;
  co_return;
}

// noinline: the frame must really be created and destroyed here, not elided by HALO into the
// caller (the allocation count per op in the report shows the freelist pops either way).
[[gnu::noinline]] void one_op(std::uint64_t* sink) {
  FloorTask t = trivial(sink);
  t.h.resume();
  t.h.destroy();
}

void run(Session& s) {
  std::uint64_t sink = 0;
  const std::size_t ops = s.count("ops");
  for (std::size_t i = 0; i < ops / 10; ++i) one_op(&sink);  // warm-up
  const std::uint64_t before = tls_frames.allocations;
  s.begin();
  for (std::size_t i = 0; i < ops; ++i) one_op(&sink);
  s.end(ops);
  s.set_extra("frame_allocations_per_op",
              static_cast<double>(tls_frames.allocations - before) / static_cast<double>(ops));
  s.set_latency_of("create + resume + destroy, frame from a freelist");
  for (std::size_t i = 0; i < s.count("samples"); ++i) s.time_one([&] { one_op(&sink); });
  for (std::size_t i = 0; i < s.count("samples") / s.batch(); ++i) {
    s.time_batch(s.batch(), [&] { one_op(&sink); });
  }
  s.set_frame_size(tls_frames.size);
  if (sink == 0) s.set_extra("impossible", true);  // keeps sink observable
}

}  // namespace

ScenarioSpec floor_scenario() {
  return {"floor",
          "create, resume and destroy a trivial coroutine, frames from a freelist, no executor",
          {run_size_param("ops", "operations in the timed batch", {4'000'000}, {20'000'000}),
           run_size_param("samples", "single operations timed for latency", {200'000}, {1'000'000}),
           run_size_param("batch", "operations per batched latency sample (one timing pair each)",
                          {64}, {64})},
          false,
          run,
          // No backend takes part: its counts would be the same for every backend.
          /*in_cache_sim_suite=*/false,
          // Its frames come from its own freelist, never the backend.
          /*reuses_freed_frames=*/false};
}

}  // namespace allocbench
