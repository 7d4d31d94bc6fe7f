// Finding the per-backend worker executables next to `allocbench` and asking them for JSON:
// `info`, `machine` and `run` (README, "The worker protocol").
#pragma once

#include <chrono>
#include <filesystem>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace allocbench {

inline constexpr const char* kWorkerPrefix = "allocbench-worker-";
// The order backends are listed and run in: the registry's (allocbench_add_backend calls in
// allocators/CMakeLists.txt); workers with other names follow, sorted.
const std::vector<std::string>& registered_backends();

// The directory holding the running executable (/proc/self/exe, symlinks resolved).
std::filesystem::path own_directory();

// Backends whose worker executable exists in dir, in the registry's order.
std::vector<std::string> discover_backends(const std::filesystem::path& dir);

std::filesystem::path worker_path(const std::filesystem::path& dir, const std::string& backend);

struct WorkerReply {
  bool ok = false;
  bool interrupted = false;  // stopped by SIGINT/SIGTERM: not the worker's fault
  nlohmann::json output;     // when ok
  std::string error;         // when !ok: the cause, then the tail of its stderr
};

struct WorkerCall {
  std::filesystem::path path;
  std::vector<std::string> args;
  std::chrono::milliseconds timeout{600'000};
  std::function<void(std::string_view)> on_stderr_line;
  // Returns "" when the parsed stdout follows the protocol, else what is wrong.
  std::function<std::string(const nlohmann::json&)> check;
};

// Runs the worker; ok only if it exits 0 and prints one JSON object that passes check.
WorkerReply call_worker(const WorkerCall& call);

}  // namespace allocbench
