#include "harness/driver/cache_sim.hpp"

#include <stdlib.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <string>

#include "harness/report/cache_sim.hpp"
#include "harness/report/sanitize.hpp"

namespace allocbench {

namespace fs = std::filesystem;

namespace {

constexpr const char* kDumpPrefix = "cg.";

// A mkdtemp directory, removed with everything in it when this goes out of scope.
class TempDir {
 public:
  TempDir() {
    std::string tmpl = (fs::temp_directory_path() / "allocbench-callgrind-XXXXXX").string();
    if (::mkdtemp(tmpl.data()) == nullptr) {
      error_ = "mkdtemp " + tmpl + ": " + std::strerror(errno);
      return;
    }
    path_ = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    if (!path_.empty()) fs::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const fs::path& path() const { return path_; }
  const std::string& error() const { return error_; }

 private:
  fs::path path_;
  std::string error_;
};

std::string level_arg(const char* name, const CacheGeometry& g) {
  const CacheLevel& c = g.at(name);
  return std::string("--") + name + "=" + std::to_string(c.size_bytes) + "," +
         std::to_string(c.ways) + "," + std::to_string(c.line_bytes);
}

}  // namespace

std::optional<fs::path> find_valgrind() {
  const char* path = std::getenv("PATH");
  if (!path) return std::nullopt;
  const std::string dirs = path;
  std::size_t start = 0;
  while (start <= dirs.size()) {
    std::size_t colon = dirs.find(':', start);
    if (colon == std::string::npos) colon = dirs.size();
    const fs::path dir = dirs.substr(start, colon - start);
    start = colon + 1;
    if (dir.empty()) continue;
    const fs::path candidate = dir / "valgrind";
    std::error_code ec;
    if (fs::is_regular_file(candidate, ec) && ::access(candidate.c_str(), X_OK) == 0) {
      return candidate;
    }
  }
  return std::nullopt;
}

std::string check_temp_directory() {
  std::error_code ec;
  const fs::path dir = fs::temp_directory_path(ec);  // fails unless TMPDIR is a directory
  if (ec) {
    const char* env = std::getenv("TMPDIR");
    return "the temporary directory " + std::string(env ? env : "/tmp") +
           " (TMPDIR) is not a directory: " + ec.message();
  }
  if (::access(dir.c_str(), W_OK | X_OK) != 0) {
    return "the temporary directory " + dir.string() +
           " (TMPDIR) is not writable: " + std::strerror(errno);
  }
  return {};
}

std::vector<std::string> callgrind_argv(const fs::path& valgrind, const fs::path& dump_dir,
                                        const CacheGeometry& geometry, const WorkerCall& call) {
  std::vector<std::string> argv = {
      valgrind.string(),
      "--tool=callgrind",
      "--cache-sim=yes",
      "--collect-atstart=no",
      level_arg("D1", geometry),
      level_arg("I1", geometry),
      level_arg("LL", geometry),
      "--callgrind-out-file=" + (dump_dir / (std::string(kDumpPrefix) + "%p")).string(),
      call.path.string()};
  argv.insert(argv.end(), call.args.begin(), call.args.end());
  argv.push_back("--cache-sim");
  return argv;
}

WorkerReply call_worker_under_callgrind(const WorkerCall& call, const fs::path& valgrind,
                                        const CacheGeometry& geometry) {
  TempDir dumps;
  if (!dumps.error().empty()) {
    WorkerReply r;
    r.error = sanitize_utf8("cannot make a directory for callgrind's dumps: " + dumps.error());
    return r;
  }
  std::vector<std::string> argv = callgrind_argv(valgrind, dumps.path(), geometry, call);
  WorkerCall under = call;
  under.path = argv.front();
  under.args.assign(argv.begin() + 1, argv.end());
  WorkerReply reply = call_worker(under);
  if (!reply.ok) return reply;
  try {
    attach_callgrind(reply.output, sum_callgrind_dumps(dumps.path(), kDumpPrefix), geometry);
  } catch (const std::exception& e) {
    reply.ok = false;
    reply.error = sanitize_utf8(std::string("callgrind dumps: ") + e.what());
  }
  return reply;
}

}  // namespace allocbench
