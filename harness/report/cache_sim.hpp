// The cache-simulation mode's part of the report: the fixed geometry callgrind simulates, the
// per-operation figures computed from callgrind's dumps, and the timing a valgrind run cannot give.
#pragma once

#include <map>
#include <string>

#include <nlohmann/json.hpp>

#include "harness/report/callgrind_dump.hpp"

namespace allocbench {

// I1 and D1 32 KiB 8-way, LL 8 MiB 16-way, 64-byte lines: fixed so that figures from different
// machines compare. Not this machine's caches (those are in machine.caches).
CacheGeometry cache_sim_geometry();

// {"I1": {"size_bytes", "ways", "line_bytes"}, "D1": {...}, "LL": {...}}
nlohmann::json geometry_json(const CacheGeometry& g);

// Why the timing of a cache-simulation run is left out of the report.
inline constexpr const char* kTimingUnderCallgrind =
    "not meaningful under callgrind: valgrind runs the worker tens of times slower";

// Replaces the `cache` of every result in one worker `run` output (which carries
// {"source": "callgrind", "label"}) with {"source": "callgrind", "geometry", "instructions_per_op",
// "d1_misses_per_op", "ll_misses_per_op", "i1_misses_per_op", "ops", "label", "dumps", "events"}:
// the label's summed events divided by the result's `ops`. D1 and LL misses are data reads plus
// writes (D1mr + D1mw, DLmr + DLmw). A result whose label has no dump, or without ops, gets
// {"source": "unavailable", "reason"}.
void attach_callgrind(nlohmann::json& run_output, const std::map<std::string, LabelTotals>& totals,
                      const CacheGeometry& requested);

// Merged results of a cache-simulation run: throughput and latency become
// {"source": "unavailable", "reason"} and each result says "timing": kTimingUnderCallgrind;
// peak RSS and page faults (valgrind's own memory is in them) become null with the reason.
void mark_timing_unavailable(nlohmann::json& results);

}  // namespace allocbench
