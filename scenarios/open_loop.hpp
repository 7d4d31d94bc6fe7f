// The open-loop engine behind the open_loop scenario, apart from it so tests can drive it (stall
// the loop, overload it) and read what it saw.
//
// A request is a task spawned through the backend (spawn_slab: the slab on bounded / unbounded,
// the backend's malloc elsewhere) with a frame drawn from a small mix, which does the service
// heap's churn steps (if any), yields a few times, spawns a sub-task the same way and awaits it.
// Arrivals come from a seeded Poisson process. The generator runs on the owner thread between
// batches of ready work, as in a thread-per-core service, and a request's latency is its
// completion time minus its intended arrival time: a request the generator gets to late, or
// that waits behind others, is charged for the wait (no coordinated omission).
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include "harness/probes/histogram.hpp"
#include "runtime/runtime.hpp"
#include "scenarios/service_heap.hpp"
#include "scenarios/session.hpp"

namespace allocbench {

struct OpenLoopWork {
  std::uint32_t yields = 2;     // yields of each request before its sub-task
  std::uint32_t heap_ops = 0;   // service heap churn steps per request
  ServiceHeap* heap = nullptr;  // none: a clean heap (heap_ops ignored)
};

struct OpenLoopPlan {
  double rate_per_s = 0;       // target arrival rate
  std::uint64_t arrivals = 0;  // requests in the window
  std::uint64_t seed = 1;
  // Past this (from the window's start) the generator stops: 0 means twice the nominal window
  // plus a quarter second.
  double deadline_s = 0;
  // Where to keep each completed request's latency (raw ticks), in completion order, up to its
  // size; sized and touched by the caller before the window, so filling it faults no pages.
  std::vector<std::uint64_t>* samples = nullptr;
  // Tests only: called after every batch of ready work with the arrivals admitted so far (a
  // test stalls the loop here).
  std::function<void(std::uint64_t)> between_batches;
};

struct OpenLoopOutcome {
  std::uint64_t arrivals = 0;
  std::uint64_t completed = 0;
  // Arrivals never started because the window ran past its deadline (a rate far above
  // capacity): their latency is unknown and not in any histogram.
  std::uint64_t not_started = 0;
  bool deadline_hit = false;
  double window_ns = 0;       // nominal: arrivals / rate
  double elapsed_ns = 0;      // the window's opening to the last completion
  double achieved_per_s = 0;  // completed / elapsed
  std::size_t peak_in_flight = 0;
  double cpu_ns = 0;                       // this thread's CPU time over the window
  std::uint64_t involuntary_switches = 0;  // times the kernel preempted it meanwhile
  std::uint64_t minor_faults = 0;          // page faults of this thread meanwhile
  // Latency in raw ticks by the quarter of the nominal window the request was meant to arrive
  // in: flat when the runtime keeps up, rising when the backlog grows.
  std::array<Histogram, 4> by_quarter;
  Histogram all;  // every completed request, raw ticks
};

class OpenLoop {
 public:
  // Requests in flight at most; beyond it arrivals wait, still charged from their intended
  // time, as a service bounds its concurrency. Far above the queue a stable load builds (M/M/1
  // at 95 %: 19 on average, above 256 once in 2e-6), and small enough that a backlog does not
  // push the runtime's working set out of the caches: at 4,096 the loop ran half as fast as in
  // the capacity measurement and load 0.8 never recovered from its first burst.
  static constexpr std::size_t kMaxInFlight = 256;
  // Ready tasks resumed between two looks at the generator.
  static constexpr std::size_t kRunBatch = 16;
  // Capacity is the loop saturated: arrivals always waiting, kMaxInFlight in flight.
  static constexpr std::size_t kCapacityInFlight = kMaxInFlight;

  OpenLoop(Session& s, const OpenLoopWork& work);
  ~OpenLoop();
  OpenLoop(const OpenLoop&) = delete;
  OpenLoop& operator=(const OpenLoop&) = delete;

  // The loop saturated (kCapacityInFlight requests always in flight, the generator's
  // per-request work included): requests completed per second over `requests`, after a tenth
  // as many as warm-up, and over min_ms at least. Notes the backend's live set at that peak in
  // the session.
  double measure_capacity(std::uint64_t requests, double min_ms = 0);
  // The open-loop window (latencies in the outcome, and in plan.samples if given).
  OpenLoopOutcome run(const OpenLoopPlan& plan);

  Runtime& rt() noexcept;
  // Task block sizes (header + frame) of the request shapes, and of the sub-task.
  const std::array<std::size_t, 3>& request_blocks() const noexcept;
  std::size_t sub_block() const noexcept;
  std::size_t largest_block() const noexcept;

  struct State;

 private:
  std::unique_ptr<State> st_;
};

}  // namespace allocbench
