#include "harness/driver/process.hpp"

#include <gtest/gtest.h>
#include <signal.h>

#include <string>
#include <vector>

namespace allocbench {
namespace {

using namespace std::chrono_literals;

ProcessResult sh(const std::string& script, std::chrono::milliseconds timeout = 60s,
                 std::vector<std::string>* lines = nullptr) {
  ProcessSpec spec;
  spec.argv = {"/bin/sh", "-c", script};
  spec.timeout = timeout;
  if (lines) spec.on_stderr_line = [lines](std::string_view l) { lines->emplace_back(l); };
  return run_process(spec);
}

TEST(Process, CapturesStdoutAndForwardsStderrLines) {
  std::vector<std::string> lines;
  const auto r = sh("echo out; echo e1 >&2; printf 'e2' >&2", 60s, &lines);
  EXPECT_TRUE(r.succeeded()) << describe_end(r);
  EXPECT_EQ(r.out, "out\n");
  EXPECT_EQ(lines, (std::vector<std::string>{"e1", "e2"}));
}

TEST(Process, BothPipesFullDoNotDeadlock) {
  // 4 MiB on each pipe, interleaved: a reader of only one pipe would block the child forever.
  std::vector<std::string> lines;
  const auto r =
      sh("i=0; while [ $i -lt 4 ]; do head -c 1048576 /dev/zero | tr '\\0' a; "
         "head -c 1048576 /dev/zero | tr '\\0' b >&2; i=$((i+1)); done",
         60s, &lines);
  EXPECT_TRUE(r.succeeded()) << describe_end(r);
  EXPECT_EQ(r.out.size(), 4u << 20);
}

TEST(Process, ExitStatusAndSignalAreReported) {
  auto r = sh("echo bye >&2; exit 3");
  EXPECT_EQ(r.end, ProcessResult::End::kExited);
  EXPECT_EQ(describe_end(r), "exited with status 3");
  ASSERT_EQ(r.stderr_tail.size(), 1u);
  r = sh("kill -ABRT $$");
  EXPECT_EQ(r.end, ProcessResult::End::kSignaled);
  EXPECT_EQ(describe_end(r), "killed by signal SIGABRT (6)");
}

TEST(Process, TimeoutKillsTheWholeProcessGroup) {
  // The shell's child (sleep) holds stderr open; only a group kill ends it.
  const auto r = sh("sleep 1000 & sleep 1000", 300ms);
  EXPECT_EQ(r.end, ProcessResult::End::kTimedOut);
  EXPECT_EQ(describe_end(r), "timed out after 300 ms");
}

TEST(Process, StopRequestKillsTheChild) {
  ProcessSpec spec;
  spec.argv = {"/bin/sleep", "1000"};
  int polls = 0;
  spec.should_stop = [&] { return ++polls > 3; };
  const auto r = run_process(spec);
  EXPECT_EQ(r.end, ProcessResult::End::kStopped);
}

TEST(Process, KeepsOnlyTheStderrTail) {
  const auto r = sh("i=0; while [ $i -lt 100 ]; do echo line$i >&2; i=$((i+1)); done; exit 1");
  ASSERT_EQ(r.stderr_tail.size(), 20u);
  EXPECT_EQ(r.stderr_tail.front(), "line80");
  EXPECT_EQ(r.stderr_tail.back(), "line99");
}

TEST(Process, MissingExecutableIsASpawnFailure) {
  ProcessSpec spec;
  spec.argv = {"/nonexistent/worker"};
  const auto r = run_process(spec);
  EXPECT_EQ(r.end, ProcessResult::End::kSpawnFailed);
  EXPECT_NE(describe_end(r).find("No such file"), std::string::npos) << describe_end(r);
}

TEST(Process, StdoutLimitIsEnforced) {
  ProcessSpec spec;
  spec.argv = {"/bin/sh", "-c", "head -c 100000 /dev/zero"};
  spec.max_stdout_bytes = 1000;
  const auto r = run_process(spec);
  EXPECT_FALSE(r.succeeded());
  EXPECT_TRUE(r.stdout_overflow);
}

}  // namespace
}  // namespace allocbench
