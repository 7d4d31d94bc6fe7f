#include "harness/driver/process.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <optional>

namespace allocbench {

namespace {

using Clock = std::chrono::steady_clock;

struct Pipe {
  int fd[2] = {-1, -1};
  bool open() { return ::pipe2(fd, O_CLOEXEC) == 0; }
  void close_end(int i) {
    if (fd[i] >= 0) ::close(fd[i]);
    fd[i] = -1;
  }
  ~Pipe() {
    close_end(0);
    close_end(1);
  }
};

// Splits stderr into lines, forwarding each and keeping the last few.
struct LineSink {
  const ProcessSpec& spec;
  ProcessResult& result;
  std::string partial;

  void feed(const char* data, std::size_t n) {
    partial.append(data, n);
    std::size_t start = 0;
    for (std::size_t nl; (nl = partial.find('\n', start)) != std::string::npos; start = nl + 1) {
      emit(std::string_view(partial).substr(start, nl - start));
    }
    partial.erase(0, start);
    // A child that never prints a newline still must not grow this without bound.
    if (partial.size() > 65536) flush();
  }
  void flush() {
    if (!partial.empty()) emit(partial);
    partial.clear();
  }
  void emit(std::string_view line) {
    if (spec.on_stderr_line) spec.on_stderr_line(line);
    result.stderr_tail.emplace_back(line);
    while (result.stderr_tail.size() > spec.stderr_tail_lines) result.stderr_tail.pop_front();
  }
};

// Only descriptors 0-2 go to the child: whatever else this process holds (inherited from its own
// parent without close-on-exec, say) is marked close-on-exec; status_fd already is.
void close_other_descriptors() {
  if (::close_range(3, ~0U, CLOSE_RANGE_CLOEXEC) == 0) return;
  const long max = std::min(::sysconf(_SC_OPEN_MAX), 1L << 16);
  for (int fd = 3; fd < max; ++fd) ::fcntl(fd, F_SETFD, FD_CLOEXEC);
}

[[noreturn]] void exec_child(const std::vector<char*>& argv, const char* cwd, int out_fd,
                             int err_fd, int status_fd, pid_t parent) {
  ::setpgid(0, 0);  // its own group, so a kill reaches everything it started
  // The child dies with us even when we are killed outright (SIGKILL): it is in its own group,
  // so nothing else would reach it. The check closes the race with a parent already gone.
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (::getppid() != parent) ::_exit(127);
  const int null_fd = ::open("/dev/null", O_RDONLY);
  if (null_fd >= 0) ::dup2(null_fd, STDIN_FILENO);
  ::dup2(out_fd, STDOUT_FILENO);
  ::dup2(err_fd, STDERR_FILENO);
  close_other_descriptors();
  sigset_t all;
  ::sigemptyset(&all);
  ::sigprocmask(SIG_SETMASK, &all, nullptr);
  ::signal(SIGPIPE, SIG_DFL);
  if (cwd && ::chdir(cwd) != 0) {
    const int err = errno;
    [[maybe_unused]] ssize_t w = ::write(status_fd, &err, sizeof err);
    ::_exit(127);
  }
  ::execv(argv[0], argv.data());
  const int err = errno;
  [[maybe_unused]] ssize_t w = ::write(status_fd, &err, sizeof err);
  ::_exit(127);
}

}  // namespace

ProcessResult run_process(const ProcessSpec& spec) {
  ProcessResult result;
  result.timeout = spec.timeout;
  if (spec.argv.empty()) {
    result.spawn_error = "empty command";
    return result;
  }
  Pipe out, err, status;
  if (!out.open() || !err.open() || !status.open()) {
    result.spawn_error = std::string("pipe: ") + std::strerror(errno);
    return result;
  }
  std::vector<char*> argv;
  for (const auto& a : spec.argv) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);

  const pid_t self = ::getpid();
  const pid_t pid = ::fork();
  if (pid < 0) {
    result.spawn_error = std::string("fork: ") + std::strerror(errno);
    return result;
  }
  if (pid == 0)
    exec_child(argv, spec.cwd.empty() ? nullptr : spec.cwd.c_str(), out.fd[1], err.fd[1],
               status.fd[1], self);
  ::setpgid(pid, pid);  // also here: whichever of parent and child runs first wins the race
  out.close_end(1);
  err.close_end(1);
  status.close_end(1);

