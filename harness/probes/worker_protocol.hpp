// The worker protocol's replies as types (README, "The worker protocol"): what `info` and `run`
// print. The worker fills them; harness/report/probe_json serialises them, and nothing else
// writes their JSON.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "harness/probes/measurement.hpp"

namespace allocbench {

struct BackendInfo {
  std::string name, library, version;
  std::string malloc_provider;  // the library that really serves malloc in this process
  bool reclaims_frees = true;   // false: an arena whose frees are no-ops (pmr_monotonic)
  std::vector<std::pair<std::string, std::string>> tuning;
  std::string
      reserved_meaning;  // what its reserved bytes count ("not stated" when it does not say)
};

struct ParamInfo {
  std::string name, description;
  std::vector<std::int64_t> quick, full;
  bool run_size = false;
};

struct ScenarioInfo {
  std::string name, description;
  bool uses_threads = false;
  bool in_cache_sim_suite = true;
  bool reuses_freed_frames = true;
  std::vector<ParamInfo> params;
};

// `allocbench-worker-<b> info`.
struct WorkerInfo {
  BackendInfo backend;
  std::vector<ScenarioInfo> scenarios;
};

// `allocbench-worker-<b> run ...`.
struct WorkerRun {
  BackendInfo backend;
  std::vector<Measurement> results;
};

}  // namespace allocbench
