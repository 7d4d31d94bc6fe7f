// The one place the probes' and the worker's typed results become JSON (and histograms come
// back from it): the report's "machine", a result row as the worker prints it, the worker's
// `info` and `run` replies.
#pragma once

#include <nlohmann/json.hpp>

#include "harness/probes/histogram.hpp"
#include "harness/probes/machine.hpp"
#include "harness/probes/measurement.hpp"
#include "harness/probes/worker_protocol.hpp"

namespace allocbench {

nlohmann::json to_json(const MachineInfo& m);
nlohmann::json to_json(const CpuFreqInfo& f);
// {"source": "hw", "l1d_misses_per_op", ...}, {"source": "callgrind", "label"} or
// {"source": "unavailable", "reason"}.
nlohmann::json to_json(const CacheFigures& c);
// One result object of the worker protocol.
nlohmann::json to_json(const Measurement& m);
nlohmann::json to_json(const BackendInfo& b);
nlohmann::json to_json(const WorkerInfo& w);
nlohmann::json to_json(const WorkerRun& w);

// Sparse: {"scheme", "sub_bucket_bits", "index_count", "unit", "count", "min", "max",
//          "buckets": [[index, count], ...]} with only non-zero buckets, in index order.
nlohmann::json to_json(const Histogram& h);
// Throws std::invalid_argument naming what is wrong: another layout, a missing or mistyped
// field, an index out of range, or counts that disagree with "count".
Histogram histogram_from_json(const nlohmann::json& j);

}  // namespace allocbench