  int exec_errno = 0;
  if (::read(status.fd[0], &exec_errno, sizeof exec_errno) == sizeof exec_errno) {
    ::waitpid(pid, nullptr, 0);
    result.spawn_error = spec.argv[0] + ": " + std::strerror(exec_errno);
    return result;
  }

  LineSink sink{spec, result, {}};
  const auto deadline = Clock::now() + spec.timeout;
  int wait_status = 0;
  bool reaped = false;
  char buf[65536];
  // Reads whatever is ready on the open pipes, waiting at most wait_ms.
  auto pump = [&](int wait_ms) {
    pollfd fds[2];
    int n = 0;
    if (out.fd[0] >= 0) fds[n++] = {out.fd[0], POLLIN, 0};
    if (err.fd[0] >= 0) fds[n++] = {err.fd[0], POLLIN, 0};
    if (n == 0) {
      if (wait_ms > 0) ::poll(nullptr, 0, wait_ms);
      return false;
    }
    if (::poll(fds, n, wait_ms) <= 0) return false;  // timeout, or EINTR from a signal
    for (int i = 0; i < n; ++i) {
      if (!(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      const bool is_out = fds[i].fd == out.fd[0];
      const ssize_t got = ::read(fds[i].fd, buf, sizeof buf);
      if (got < 0 && errno == EINTR) continue;
      if (got <= 0) {
        (is_out ? out : err).close_end(0);
      } else if (is_out) {
        if (result.out.size() + static_cast<std::size_t>(got) > spec.max_stdout_bytes) {
          result.stdout_overflow = true;
        } else {
          result.out.append(buf, static_cast<std::size_t>(got));
        }
      } else {
        sink.feed(buf, static_cast<std::size_t>(got));
      }
    }
    return true;
  };

  std::optional<ProcessResult::End> killed;
  while (!reaped) {
    if (spec.should_stop && spec.should_stop()) killed = ProcessResult::End::kStopped;
    if (!killed && Clock::now() >= deadline) killed = ProcessResult::End::kTimedOut;
    if (killed) {
      ::kill(-pid, SIGKILL);
      ::kill(pid, SIGKILL);
      ::waitpid(pid, &wait_status, 0);
      reaped = true;
      break;
    }
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    pump(static_cast<int>(std::clamp<long long>(left.count(), 0, 50)));
    const pid_t w = ::waitpid(pid, &wait_status, WNOHANG);
    if (w == pid) reaped = true;
  }
  if (!killed) {
    // Drain what the child wrote before exiting; a grandchild holding the pipe must not block us.
    while (pump(0)) {
    }
  }
  sink.flush();

  if (killed) {
    result.end = *killed;
  } else if (WIFEXITED(wait_status)) {
    result.end = ProcessResult::End::kExited;
    result.exit_code = WEXITSTATUS(wait_status);
  } else if (WIFSIGNALED(wait_status)) {
    result.end = ProcessResult::End::kSignaled;
    result.signal = WTERMSIG(wait_status);
  }
  return result;
}

std::string describe_end(const ProcessResult& r) {
  switch (r.end) {
    case ProcessResult::End::kExited:
      if (r.stdout_overflow) return "printed more than the stdout limit";
      return "exited with status " + std::to_string(r.exit_code);
    case ProcessResult::End::kSignaled: {
      const char* abbrev = ::sigabbrev_np(r.signal);
      return "killed by signal " + (abbrev ? "SIG" + std::string(abbrev) : "") + " (" +
             std::to_string(r.signal) + ")";
    }
    case ProcessResult::End::kTimedOut: {
      const auto ms = r.timeout.count();
      return "timed out after " +
             (ms % 1000 ? std::to_string(ms) + " ms" : std::to_string(ms / 1000) + " s");
    }
    case ProcessResult::End::kStopped:
      return "stopped by an interrupt";
    case ProcessResult::End::kSpawnFailed:
      return "could not be started: " + r.spawn_error;
  }
  return "ended in an unknown way";
}

}  // namespace allocbench
