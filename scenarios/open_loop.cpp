// open_loop: requests arrive as a seeded Poisson process at a load of the backend's own
// capacity (measured first, in the same process) or at an absolute rate; latency runs from
// each request's intended arrival to its completion. heap=2 runs it beside a lived-in heap
// (service_heap.hpp) that every request churns. See open_loop.hpp for the engine.
#include "scenarios/open_loop.hpp"

#include <algorithm>
#include <chrono>
#include <stdexcept>
#include <string>

#include <sys/resource.h>

#include "scenarios/arrivals.hpp"
#include "scenarios/frames.hpp"
#include "scenarios/scenario.hpp"

namespace allocbench {

struct OpenLoop::State {
  Session* s = nullptr;
  OpenLoopWork work;
  std::array<std::size_t, 3> blocks{};
  std::size_t sub = 0;
  std::size_t largest = 0;
  std::unique_ptr<Runtime> rt;
  SplitMix64 shape_rng{0x5eed};
  std::size_t in_flight = 0;
  std::size_t peak = 0;
  std::uint64_t completed = 0;
  std::uint64_t last_completion = 0;
  std::uint64_t sink = 0;  // the requests' side effect, so their bodies cannot be dropped
  // Where latencies go: out's histograms always, the session's only in the measured window.
  OpenLoopOutcome* out = nullptr;
  std::vector<std::uint64_t>* samples = nullptr;
  std::uint64_t start = 0;
  double quarter_ticks = 1;

