// What differs between two reports beyond their results: the build (version, commit, build type,
// compiler and flags), the machine (CPU, kernel, timer), each backend's version, malloc provider
// and tuning, and the run's mode. `allocbench compare` opens with it (scripts/plot.py has the
// same list in plotlib/provenance.py), so a difference in the numbers can be traced to one in
// the set-up. A field a report does not record (older reports have no provenance) reads
// "not recorded"; nothing here throws on a missing or mistyped field.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace allocbench {

struct ReportDifference {
  std::string what;  // "kernel", "backend jemalloc version", ...
  std::string a, b;  // the values as text, or "not recorded"
};

struct ReportDiff {
  std::vector<ReportDifference> differ;
  std::vector<std::string> unrecorded;  // fields neither report records
};

ReportDiff report_differences(const nlohmann::json& a, const nlohmann::json& b);

// The header compare prints: a table of differences (or a line saying there are none) and a
// line naming what neither report records.
std::string format_differences(const ReportDiff& d);

nlohmann::json differences_json(const ReportDiff& d);

}  // namespace allocbench
