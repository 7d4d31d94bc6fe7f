#include "harness/probes/callgrind.hpp"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace allocbench {
namespace {

namespace fs = std::filesystem;

std::string run(const std::string& command) {
  std::string out;
  if (FILE* pipe = popen(command.c_str(), "r")) {
    char buf[256];
    while (std::fgets(buf, sizeof(buf), pipe) != nullptr) out += buf;
    pclose(pipe);
  }
  return out;
}

std::string slurp(const fs::path& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// First number on the "totals:" line of a callgrind output file (Ir, the instruction count).
long long total_ir(const std::string& text) {
  const auto pos = text.find("\ntotals:");
  if (pos == std::string::npos) return -1;
  return std::stoll(text.substr(pos + 8));
}

TEST(Callgrind, NoOpOutsideValgrind) {
  EXPECT_TRUE(callgrind::kHeadersAvailable);
  EXPECT_EQ(run(ALLOCBENCH_CALLGRIND_REGION), "0\n");
}

// The worker's launch recipe: collection off at start, on only between start() and
// stop_and_dump(). The region part must hold the loop's instructions, the rest nothing.
TEST(Callgrind, CollectsOnlyTheRegion) {
#if defined(ALLOCBENCH_SANITIZED)
  GTEST_SKIP() << "sanitizer-instrumented programs cannot run under valgrind";
#endif
  if (std::system("valgrind --version >/dev/null 2>&1") != 0) GTEST_SKIP() << "no valgrind";
  char tmpl[] = "/tmp/allocbench-callgrind-XXXXXX";
  ASSERT_NE(mkdtemp(tmpl), nullptr);
  const fs::path dir = tmpl;
  const fs::path out = dir / "callgrind.out";
  const std::string printed =
      run("valgrind -q --tool=callgrind --cache-sim=yes --collect-atstart=no "
          "--I1=32768,8,64 --D1=32768,8,64 --LL=8388608,16,64 --callgrind-out-file=" +
          out.string() + " " ALLOCBENCH_CALLGRIND_REGION " 2>/dev/null");
  EXPECT_EQ(printed, "1\n");
  const std::string region = slurp(dir / "callgrind.out.1");
  const std::string rest = slurp(out);
  fs::remove_all(dir);
  EXPECT_NE(region.find("desc: Trigger: Client Request: region"), std::string::npos) << region;
  EXPECT_NE(region.find("events: Ir Dr Dw I1mr D1mr D1mw ILmr DLmr DLmw"), std::string::npos);
  // 1e6 iterations of a load, an add and a store plus loop control.
  EXPECT_GE(total_ir(region), 3'000'000);
  EXPECT_LE(total_ir(region), 30'000'000);
  // Outside the region (4e5 iterations) nothing may be collected.
  EXPECT_GE(total_ir(rest), 0);
  EXPECT_LT(total_ir(rest), 100'000);
}

}  // namespace
}  // namespace allocbench
