// Built once per registered backend (see CMakeLists.txt): each executable links exactly one
// allocator, so these tests also prove that a malloc replacement really serves malloc in its
// process. The slabs have their own suites; here they only describe themselves.
#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "allocators/backend.hpp"
#include "allocators/malloc_provider.hpp"
#include "allocators/reserved_unknown.hpp"

namespace allocbench {
namespace {

constexpr bool kSanitized =
#if defined(ALLOCBENCH_ASAN) || defined(ALLOCBENCH_TSAN)
    true;
#else
    false;
#endif

BackendConfig config() {
  BackendConfig c;
  c.slot_size = 320;
  return c;
}

// The malloc-style backends' tests; they skip on a slab.
class MallocStyleBackend : public ::testing::Test {
 protected:
  void SetUp() override {
    if (TaskBackend::kIsSlab) GTEST_SKIP() << "a slab: see test_bounded_slab / test_unbounded_slab";
  }
};

TEST(Backend, DescribesItself) {
  EXPECT_EQ(TaskBackend::name(), ALLOCBENCH_BACKEND_NAME);
  EXPECT_FALSE(TaskBackend::library().empty());
  const std::string version = TaskBackend::version();
  EXPECT_FALSE(version.empty());
  EXPECT_EQ(version.find("unavailable"), std::string::npos) << version;
  const Tuning tuning = TaskBackend::tuning();
  EXPECT_FALSE(tuning.empty());
  for (const auto& [name, value] : tuning) {
    EXPECT_FALSE(name.empty());
    EXPECT_FALSE(value.empty()) << name;
  }
}

TEST_F(MallocStyleBackend, SizesComeFromTheConfig) {
  TaskBackend backend(config());
  EXPECT_EQ(backend.max_block(), SIZE_MAX);
  EXPECT_EQ(backend.claim_size(), 320u);
  const AllocatorStats s = backend.stats();
  EXPECT_FALSE(s.is_slab);
  EXPECT_EQ(s.slot_size, 320u);
  EXPECT_EQ(s.capacity, 0u);
}

TEST_F(MallocStyleBackend, AllocatesAlignedUsableBlocksAndCountsThem) {
  TaskBackend backend(config());
  std::vector<std::pair<unsigned char*, std::size_t>> blocks;
  std::size_t requested = 0;
  for (std::size_t n = 16; n <= 4096; n += 48) {
    auto* p = static_cast<unsigned char*>(backend.allocate(n));
    ASSERT_NE(p, nullptr);
    EXPECT_EQ(reinterpret_cast<std::uintptr_t>(p) % kFrameAlign, 0u) << "size " << n;
    std::memset(p, static_cast<int>(n & 0xff), n);
    blocks.emplace_back(p, n);
    requested += n;
  }
  EXPECT_EQ(backend.stats().live_blocks, blocks.size());
  EXPECT_EQ(backend.stats().bytes_requested, requested);
  for (const auto& [p, n] : blocks) {
    for (std::size_t i = 0; i < n; ++i) ASSERT_EQ(p[i], static_cast<unsigned char>(n & 0xff));
  }
  for (const auto& [p, n] : blocks) backend.deallocate(p, n);
  EXPECT_EQ(backend.stats().live_blocks, 0u);
  EXPECT_EQ(backend.stats().bytes_requested, 0u);
}

// A backend whose allocator cannot tell what it holds says why (kReservedUnavailable).
template <class B>
constexpr const char* reserved_unavailable() {
  if constexpr (requires { B::kReservedUnavailable; }) {
    return B::kReservedUnavailable;
  } else {
    return nullptr;
  }
}

TEST_F(MallocStyleBackend, ReservedBytesComeFromTheAllocator) {
  TaskBackend backend(config());
  if (kSanitized) {
    EXPECT_FALSE(reserved_known(backend.stats())) << "a sanitizer's malloc is not the backend's";
    return;
  }
  if (const char* why = reserved_unavailable<TaskBackend>()) {
    EXPECT_FALSE(reserved_known(backend.stats()));
    GTEST_SKIP() << why;
  }
  ASSERT_TRUE(reserved_known(backend.stats()));
  // Hold 16 MiB in frame-sized blocks: whatever the allocator reports must cover them.
  constexpr std::size_t kBlock = 4096;
  constexpr std::size_t kCount = 4096;
  std::vector<void*> blocks;
  for (std::size_t i = 0; i < kCount; ++i) blocks.push_back(backend.allocate(kBlock));
  const AllocatorStats s = backend.stats();
  EXPECT_GE(s.bytes_reserved, kBlock * kCount);
  for (void* p : blocks) backend.deallocate(p, kBlock);
}

TEST_F(MallocStyleBackend, ServesMallocForTheWholeProcess) {
  if (kSanitized) GTEST_SKIP() << "the sanitizer runtime interposes malloc in this build";
  // A replacement's library() names its shared object; otherwise glibc serves malloc.
  const std::string expected = TaskBackend::kReplacesMalloc ? TaskBackend::library() : "libc.so";
  const std::string provider = malloc_provider();
  EXPECT_NE(provider.find(expected), std::string::npos)
      << "malloc comes from " << provider << ", expected " << expected;
}

}  // namespace
}  // namespace allocbench
