#include "harness/report/atomic_file.hpp"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace allocbench {
namespace {

namespace fs = std::filesystem;

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

class AtomicFile : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/allocbench-atomic-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::size_t files_in_dir() const {
    std::size_t n = 0;
    for ([[maybe_unused]] const auto& e : fs::directory_iterator(dir_)) ++n;
    return n;
  }
  fs::path dir_;
};

TEST_F(AtomicFile, WritesAndReplacesLeavingNoTemporary) {
  const fs::path target = dir_ / "r.json";
  write_file_atomically(target, "first");
  EXPECT_EQ(slurp(target), "first");
  write_file_atomically(target, "second, longer");
  EXPECT_EQ(slurp(target), "second, longer");
  EXPECT_EQ(files_in_dir(), 1u);
}

TEST_F(AtomicFile, FailedWriteKeepsOldTargetAndRemovesTemporary) {
  const fs::path target = dir_ / "r.json";
  write_file_atomically(target, "old complete report");
  // In a child, a file size limit makes the write fail half-way (EFBIG): the target must keep
  // its old contents and the temporary must be gone.
  const pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    ::signal(SIGXFSZ, SIG_IGN);
    rlimit lim{4096, 4096};
    ::setrlimit(RLIMIT_FSIZE, &lim);
    try {
      write_file_atomically(target, std::string(1 << 20, 'x'));
    } catch (const std::system_error&) {
      ::_exit(42);
    }
    ::_exit(0);
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 42) << "the oversized write should have thrown";
  EXPECT_EQ(slurp(target), "old complete report");
  EXPECT_EQ(files_in_dir(), 1u);
}

TEST_F(AtomicFile, KilledWriterNeverLeavesATruncatedTarget) {
  const fs::path target = dir_ / "r.json";
  const std::string big_a(8 << 20, 'a'), big_b(8 << 20, 'b');
  write_file_atomically(target, big_a);
  for (int round = 0; round < 5; ++round) {
    const pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      for (;;) {
        write_file_atomically(target, big_b);
        write_file_atomically(target, big_a);
      }
    }
    ::usleep(20000 * (round + 1));  // lands somewhere in a write; any point is valid
    ::kill(pid, SIGKILL);
    ::waitpid(pid, nullptr, 0);
    const std::string now = slurp(target);
    ASSERT_TRUE(now == big_a || now == big_b) << "target has " << now.size() << " bytes";
    for (const auto& e : fs::directory_iterator(dir_)) {
      if (e.path() != target) fs::remove(e.path());  // the killed writer's temporary
    }
  }
}

// Issue 13, item 3: the temporary used to be "<target>.tmp.<pid>", opened without O_EXCL, so a
// symlink planted under that name made the write go through it into another file.
TEST_F(AtomicFile, PlantedSymlinkAtTheTemporaryNameIsNotFollowed) {
  const fs::path target = dir_ / "r.json", victim = dir_ / "victim";
  std::ofstream(victim) << "precious";
  for (const char* suffix : {".tmp.", ".tmp"}) {
    fs::create_symlink(victim, target.string() + suffix + std::to_string(::getpid()));
  }
  write_file_atomically(target, "report");
  EXPECT_EQ(slurp(target), "report");
  EXPECT_EQ(slurp(victim), "precious");
  EXPECT_TRUE(fs::is_symlink(target.string() + ".tmp." + std::to_string(::getpid())));
}

TEST_F(AtomicFile, KeepsTheTargetsPermissionsAndRefusesReadOnly) {
  const fs::path target = dir_ / "r.json";
  write_file_atomically(target, "first");
  ASSERT_EQ(::chmod(target.c_str(), 0640), 0);
  write_file_atomically(target, "second");
  struct stat st {};
  ASSERT_EQ(::stat(target.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0640u);
  EXPECT_EQ(slurp(target), "second");
  ASSERT_EQ(::chmod(target.c_str(), 0444), 0);
  EXPECT_THROW(write_file_atomically(target, "third"), std::system_error);
  EXPECT_EQ(slurp(target), "second");
  EXPECT_NE(check_writable(target), "");
  EXPECT_EQ(files_in_dir(), 1u);
}

// Issue 13, item 2: a new file never takes a name that exists, and says which name it took.
TEST_F(AtomicFile, NewFileTakesTheNextFreeName) {
  std::ofstream(dir_ / "s.json") << "other run";
  std::ofstream(dir_ / "s-2.json") << "another run";
  const fs::path got = write_new_file(dir_, "s", ".json", "mine");
  EXPECT_EQ(got, dir_ / "s-3.json");
  EXPECT_EQ(slurp(got), "mine");
  EXPECT_EQ(slurp(dir_ / "s.json"), "other run");
  EXPECT_EQ(files_in_dir(), 3u);
}

TEST_F(AtomicFile, CheckWritable) {
  EXPECT_EQ(check_writable(dir_ / "x.json"), "");
  EXPECT_NE(check_writable(dir_ / "missing" / "x.json"), "");
  EXPECT_NE(check_writable(dir_), "");  // a directory
  EXPECT_NE(check_writable(""), "");
  EXPECT_NE(check_writable("/dev/null"), "");
  EXPECT_THROW(write_file_atomically(dir_ / "missing" / "x.json", "x"), std::system_error);
}

}  // namespace
}  // namespace allocbench
