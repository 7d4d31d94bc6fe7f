// `allocbench list`: the backends whose workers exist, and the scenarios with their parameters.
#pragma once

#include <iosfwd>

namespace allocbench {

int list_command(std::ostream& out, std::ostream& err);

}  // namespace allocbench
