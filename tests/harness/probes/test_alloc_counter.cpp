#include "harness/probes/alloc_counter.hpp"

#include <dlfcn.h>
#include <gtest/gtest.h>

#include <atomic>
#include <memory>
#include <new>
#include <string>
#include <thread>
#include <vector>

namespace allocbench::alloc_counter {
namespace {

// Makes `p` observable so the compiler may not elide the allocation (C++14 lets it drop a
// new/delete pair whose result is unused).
void escape(const void* p) {
  asm volatile("" : : "r"(p) : "memory");
}

#if defined(ALLOCBENCH_EXPECT_MALLOC)
// This build links a malloc replacement; the counting tests below must hold with it serving.
TEST(AllocCounter, MallocReplacementServesMalloc) {
  Dl_info info{};
  ASSERT_NE(dladdr(dlsym(RTLD_DEFAULT, "malloc"), &info), 0);
  ASSERT_NE(info.dli_fname, nullptr);
  EXPECT_NE(std::string(info.dli_fname).find(ALLOCBENCH_EXPECT_MALLOC), std::string::npos)
      << info.dli_fname;
}
#endif

#if ALLOCBENCH_ALLOC_COUNTER_LINKED

TEST(AllocCounter, IsEnabledWhenLinked) {
  EXPECT_TRUE(enabled());
}

TEST(AllocCounter, NewIntCountsOne) {
  const Snapshot before = snapshot();
  int* p = new int(7);
  escape(p);
  const Snapshot mid = snapshot();
  delete p;
  const Snapshot after = snapshot();
  EXPECT_EQ((mid - before).news, 1u);
  EXPECT_EQ((mid - before).deletes, 0u);
  EXPECT_EQ((after - mid).news, 0u);
  EXPECT_EQ((after - mid).deletes, 1u);
}

TEST(AllocCounter, VectorReserveCountsOne) {
  const Snapshot before = snapshot();
  {
    std::vector<int> v;
    v.reserve(10);
    escape(v.data());
    for (int i = 0; i < 10; ++i) v.push_back(i);  // within capacity: no further allocation
    escape(v.data());
  }
  const Snapshot d = snapshot() - before;
  EXPECT_EQ(d.news, 1u);
  EXPECT_EQ(d.deletes, 1u);
}

TEST(AllocCounter, StackOnlyRegionCountsZero) {
  const Snapshot before = snapshot();
  int local[64];
  for (int i = 0; i < 64; ++i) local[i] = i * i;
  escape(local);
  const Snapshot d = snapshot() - before;
  EXPECT_EQ(d.news, 0u);
  EXPECT_EQ(d.deletes, 0u);
}

TEST(AllocCounter, EveryFormIsCounted) {
  const Snapshot before = snapshot();
  int* arr = new int[5];
  escape(arr);
  delete[] arr;
  int* nt = new (std::nothrow) int;
  escape(nt);
  delete nt;
  struct alignas(128) Wide {
    char bytes[128];
  };
  Wide* w = new Wide;
  escape(w);
  delete w;
  Wide* wa = new Wide[3];
  escape(wa);
  delete[] wa;
  void* raw = ::operator new (24, std::align_val_t{256}, std::nothrow);
  escape(raw);
  ::operator delete (raw, std::align_val_t{256}, std::nothrow);
  const Snapshot d = snapshot() - before;
  EXPECT_EQ(d.news, 5u);
  EXPECT_EQ(d.deletes, 5u);
}

TEST(AllocCounter, AlignedNewHonoursAlignment) {
  void* p = ::operator new (100, std::align_val_t{4096});
  EXPECT_EQ(reinterpret_cast<std::uintptr_t>(p) % 4096, 0u);
  ::operator delete (p, std::align_val_t{4096});
}

TEST(AllocCounter, DeletingNullIsNotCounted) {
  const Snapshot before = snapshot();
  int* p = nullptr;
  escape(&p);
  delete p;
  EXPECT_EQ((snapshot() - before).deletes, 0u);
}

TEST(AllocCounter, OtherThreadsAreNotCounted) {
  std::atomic<bool> go{false};
  std::atomic<bool> done{false};
  std::thread t([&] {
    while (!go.load()) {
    }
    for (int i = 0; i < 100; ++i) {
      auto p = std::make_unique<int>(i);
      escape(p.get());
    }
    done.store(true);
  });
  const Snapshot before = snapshot();
  go.store(true);
  while (!done.load()) {
  }
  const Snapshot d = snapshot() - before;
  t.join();
  EXPECT_EQ(d.news, 0u);
  EXPECT_EQ(d.deletes, 0u);
}

TEST(AllocCounter, FailedNothrowNewReturnsNullAndCountsNothing) {
  const Snapshot before = snapshot();
  // More than any address space: malloc fails without touching memory.
  void* p = ::operator new (~std::size_t{0} / 2, std::nothrow);
  EXPECT_EQ(p, nullptr);
  EXPECT_EQ((snapshot() - before).news, 0u);
}

#else  // sanitizer build: the replacement is deliberately absent

TEST(AllocCounter, IsDisabledWithoutTheReplacement) {
  EXPECT_FALSE(enabled());
  const Snapshot before = snapshot();
  int* p = new int(7);
  escape(p);
  delete p;
  EXPECT_EQ((snapshot() - before).news, 0u);
}

#endif

}  // namespace
}  // namespace allocbench::alloc_counter
