#include "harness/micro/finite_json_reporter.hpp"

#include <cmath>
#include <iterator>

namespace allocbench::micro {

void FiniteJsonReporter::ReportRuns(const std::vector<Run>& runs) {
  std::vector<Run> finite(runs);
  for (Run& run : finite) {
    for (auto it = run.counters.begin(); it != run.counters.end();) {
      it = std::isfinite(it->second.value) ? std::next(it) : run.counters.erase(it);
    }
  }
  JSONReporter::ReportRuns(finite);
}

}  // namespace allocbench::micro
