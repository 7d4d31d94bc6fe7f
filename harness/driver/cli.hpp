// Command-line parsing for `allocbench` (CLI11). Every parse or validation error becomes exit 2
// with a message naming the flag; names that need the workers (backends, scenarios, params) are
// checked later by the commands themselves.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

namespace allocbench {

inline constexpr int kExitOk = 0;
inline constexpr int kExitSomeFailed = 1;
inline constexpr int kExitUsage = 2;
inline constexpr int kExitInterrupted = 130;

struct ListOptions {};

struct RunOptions {
  std::vector<std::string> backends;   // empty: every worker found
  std::vector<std::string> scenarios;  // empty: every scenario the workers know
  std::string mode = "quick";
  std::uint64_t repetitions = 3;  // quick 3, full 5 unless --repetitions
  std::uint64_t threads = 1;
  std::uint64_t seed = 1;
  std::uint64_t timeout_s = 600;
  // --param name=a,b,c, in order: the values replace the mode's list for that parameter (one
  // value fixes it, several sweep it).
  std::vector<std::pair<std::string, std::vector<std::uint64_t>>> params;
  std::optional<std::string> out;
  // Google Benchmark suite (allocbench-micro-<b>) after the scenarios: --micro, or --full unless
  // --no-micro; micro_only skips the scenarios. micro_filter: hidden --micro-filter REGEX.
  bool micro = false;
  bool micro_only = false;
  std::optional<std::string> micro_filter;
  // Workers under callgrind (README, "Cache simulation"): one repetition, a longer default timeout
  // and, unless --scenarios, the scenarios that declare themselves in the cache-simulation suite
  // (ScenarioSpec::in_cache_sim_suite, "in_cache_sim_suite" in the worker's catalog).
  bool cache_sim = false;
  bool scenarios_given = false;
  // Statistics (README, "How sure each number is"): a result whose throughput CV exceeds
  // noise_threshold is flagged "noisy".
  double noise_threshold = 0.05;
  // --repetitions auto: repeat until every result's median CI half-width is within target_ci of
  // its median, or max_repetitions / max_time_s is reached.
  bool auto_repetitions = false;
  double target_ci = 0.03;
  std::uint64_t max_repetitions = 30;
  std::uint64_t max_time_s = 3600;
  // --pin CPU: the driver pins itself (and so every worker it starts) to this CPU.
  std::optional<int> pin_cpu;
  // Progress on stderr (harness/driver/progress.hpp): --quiet only failures and the summary;
  // --verbose every worker's own lines.
  bool quiet = false;
  bool verbose = false;
  // argv as given, for the report's provenance.
  std::vector<std::string> command_line;
};

// A cache-simulation run's default timeout: valgrind is tens of times slower.
inline constexpr std::uint64_t kCacheSimTimeoutS = 3600;

struct CompareOptions {
  std::vector<std::string> files;  // one with baseline, else two
  std::optional<std::string> baseline;
  double min_effect = 0.02;              // a significant change smaller than this is "no change"
  double noise_threshold = 0.05;         // CV above which a side is "noisy"
  std::optional<double> fail_if_slower;  // exit 1 when a row is significantly slower by more
  std::optional<std::string> json_out;   // also write the comparison as JSON here
};

using Command = std::variant<ListOptions, RunOptions, CompareOptions>;

struct ParseOutcome {
  std::optional<Command> command;  // set when parsing succeeded
  int exit_code = kExitOk;         // meaningful when command is empty (help: 0, error: 2)
};

// Parses argv; writes help to out and errors (with usage) to err.
ParseOutcome parse_command_line(int argc, const char* const* argv, std::string& out,
                                std::string& err);

// "--repetitions" "3" -> 3; throws std::invalid_argument naming the flag unless text is a
// positive decimal integer that fits in 64 bits.
std::uint64_t parse_positive(const std::string& flag, const std::string& text);

// "2.5" -> 0.025 (a percentage as a fraction); throws std::invalid_argument naming the flag
// unless text is a finite decimal number in (0, 100) ([0, 100) when zero_ok).
double parse_percent(const std::string& flag, const std::string& text, bool zero_ok = false);

// "a,b" -> {"a", "b"}; empty items are an error naming the flag.
std::vector<std::string> split_list(const std::string& flag, const std::string& text);

}  // namespace allocbench
