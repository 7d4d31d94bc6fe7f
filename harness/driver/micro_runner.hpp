// Running a backend's Google Benchmark suite (allocbench-micro-<backend>, next to allocbench)
// as its own process, under the same time limit and failure rules as a worker.
#pragma once

#include <chrono>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace allocbench {

inline constexpr const char* kMicroPrefix = "allocbench-micro-";

struct MicroCall {
  std::filesystem::path dir;  // where the executables are
  std::string backend;
  std::uint64_t repetitions = 3;      // --benchmark_repetitions
  std::optional<std::string> filter;  // --benchmark_filter
  std::chrono::milliseconds timeout{600'000};
  std::function<void(std::string_view)> on_stderr_line;
};

struct MicroReply {
  bool ok = false;
  bool interrupted = false;
  // The report's micro.<backend>: {"status": "ok", "context", "benchmarks"} with Google
  // Benchmark's rows as it wrote them, or {"status": "failed", "error"}.
  nlohmann::json entry;
};

// The executable's arguments: JSON on stdout, the repetitions, and the filter if any.
std::vector<std::string> micro_args(const MicroCall& call);

MicroReply run_micro(const MicroCall& call);

}  // namespace allocbench