  void spawn(std::uint64_t intended);
  void complete(std::uint64_t intended) noexcept {
    const std::uint64_t now = ticks_now();
    --in_flight;
    ++completed;
    last_completion = now;
    const std::uint64_t lat = now > intended ? now - intended : 0;
    out->all.record(lat);
    const double q = static_cast<double>(intended - start) / quarter_ticks;
    out->by_quarter[q < 3 ? static_cast<std::size_t>(q) : 3].record(lat);
    if (samples != nullptr && completed <= samples->size()) (*samples)[completed - 1] = lat;
  }
};

namespace {

Task<std::uint32_t> sub_request(std::uint32_t x) {
  co_await yield_now();
  co_return x * 2654435761u;
}

// Locals that live across suspensions set the frame size, as in frames.hpp.
template <std::size_t Pad>
Task<void> request(OpenLoop::State* st, std::uint64_t intended, std::uint32_t salt) {
  // Filled, and read after the suspensions at an index known only at run time, so the whole
  // array lives in the frame with every compiler (clang 14 kept just the two bytes a
  // constant-index version used).
  std::array<std::uint8_t, Pad> pad;
  pad.fill(static_cast<std::uint8_t>(salt));
  if (st->work.heap != nullptr) {
    for (std::uint32_t i = 0; i < st->work.heap_ops; ++i) st->work.heap->step();
  }
  for (std::uint32_t i = 0; i < st->work.yields; ++i) co_await yield_now();
  JoinHandle<std::uint32_t> h = st->rt->spawn_slab([salt] { return sub_request(salt); });
  const std::uint32_t v = co_await h;
  st->sink += v + pad[salt % Pad];
  st->complete(intended);
}

// The frame mix: 60 % small, 30 % medium, 10 % large requests (per mille, cumulative).
constexpr std::array<std::uint32_t, 3> kMixCumulative{600, 900, 1000};
constexpr std::array<std::size_t, 3> kPads{16, 240, 960};

// This thread's CPU time and the times the kernel took the CPU away from it: on a shared
// machine a descheduled loop is a stall every request arriving meanwhile pays for.
struct CpuSample {
  double cpu_ns = 0;
  std::uint64_t involuntary = 0;
  std::uint64_t minor_faults = 0;
};
CpuSample cpu_sample() noexcept {
  struct rusage u {};
  if (::getrusage(RUSAGE_THREAD, &u) != 0) return {};
  auto ns = [](const timeval& t) { return static_cast<double>(t.tv_sec) * 1e9 + t.tv_usec * 1e3; };
  return {ns(u.ru_utime) + ns(u.ru_stime), static_cast<std::uint64_t>(u.ru_nivcsw),
          static_cast<std::uint64_t>(u.ru_minflt)};
}

inline void cpu_relax() noexcept {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#endif
}

}  // namespace

void OpenLoop::State::spawn(std::uint64_t intended) {
  const std::uint64_t r = shape_rng.next();
  const auto pick = static_cast<std::uint32_t>(r % 1000);
  const auto salt = static_cast<std::uint32_t>(r >> 32);
  ++in_flight;
  peak = std::max(peak, in_flight);
  if (pick < kMixCumulative[0]) {
    rt->spawn_slab([this, intended, salt] {
        return request<kPads[0]>(this, intended, salt);
      }).detach();
  } else if (pick < kMixCumulative[1]) {
    rt->spawn_slab([this, intended, salt] {
        return request<kPads[1]>(this, intended, salt);
      }).detach();
  } else {
    rt->spawn_slab([this, intended, salt] {
        return request<kPads[2]>(this, intended, salt);
      }).detach();
  }
}

OpenLoop::OpenLoop(Session& s, const OpenLoopWork& work) : st_(std::make_unique<State>()) {
  State& st = *st_;
  st.s = &s;
  st.work = work;
  st.shape_rng = SplitMix64(s.seed() ^ 0x6f70656e6c6f6f70ULL);
  // Block sizes measured, never assumed: a task created on the Box path and dropped.
  st.blocks[0] = measured_block(&request<kPads[0]>, &st, std::uint64_t{0}, std::uint32_t{0});
  st.blocks[1] = measured_block(&request<kPads[1]>, &st, std::uint64_t{0}, std::uint32_t{0});
  st.blocks[2] = measured_block(&request<kPads[2]>, &st, std::uint64_t{0}, std::uint32_t{0});
  st.sub = measured_block(&sub_request, std::uint32_t{0});
  st.largest = std::max(st.sub, *std::max_element(st.blocks.begin(), st.blocks.end()));
  // Each request in flight holds its block and at most one sub-task's.
  st.rt = std::make_unique<Runtime>(
      config_for_frame(st.largest, 2 * std::max(kMaxInFlight, kCapacityInFlight) + 64));
}

OpenLoop::~OpenLoop() = default;

Runtime& OpenLoop::rt() noexcept {
  return *st_->rt;
}
const std::array<std::size_t, 3>& OpenLoop::request_blocks() const noexcept {
  return st_->blocks;
}
std::size_t OpenLoop::sub_block() const noexcept {
  return st_->sub;
}
std::size_t OpenLoop::largest_block() const noexcept {
  return st_->largest;
}

double OpenLoop::measure_capacity(std::uint64_t requests, double min_ms) {
  State& st = *st_;
  const TimerCalibration& cal = calibrate_timer();
  OpenLoopOutcome scratch;  // latencies recorded as in the window, so the per-request cost is
  st.out = &scratch;        // the same; they mean nothing here and are dropped
  st.samples = nullptr;
  st.start = ticks_now();
  st.quarter_ticks = 1e30;
  // A gap drawn per request too: capacity must include everything the open loop does per
  // request, or a "95 %" load would really be 100 %.
  PoissonArrivals gaps(1.0, 1);
  double sum = 0;
  auto go = [&](std::uint64_t n, double ms) {
    const std::uint64_t target = st.completed + n;
    const std::uint64_t until =
        ticks_now() + static_cast<std::uint64_t>(ms * 1e6 * cal.ticks_per_ns);
    while (st.completed < target || ticks_now() < until) {
      while (st.in_flight < kCapacityInFlight) {
        sum += gaps.next_gap();
        st.spawn(ticks_now());
      }
      std::size_t ran = 0;
      while (ran < kRunBatch && st.rt->run_one()) ++ran;
    }
  };
  go(std::max<std::uint64_t>(1, requests / 10), min_ms / 10);
  const std::uint64_t c0 = st.completed;
  const std::uint64_t t0 = ticks_now();
  go(std::max<std::uint64_t>(1, requests), min_ms);
  const std::uint64_t t1 = ticks_now();
  const std::uint64_t done = st.completed - c0;
  // The live set at its largest (kCapacityInFlight requests, as the open loop at worst). Not
  // read in the window: glibc's figure (mallinfo2) walks the heap's free lists.
  st.s->note_backend(st.rt->backend().stats());
  st.rt->run_until_idle();
  st.sink += static_cast<std::uint64_t>(sum);
  st.out = nullptr;
  return static_cast<double>(done) / (ticks_to_ns(static_cast<double>(t1 - t0), cal) / 1e9);
}

OpenLoopOutcome OpenLoop::run(const OpenLoopPlan& plan) {
  if (!(plan.rate_per_s > 0) || plan.arrivals == 0)
    throw std::invalid_argument("open_loop: the rate and the number of arrivals must be positive");
  State& st = *st_;
  const TimerCalibration& cal = calibrate_timer();
  const double ticks_per_s = cal.ticks_per_ns * 1e9;
  OpenLoopOutcome out;
  out.arrivals = plan.arrivals;
  PoissonArrivals arrivals(plan.rate_per_s / ticks_per_s, plan.seed);
  const double window = static_cast<double>(plan.arrivals) / plan.rate_per_s * ticks_per_s;
  // Far above capacity the backlog would take arrivals / capacity to serve: past twice the
  // nominal window (and a quarter second) the generator stops and says how many never started.
  const double deadline =
      plan.deadline_s > 0 ? plan.deadline_s * ticks_per_s : 2 * window + 0.25 * ticks_per_s;
  out.window_ns = window / cal.ticks_per_ns;
  st.out = &out;
  st.samples = plan.samples;
  st.quarter_ticks = std::max(1.0, window / 4);
  st.completed = 0;
  st.peak = st.in_flight;
  const CpuSample cpu0 = cpu_sample();
  const std::uint64_t start = ticks_now();
  st.start = start;
  st.last_completion = start;
  double next = arrivals.next_gap();  // intended arrival, ticks after start
  std::uint64_t admitted = 0;
  while (admitted < plan.arrivals) {
    const auto now = static_cast<double>(ticks_now() - start);
    if (now > deadline) {
      out.deadline_hit = true;
      break;
    }
    while (admitted < plan.arrivals && next <= now && st.in_flight < kMaxInFlight) {
      st.spawn(start + static_cast<std::uint64_t>(next));
      ++admitted;
      next += arrivals.next_gap();
    }
    std::size_t ran = 0;
    while (ran < kRunBatch && st.rt->run_one()) ++ran;
    if (plan.between_batches) plan.between_batches(admitted);
    if (ran == 0) cpu_relax();  // idle until the next arrival, as a busy-polling service would
  }
  st.rt->run_until_idle();
  const CpuSample cpu1 = cpu_sample();
  out.cpu_ns = cpu1.cpu_ns - cpu0.cpu_ns;
  out.involuntary_switches = cpu1.involuntary - cpu0.involuntary;
  out.minor_faults = cpu1.minor_faults - cpu0.minor_faults;
  out.not_started = plan.arrivals - admitted;
  out.completed = st.completed;
  out.elapsed_ns = ticks_to_ns(static_cast<double>(st.last_completion - start), cal);
  out.achieved_per_s =
      out.elapsed_ns > 0 ? static_cast<double>(out.completed) / (out.elapsed_ns / 1e9) : 0;
  out.peak_in_flight = st.peak;
  st.samples = nullptr;
  st.out = nullptr;
  return out;
}

namespace {

constexpr std::int64_t kHeapClean = 1;
constexpr std::int64_t kHeapService = 2;
// Capacity is measured over at least this long: a scheduler time slice on a shared machine is
// a few ms, so a briefer measurement would see all or none of one.
constexpr double kCapacityMinMs = 100;
// Windows run at most when the kernel preempts the loop in them.
constexpr int kMaxWindows = 3;

nlohmann::json percentiles_ns(const Histogram& h, const TimerCalibration& cal) {
  if (h.count() == 0) return {{"count", 0}};
  auto ns = [&](std::uint64_t ticks) { return ticks_to_ns(static_cast<double>(ticks), cal); };
  return {{"count", h.count()},
          {"p50", ns(h.value_at_percentile(50))},
          {"p99", ns(h.value_at_percentile(99))},
          {"p9999", ns(h.value_at_percentile(99.99))},
          {"max", ns(h.max())}};
}

void run(Session& s) {
  const std::int64_t heap = s.param("heap");
  if (heap != kHeapClean && heap != kHeapService) {
    throw std::invalid_argument("open_loop: heap must be 1 (clean) or 2 (service), got " +
                                std::to_string(heap));
  }
  const TimerCalibration& cal = calibrate_timer();
  std::unique_ptr<ServiceHeap> service;
  double build_ms = 0;
  if (heap == kHeapService) {
    const auto t0 = std::chrono::steady_clock::now();
    service = std::make_unique<ServiceHeap>(s.count("heap_mib") << 20,
                                            s.seed() * 0x9e3779b97f4a7c15ULL + 1);
    build_ms =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  }
  std::uint64_t steps_before = 0;  // churn steps before the measured window
  OpenLoopWork work;
  work.yields = static_cast<std::uint32_t>(s.param("yields"));
  work.heap_ops = static_cast<std::uint32_t>(s.param("heap_ops"));
  work.heap = service.get();
  OpenLoop loop(s, work);
  const std::uint64_t arrivals = s.count("ops");
  const std::uint64_t capacity_requests = std::max<std::uint64_t>(1000, arrivals / 4);

  nlohmann::json info;
  info["heap"] = heap == kHeapClean ? "clean" : "service";
  info["work"] = {{"yields", work.yields},
                  {"sub_tasks", 1},
                  {"heap_ops", service ? work.heap_ops : 0},
                  {"frame_mix_per_mille", {600, 300, 100}},
                  {"request_blocks_bytes", loop.request_blocks()},
                  {"sub_task_block_bytes", loop.sub_block()}};
  info["max_in_flight"] = OpenLoop::kMaxInFlight;
  if (s.cache_sim()) {
    // Under callgrind time runs ~50x slow and pacing means nothing: count the closed-loop
    // capacity run, which does the same work per request without idling.
    if (service) steps_before = service->stats().steps;
    s.begin();
    loop.measure_capacity(capacity_requests, 0);
    s.end(capacity_requests);
    info["note"] = "under --cache-sim only the closed-loop capacity run is counted";
  } else {
    const double capacity = loop.measure_capacity(capacity_requests, kCapacityMinMs);
    const bool absolute = s.params().count("rate") != 0;
    const double rate = absolute ? static_cast<double>(s.param("rate"))
                                 : capacity * static_cast<double>(s.param("load_pct")) / 100.0;
    OpenLoopPlan plan;
    plan.rate_per_s = rate;
    plan.arrivals = arrivals;
    plan.seed = s.seed();
    // A window in which the kernel preempted the loop measures the machine's other tenants,
    // not the allocator (every request arriving while the loop is off the CPU waits for it):
    // it is run again, up to kMaxWindows in all, and the report keeps what was discarded. The
    // last window counts whatever happened in it. ops/s covers every window run.
    std::vector<std::uint64_t> latencies(arrivals, 0);
    plan.samples = &latencies;
    OpenLoopOutcome out;
    nlohmann::json discarded = nlohmann::json::array();
    std::uint64_t completed_all = 0;
    s.begin();
    for (int w = 1;; ++w) {
      if (service) steps_before = service->stats().steps;
      out = loop.run(plan);
      completed_all += out.completed;
      if (out.involuntary_switches == 0 || w == kMaxWindows) break;
      discarded.push_back({{"involuntary_switches", out.involuntary_switches},
                           {"cpu_share", out.elapsed_ns > 0 ? out.cpu_ns / out.elapsed_ns : 0.0},
                           {"latency_ns", percentiles_ns(out.all, cal)}});
    }
    s.end(completed_all);
    for (std::uint64_t i = 0; i < out.completed && i < latencies.size(); ++i) {
      s.record_ticks(latencies[i]);
    }
    info["windows_discarded"] = discarded;
    info["preempted"] = out.involuntary_switches != 0;
    info["capacity_per_s"] = capacity;
    info["capacity_requests"] = capacity_requests;
    info["rate_source"] = absolute ? "absolute (--param rate)" : "load_pct of capacity_per_s";
    info["target_rate_per_s"] = rate;
    info["load"] = rate / capacity;
    info["achieved_rate_per_s"] = out.achieved_per_s;
    info["achieved_load"] = out.achieved_per_s / capacity;
    info["arrivals"] = out.arrivals;
    info["completed"] = out.completed;
    info["not_started"] = out.not_started;
    info["deadline_hit"] = out.deadline_hit;
    info["window_ns"] = out.window_ns;
    info["elapsed_ns"] = out.elapsed_ns;
    info["peak_in_flight"] = out.peak_in_flight;
    // Below 1: the loop was off the CPU for part of the window (other processes, the VM).
    info["cpu_share"] = out.elapsed_ns > 0 ? out.cpu_ns / out.elapsed_ns : 0.0;
    info["involuntary_switches"] = out.involuntary_switches;
    // Pages the allocators (frames and service heap) faulted in during the window: memory
    // returned to the system and taken back shows here.
    info["minor_faults_in_window"] = out.minor_faults;
    nlohmann::json quarters = nlohmann::json::array();
    for (const auto& h : out.by_quarter) quarters.push_back(percentiles_ns(h, cal));
    info["latency_by_quarter_ns"] = quarters;
    if (out.not_started != 0) {
      info["latency_note"] =
          "arrivals past the deadline never started: the percentiles cover completed requests "
          "only and understate the tail";
    }
  }
  s.note_backend(loop.rt().backend().stats());
  s.set_extra("open_loop", info);
  if (service) {
    const ServiceHeapStats h = service->stats();
    nlohmann::json sh = {{"target_bytes", h.target_bytes},
                         {"requested_bytes", h.live_bytes},
                         {"objects", h.live_objects},
                         {"long_lived_bytes", h.long_lived_bytes},
                         {"small_object_share", static_cast<double>(h.small_objects) /
                                                    static_cast<double>(h.live_objects)},
                         {"largest_object_bytes", h.largest_object},
                         {"churn_steps_in_run", h.steps - steps_before},
                         {"mallocs", h.mallocs},
                         {"frees", h.frees},
                         {"build_ms", build_ms}};
    std::string why;
    if (const auto r = process_malloc_reserved(&why)) {
      sh["reserved_bytes"] = *r;
      sh["reserved_of"] = "the process's malloc, task frames included on the malloc backends";
    } else {
      sh["reserved_bytes"] = nullptr;
      sh["reserved_unavailable"] = why;
    }
    s.set_extra("service_heap", sh);
  }
  s.set_latency_of(
      "one request: completion minus its intended Poisson arrival (queueing included)");
  s.set_batched_unavailable(
      "each open-loop request is timed from its own intended arrival; a batch mean would hide "
      "the queueing it measures");
  s.set_frame_size(loop.largest_block());
}

}  // namespace

ScenarioSpec open_loop_scenario() {
  return {
      "open_loop",
      "Poisson arrivals at a load of the measured capacity; latency from the intended arrival",
      {{"heap",
        "1 = clean (frames only), 2 = service (a lived-in heap of other objects through "
        "malloc, churned by every request)",
        {kHeapClean, kHeapService},
        {kHeapClean, kHeapService}},
       {"heap_mib",
        "live size of the service heap in MiB (heap=2; 1024 runs 3-6 s per process here)",
        // Quick runs the full suite's heap: a smaller heap is another workload, and quick rows
        // must pair with full ones (256 costs about 0.9 s more per process than 64 did).
        {256},
        {256}},
       {"load_pct",
        "arrival rate in percent of the capacity measured first in the same process",
        {80},
        {50, 80, 95}},
       {"rate", "absolute arrival rate in requests/s, replacing load_pct (--param rate=N)", {}, {}},
       {"yields", "yields of each request before it spawns and awaits its sub-task", {2}, {2}},
       {"heap_ops", "service heap churn steps per request (heap=2)", {2}, {2}},
       run_size_param("ops", "arrivals in the measured window (capacity: a quarter as many)",
                      {200'000}, {500'000})},
      false,
      run,
      // Tails and pacing mean nothing at callgrind's speed, and building the service heap there
      // takes minutes: it runs under --cache-sim only when named (then only its capacity run).
      false};
}

}  // namespace allocbench
