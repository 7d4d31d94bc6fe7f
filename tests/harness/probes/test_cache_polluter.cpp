#include "harness/probes/cache_polluter.hpp"

#include <gtest/gtest.h>

#include "harness/probes/machine.hpp"

namespace allocbench {
namespace {

TEST(CachePolluter, DefaultBufferExceedsTwiceTheLastLevelCache) {
  const CachePolluter p;
  EXPECT_GT(p.bytes(), 2 * last_level_cache_bytes());
  EXPECT_EQ(p.bytes() % CachePolluter::kLineBytes, 0u);
}

// The buffer starts as all ones and each pass adds one to the first byte of every line, so the
// checksum of pass n is n * lines(): every line was read exactly once per pass.
TEST(CachePolluter, TouchesEveryLineOncePerPass) {
  CachePolluter p((std::size_t{1} << 20) + 10);
  EXPECT_EQ(p.bytes(), (std::size_t{1} << 20) + CachePolluter::kLineBytes);
  EXPECT_EQ(p.pollute(), p.lines());
  EXPECT_EQ(p.pollute(), 2 * p.lines());
  EXPECT_EQ(p.pollute(), 3 * p.lines());
}

}  // namespace
}  // namespace allocbench
