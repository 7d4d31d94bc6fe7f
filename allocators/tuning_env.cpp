#include "allocators/tuning_env.hpp"

#include <unistd.h>

#include <algorithm>
#include <cstdlib>

namespace allocbench {

std::string env_or_unset(const char* name) {
  const char* value = std::getenv(name);
  return value != nullptr ? std::string(value) : std::string("(unset)");
}

void add_env(Tuning& tuning, const char* name) {
  tuning.emplace_back(name, env_or_unset(name));
}

void add_env_prefixed(Tuning& tuning, std::string_view prefix) {
  Tuning found;
  for (char** entry = environ; entry != nullptr && *entry != nullptr; ++entry) {
    const std::string_view kv(*entry);
    const std::size_t eq = kv.find('=');
    if (eq == std::string_view::npos || !kv.starts_with(prefix)) continue;
    std::string name(kv.substr(0, eq));
    const bool listed = std::any_of(tuning.begin(), tuning.end(),
                                    [&](const auto& entry_kv) { return entry_kv.first == name; });
    if (!listed) found.emplace_back(std::move(name), std::string(kv.substr(eq + 1)));
  }
  std::sort(found.begin(), found.end());
  tuning.insert(tuning.end(), found.begin(), found.end());
}

}  // namespace allocbench
