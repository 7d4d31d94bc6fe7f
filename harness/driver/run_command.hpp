// `allocbench run`: every repetition runs each chosen backend's worker once, in an order rotated
// between repetitions; the outputs are merged into one report written atomically. The steps
// are apart and testable: plan (run_plan.hpp), repetitions (repetitions.hpp), the micro suite
// (here), report assembly (run_report.hpp).
#pragma once

#include <iosfwd>

#include "harness/driver/cli.hpp"

namespace allocbench {

// Summary table on out, progress and errors on err. Returns 0 when every backend ran, 1 when
// some failed, 2 for bad input (checked before any worker runs), 130 when interrupted.
int run_command(const RunOptions& options, std::ostream& out, std::ostream& err);

}  // namespace allocbench
