// Google Benchmark's JSON reporter, minus counters that are not finite numbers. The "cv"
// aggregate of a counter whose mean is 0 (global_allocs_per_item on a slab backend, say) is
// 0/0, which the stock reporter writes as a bare NaN: not JSON, and nlohmann::json rejects it.
// Such a counter is left out of that row instead; the row's other values stay.
#pragma once

#include <benchmark/benchmark.h>

#include <vector>

namespace allocbench::micro {

class FiniteJsonReporter : public benchmark::JSONReporter {
 public:
  void ReportRuns(const std::vector<Run>& runs) override;
};

}  // namespace allocbench::micro
