// What one scenario run measured in one worker process (one backend, one parameter set): the
// Session fills it while the scenario runs, the worker adds the process's memory and identity.
// Typed here, below every layer that needs it; serialised only by harness/report/probe_json
// (the worker protocol's result object, README "The worker protocol").
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "harness/probes/histogram.hpp"
#include "harness/probes/memory.hpp"
#include "harness/probes/perf_counters.hpp"

namespace allocbench {

struct Measurement {
  std::string scenario;
  std::map<std::string, std::int64_t> params;  // the workload as it ran (batch goes with latency)
  std::uint64_t ops = 0;                       // operations in the timed region
  double elapsed_ns = 0;                       // the timed region
  double wall_ns = 0;                          // the whole parameter set, set-up included
  std::optional<double> ops_per_sec;           // empty when nothing was timed

  Histogram latency{Histogram::kUnitTicks};  // single operations, in timer ticks
  std::string latency_of;                    // what one timed operation is
  std::optional<Histogram> latency_batched;  // per-operation ns16 of batches, when recorded
  std::size_t latency_batch = 0;             // operations per batched sample
  std::string latency_batched_unavailable;   // why there is no batched latency

  std::optional<std::size_t> frame_size_bytes;
  std::optional<double> allocations_per_op;  // global operator new calls; empty: not counted
  std::string allocations_unavailable;
  double backend_allocations_per_op = 0;

  // The backend's bytes at the scenario's peak live set; reserved empty when it cannot tell.
  std::size_t requested_bytes = 0;
  std::optional<std::size_t> reserved_bytes;

  // The backend's configuration as it ran, from the first note_backend (a growing slab's
  // capacity and chunks from the last): the report's per-parameter-set configuration.
  struct BackendConfigRan {
    std::size_t slot_size_bytes = 0;
    bool is_slab = false;
    std::optional<std::size_t> capacity_slots;  // slabs only
    std::optional<std::size_t> chunks;          // slabs only
  };
  std::optional<BackendConfigRan> backend_config;

  CacheFigures cache;
  nlohmann::json extra = nlohmann::json::object();  // scenario-specific figures, free-form

  // Added by the worker.
  struct Process {
    MemorySample memory;  // peak and faults: the faults as differences over the parameter set
    bool peak_rss_reset = false;
    std::string peak_rss_note;  // when the reset failed: the peak is process-wide
    std::int64_t pid = 0;
    std::uint64_t earlier_runs = 0;  // parameter sets this process ran before (0 expected)
    std::string cpus_allowed;
  };
  std::optional<Process> process;
  std::optional<int> threads;  // when the scenario ran on several threads
  std::string not_comparable;  // why this row must not be set beside the others
};

}  // namespace allocbench
