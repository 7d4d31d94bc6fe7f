// End-to-end test support: a temporary directory holding a copy of the allocbench binary (a copy,
// because /proc/self/exe resolves symlinks and the driver looks for workers beside itself) and
// fake-worker symlinks named allocbench-worker-<name>; and a way to run it and collect output.
#pragma once

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "harness/driver/process.hpp"

namespace allocbench::testing {

namespace fs = std::filesystem;

struct DriverRun {
  ProcessResult process;
  std::string out, err;
  int exit_code() const {
    return process.end == ProcessResult::End::kExited ? process.exit_code : -1;
  }
  bool crashed() const { return process.end != ProcessResult::End::kExited; }
};

inline std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

class DriverTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/allocbench-e2e-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    // ALLOCBENCH_TEST_BIN runs these tests against another build's driver (e.g. the commit
    // before a fix, to see a new test fail there).
    const char* bin = std::getenv("ALLOCBENCH_TEST_BIN");
    fs::copy_file(bin && *bin ? bin : ALLOCBENCH_BIN, dir_ / "allocbench");
    log_ = dir_ / "calls.log";
    ::setenv("FAKE_WORKER_LOG", log_.c_str(), 1);
    ::unsetenv("FAKE_WORKER_MODE");
    ::unsetenv("FAKE_WORKER_INTERRUPT_AT");
    ::unsetenv("FAKE_MICRO_MODE");
  }
  void TearDown() override { fs::remove_all(dir_); }

  void install(const std::vector<std::string>& backends) {
    for (const auto& b : backends) {
      fs::create_symlink(FAKE_WORKER_BIN, dir_ / ("allocbench-worker-" + b));
    }
  }
  // Fake allocbench-micro-<b> executables (fake-worker answers to that name too).
  void install_micro(const std::vector<std::string>& backends) {
    for (const auto& b : backends) {
      fs::create_symlink(FAKE_WORKER_BIN, dir_ / ("allocbench-micro-" + b));
    }
  }

  DriverRun run(std::vector<std::string> args,
                std::chrono::seconds timeout = std::chrono::seconds(120)) {
    args.insert(args.begin(), (dir_ / "allocbench").string());
    return run_argv(std::move(args), timeout);
  }

  // Any command (e.g. a shell around allocbench) in the test directory.
  DriverRun run_argv(std::vector<std::string> argv,
                     std::chrono::seconds timeout = std::chrono::seconds(120)) {
    ProcessSpec spec;
    spec.argv = std::move(argv);
    spec.cwd = dir_.string();
    spec.timeout = timeout;
    spec.stderr_tail_lines = 100000;
    DriverRun r;
    spec.on_stderr_line = [&r](std::string_view l) { r.err.append(l).append("\n"); };
    r.process = run_process(spec);
    r.out = r.process.out;
    return r;
  }

  std::vector<std::string> log_lines() const {
    std::vector<std::string> lines;
    std::ifstream in(log_);
    for (std::string l; std::getline(in, l);) lines.push_back(l);
    return lines;
  }

  nlohmann::json read_json(const fs::path& p) const { return nlohmann::json::parse(slurp(p)); }

  // Files in results/ other than latest.json.
  std::vector<fs::path> stamped_reports() const {
    std::vector<fs::path> out;
    if (!fs::exists(dir_ / "results")) return out;
    for (const auto& e : fs::directory_iterator(dir_ / "results")) {
      if (e.path().filename() != "latest.json") out.push_back(e.path());
    }
    return out;
  }

  fs::path dir_;
  fs::path log_;
};

}  // namespace allocbench::testing
