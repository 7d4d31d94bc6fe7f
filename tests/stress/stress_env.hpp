// How many seeds a stress run covers, from the environment:
//   STRESS_SEED=<n>     replay exactly seed n (the fixed batch runs only it; no random batch)
//   STRESS_SEEDS=<n>    the fixed batch is seeds 1..n (default 1000)
//   STRESS_SECONDS=<s>  the random batch runs fresh seeds for s seconds (default 5; 0: none)
#pragma once

#include <cstdint>
#include <cstdlib>
#include <optional>
#include <string>

namespace allocbench::stress {

inline std::optional<std::uint64_t> env_u64(const char* name) {
  const char* v = std::getenv(name);
  if (v == nullptr || *v == '\0') return std::nullopt;
  return std::stoull(v);
}

inline std::optional<double> env_double(const char* name) {
  const char* v = std::getenv(name);
  if (v == nullptr || *v == '\0') return std::nullopt;
  return std::stod(v);
}

struct StressEnv {
  std::optional<std::uint64_t> replay;  // STRESS_SEED
  std::uint64_t fixed_seeds = 1000;     // STRESS_SEEDS
  double random_seconds = 5.0;          // STRESS_SECONDS

  static StressEnv from_environment() {
    StressEnv e;
    e.replay = env_u64("STRESS_SEED");
    if (auto n = env_u64("STRESS_SEEDS")) e.fixed_seeds = *n;
    if (auto s = env_double("STRESS_SECONDS")) e.random_seconds = *s;
    return e;
  }
};

}  // namespace allocbench::stress
