// Chains of awaited Tasks: a task suspended deep inside a chain of inline awaits is cancelled or
// destroyed innermost frame first, without recursing once per level.
#include <optional>
#include <vector>

#include "tests/runtime/support.hpp"

namespace allocbench::test {
namespace {

// Records the order in which the levels of a chain are destroyed.
struct Order {
  std::vector<int> destroyed;
};
struct Level {
  Order* o;
  int n;
  ~Level() { o->destroyed.push_back(n); }
};

Task<void> level(Order* o, int n, std::optional<Waker>* out) {
  Level guard{o, n};
  if (n == 0) {
    co_await Runtime::park([out](Waker w) { out->emplace(std::move(w)); });
  } else {
    co_await level(o, n - 1, out);
  }
}

Task<int> counted(int n) {
  if (n == 0) co_return 0;
  co_return 1 + co_await counted(n - 1);
}

// Regression (SIGSEGV from stack overflow at 50,000 levels in RelWithDebInfo).
TEST(Chains, CancellingADeepChainDoesNotRecurse) {
  constexpr int kDepth = 200000;
  Order o;
  o.destroyed.reserve(kDepth + 1);
  Runtime rt;
  std::optional<Waker> w;  // declared after the runtime: a Waker must not outlive it
  auto h = rt.spawn(level(&o, kDepth, &w));
  rt.run_until_idle();
  ASSERT_TRUE(w.has_value());
  h.cancel();
  ASSERT_EQ(o.destroyed.size(), static_cast<std::size_t>(kDepth + 1));
  for (int i = 0; i <= kDepth; ++i) {
    ASSERT_EQ(o.destroyed[static_cast<std::size_t>(i)], i) << "innermost first, like unwinding";
  }
  EXPECT_EQ(rt.live_tasks(), 0u);
}

TEST(Chains, DestroyingTheRuntimeUnderADeepChainDoesNotRecurse) {
  constexpr int kDepth = 200000;
  Order o;
  std::optional<Waker> w;
  {
    BackendConfig cfg = small_config();
    cfg.slot_size = 1024;
    Runtime rt(cfg);
    rt.spawn_slab([&] { return level(&o, kDepth, &w); }).detach();
    rt.run_until_idle();
    w.reset();
  }
  EXPECT_EQ(o.destroyed.size(), static_cast<std::size_t>(kDepth + 1));
}

TEST(Chains, AShallowChainIsDestroyedInnermostFirst) {
  Order o;
  Runtime rt;
  std::optional<Waker> w;  // declared after the runtime: a Waker must not outlive it
  auto h = rt.spawn(level(&o, 3, &w));
  rt.run_until_idle();
  h.cancel();
  EXPECT_EQ(o.destroyed, (std::vector<int>{0, 1, 2, 3}));
}

TEST(Chains, ADeepChainRunsToCompletion) {
  Runtime rt;
  EXPECT_EQ(rt.block_on(counted(100000)), 100000);
}

}  // namespace
}  // namespace allocbench::test
