// Running one child process with a deadline: stdout captured whole, stderr forwarded line by line
// (both pipes polled, so a chatty child never blocks on a full pipe), the process group killed
// with SIGKILL on timeout or when the caller asks to stop.
#pragma once

#include <chrono>
#include <cstddef>
#include <deque>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace allocbench {

struct ProcessSpec {
  std::vector<std::string> argv;  // argv[0] is the path executed (no PATH search)
  std::string cwd;                // the child's working directory; empty: inherit
  std::chrono::milliseconds timeout{600'000};
  std::function<void(std::string_view)> on_stderr_line;  // called per complete line, optional
  std::function<bool()> should_stop;                     // polled; true kills the child
  std::size_t stderr_tail_lines = 20;
  std::size_t max_stdout_bytes = 64u << 20;  // more than this is a protocol violation
};

struct ProcessResult {
  enum class End { kExited, kSignaled, kTimedOut, kStopped, kSpawnFailed };
  End end = End::kSpawnFailed;
  int exit_code = -1;  // kExited
  int signal = 0;      // kSignaled
  bool stdout_overflow = false;
  std::string out;
  std::deque<std::string> stderr_tail;
  std::string spawn_error;  // kSpawnFailed
  std::chrono::milliseconds timeout{0};

  bool succeeded() const { return end == End::kExited && exit_code == 0 && !stdout_overflow; }
};

ProcessResult run_process(const ProcessSpec& spec);

// "exited with status 3", "killed by signal SIGABRT (6)", "timed out after 10 s", ...
std::string describe_end(const ProcessResult& r);

}  // namespace allocbench
