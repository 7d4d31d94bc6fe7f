#include "harness/worker/scenario_runner.hpp"

#include <barrier>
#include <chrono>
#include <cstdio>
#include <thread>

#include <sched.h>
#include <unistd.h>

#include "allocators/backend.hpp"
#include "harness/params.hpp"
#include "harness/probes/memory.hpp"

namespace allocbench {
namespace {

// Every parameter set of the scenario for the mode (an override fixes one value).
std::vector<Params> grid(const ScenarioSpec& spec, const RunOptions& o) {
  std::vector<ParamAxis<std::int64_t>> axes;
  for (const auto& p : spec.params) {
    std::vector<std::int64_t> values = o.mode == "full" ? p.full : p.quick;
    if (auto it = o.overrides.find(p.name); it != o.overrides.end()) values = {it->second};
    if (values.empty()) continue;  // no default: the parameter is absent unless given
    axes.push_back({p.name, std::move(values)});
  }
  std::vector<Params> sets;
  for (const auto& set : expand_param_grid(axes)) sets.emplace_back(set.begin(), set.end());
  return sets;
}

// Under callgrind, operation counts shrink 100x (at least 100 ops): the simulation is ~50x
// slower and the counts per operation are deterministic, so few operations suffice.
Params for_cache_sim(Params p) {
  for (const char* k : {"ops", "samples"}) {
    if (auto it = p.find(k); it != p.end())
      it->second = std::max<std::int64_t>(100, it->second / 100);
  }
  return p;
}

// The CPUs this process may run on, e.g. "0,1" ("0" under allocbench run --pin 0).
std::string cpus_allowed() {
  cpu_set_t set;
  CPU_ZERO(&set);
  if (::sched_getaffinity(0, sizeof set, &set) != 0) return "unknown";
  std::string list;
  for (int c = 0; c < CPU_SETSIZE; ++c) {
    if (!CPU_ISSET(c, &set)) continue;
    if (!list.empty()) list += ',';
    list += std::to_string(c);
  }
  return list;
}

}  // namespace

std::vector<Measurement> run_scenario(const ScenarioSpec& spec, const RunOptions& o) {
  // Parameter sets this process ran before the current one: the driver starts a fresh process
  // for each, so 0 is expected; the report keeps it as evidence (README, "Isolation").
  static std::uint64_t earlier_runs = 0;
  std::vector<Measurement> out;
  const int threads = spec.uses_threads ? o.threads : 1;
  for (Params p : grid(spec, o)) {
    if (o.cache_sim) p = for_cache_sim(p);
    // Names callgrind's dump and the progress line: the workload, not its size or batch.
    const std::string label = param_label(spec.name, p, {"ops", "samples", "batch"});
    std::fprintf(stderr, "running %s\n", label.c_str());
    const PeakRssReset reset = reset_peak_rss();
    const MemorySample before = read_memory();
    const auto t0 = std::chrono::steady_clock::now();

    std::vector<Session> sessions;
    sessions.reserve(static_cast<std::size_t>(threads));
    for (int t = 0; t < threads; ++t) {
      sessions.emplace_back(p, o.seed + static_cast<std::uint64_t>(t), o.cache_sim, label);
    }
    if (threads == 1) {
      spec.run(sessions[0]);
    } else {
      // N independent runtimes, one per thread, started together.
      std::barrier start(threads);
      std::vector<std::thread> pool;
      for (int t = 0; t < threads; ++t) {
        pool.emplace_back([&, t] {
          start.arrive_and_wait();
          spec.run(sessions[static_cast<std::size_t>(t)]);
        });
      }
      for (auto& th : pool) th.join();
      for (int t = 1; t < threads; ++t) sessions[0].merge(sessions[static_cast<std::size_t>(t)]);
    }

    const double wall_ns =
        std::chrono::duration<double, std::nano>(std::chrono::steady_clock::now() - t0).count();
    const MemorySample after = read_memory();
    Measurement r = sessions[0].result(spec.name, wall_ns);
    if (threads > 1) r.threads = threads;
    Measurement::Process& proc = r.process.emplace();
    proc.memory = after;
    proc.memory.minor_faults = after.minor_faults - before.minor_faults;
    proc.memory.major_faults = after.major_faults - before.major_faults;
    proc.peak_rss_reset = reset.ok;
    if (!reset.ok) proc.peak_rss_note = "process-wide peak (reset failed: " + reset.detail + ")";
    proc.pid = static_cast<std::int64_t>(::getpid());
    proc.earlier_runs = earlier_runs;
    proc.cpus_allowed = cpus_allowed();
    if (!TaskBackend::kReclaimsFrees && spec.reuses_freed_frames) {
      r.not_comparable = std::string(TaskBackend::name()) +
                         " never reuses a freed frame, and this scenario frees frames and "
                         "spawns again: every spawn takes new memory (a pointer bump plus "
                         "first-touch page faults) and its memory grows with the operation "
                         "count";
    }
    ++earlier_runs;
    out.push_back(std::move(r));
  }
  return out;
}

}  // namespace allocbench
