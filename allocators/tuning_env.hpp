// The tuning variables a backend reports: environment variables and allocator options as
// name/value strings, in a stable order.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace allocbench {

using Tuning = std::vector<std::pair<std::string, std::string>>;

// The variable's value, or "(unset)" so a report shows it was looked at.
std::string env_or_unset(const char* name);

// Appends {name, env_or_unset(name)}.
void add_env(Tuning& tuning, const char* name);

// Appends every environment variable starting with `prefix` that `tuning` does not name yet,
// sorted by name, so settings nobody listed in advance still reach the report.
void add_env_prefixed(Tuning& tuning, std::string_view prefix);

}  // namespace allocbench
