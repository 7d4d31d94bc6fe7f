// `allocbench compare`: loads and validates the reports, then prints the compare tables.
#pragma once

#include <iosfwd>

#include "harness/driver/cli.hpp"

namespace allocbench {

// 0 on success; 2 when a report is missing, malformed, of another schema, or lacks the baseline.
int compare_command(const CompareOptions& options, std::ostream& out, std::ostream& err);

}  // namespace allocbench
