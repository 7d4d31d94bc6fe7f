// A scenario: a named spawn / claim / free workload that declares its own traits (parameters
// with their quick and full values, whether it honours --threads, whether the cache-simulation
// suite runs it by default). Each lives in its own file and is listed in registry.cpp (README,
// "Adding a scenario"). Scenarios are compiled once per backend, with the process's
// TaskBackend, like the runtime they drive; they measure through the Session (session.hpp).
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "runtime/runtime.hpp"
#include "scenarios/session.hpp"

namespace allocbench {

struct ParamSpec {
  std::string name;
  std::string description;
  std::vector<std::int64_t> quick;  // values swept by the quick suite
  std::vector<std::int64_t> full;   // values swept by the full suite
  // A run-size parameter says how much is measured (operations timed, latency samples, batch
  // size), not what: results of two runs whose workload parameters agree are the same workload
  // and are paired by `allocbench compare` whatever their run sizes (quick vs full).
  bool run_size = false;
};

// A run-size parameter (see ParamSpec::run_size); every other parameter defines the workload.
inline ParamSpec run_size_param(std::string name, std::string description,
                                std::vector<std::int64_t> quick, std::vector<std::int64_t> full) {
  return {std::move(name), std::move(description), std::move(quick), std::move(full), true};
}

struct ScenarioSpec {
  std::string name;
  std::string description;  // one line
  std::vector<ParamSpec> params;
  bool uses_threads = false;  // honours --threads (N independent runtimes, one per thread)
  std::function<void(Session&)> run;
  // `allocbench run --cache-sim` without --scenarios runs it. Off where valgrind makes it
  // impractical (an 80 MiB walk per operation; wake-ups across threads, which valgrind
  // serialises); it still runs under callgrind when named.
  bool in_cache_sim_suite = true;
  // The measured loop frees frames and spawns again, so its figures include reusing freed
  // memory. A backend whose frees are no-ops (TaskAllocator::kReclaimsFrees false: pmr_monotonic)
  // would report a bump pointer that grows without bound: the worker marks its rows here not
  // comparable.
  bool reuses_freed_frames = true;
};

const std::vector<ScenarioSpec>& all_scenarios();
const ScenarioSpec* find_scenario(const std::string& name);

}  // namespace allocbench
