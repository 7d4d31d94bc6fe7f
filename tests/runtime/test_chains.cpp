// Chains of awaited Tasks: a task suspended deep inside a chain of inline awaits is cancelled or
// destroyed innermost frame first, without recursing once per level.
#include <functional>
#include <optional>
#include <vector>

#include "tests/runtime/support.hpp"

namespace allocbench::test {
namespace {

// Optimised builds run a chain of any depth in constant stack (symmetric transfer is a tail
// call); unoptimised ones (the ASan Debug stage) recurse per level even to run it, so there the
// chains are shallower and check memory safety and order, not depth.
#ifdef NDEBUG
constexpr int kDeep = 200000;
#else
constexpr int kDeep = 2000;
#endif

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
  constexpr int kDepth = kDeep;
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
  constexpr int kDepth = kDeep;
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
  EXPECT_EQ(rt.block_on(counted(kDeep)), kDeep);
}

// Destructors that reach back into the runtime while a chain is being destroyed: one cancels
// the very task being destroyed, one drops the top's own Waker, one spawns a new task.
TEST(Chains, DestructorsRunDuringChainDestructionMayUseTheRuntime) {
  Runtime rt(small_config());
  std::optional<Waker> w;
  JoinHandle<void> self;
  int spawned_ran = 0;
  struct OnDestroy {
    std::function<void()> f;
    ~OnDestroy() { f(); }
  };
  auto leaf = [&]() -> Task<void> {
    OnDestroy a{[&] { self.cancel(); }};  // cancel of a task already being cancelled: no effect
    OnDestroy b{[&] { w.reset(); }};      // the top's Waker, dropped mid-destruction
    co_await Runtime::park([&](Waker k) { w.emplace(std::move(k)); });
  };
  auto middle = [&]() -> Task<void> {
    OnDestroy c{[&] {
      auto bump = [](int* n) -> Task<void> {
        ++*n;
        co_return;
      };
      rt.spawn(bump(&spawned_ran)).detach();
    }};
    co_await leaf();
  };
  auto top = [&]() -> Task<void> { co_await middle(); };
  self = rt.spawn(top());
  rt.run_until_idle();
  ASSERT_TRUE(w.has_value());
  self.cancel();
  EXPECT_FALSE(w.has_value());
  EXPECT_EQ(rt.outstanding_wakers(), 0u);
  EXPECT_EQ(rt.retained_blocks(), 0u);
  rt.run_until_idle();
  EXPECT_EQ(spawned_ran, 1);
  EXPECT_EQ(rt.live_tasks(), 0u);
}

// A chain that finishes part-way (inner levels complete, then the task parks at a shallower
// level) is destroyed from the level it is really suspended at.
TEST(Chains, AChainThatUnwoundPartWayIsDestroyedFromWhereItIs) {
  Order o;
  Runtime rt;
  std::optional<Waker> w;
  auto shallow = [&]() -> Task<void> {
    Level guard{&o, 100};
    co_await level(&o, 2, &w);  // parks at level 0 first
    co_await Runtime::park([&](Waker k) { w.emplace(std::move(k)); });
  };
  auto h = rt.spawn(shallow());
  rt.run_until_idle();
  std::move(*w).wake();
  rt.run_until_idle();  // levels 0..2 finished; parked again at the top's own frame
  EXPECT_EQ(o.destroyed, (std::vector<int>{0, 1, 2}));
  h.cancel();
  EXPECT_EQ(o.destroyed, (std::vector<int>{0, 1, 2, 100}));
  EXPECT_EQ(rt.live_tasks(), 0u);
}

// A destructor that runs the loop while a task is being cancelled from outside any task.
TEST(Chains, RunningTheLoopFromADestructorDuringCancel) {
  Runtime rt(small_config());
  std::optional<Waker> w;
  int other_ran = 0;
  struct OnDestroy {
    std::function<void()> f;
    ~OnDestroy() { f(); }
  };
  auto other = [&]() -> Task<void> {
    ++other_ran;
    co_return;
  };
  auto victim = [&]() -> Task<void> {
    OnDestroy d{[&] { rt.run_until_idle(); }};
    co_await Runtime::park([&](Waker k) { w.emplace(std::move(k)); });
  };
  auto h = rt.spawn(victim());
  rt.run_until_idle();
  rt.spawn(other()).detach();
  w.reset();
  h.cancel();
  EXPECT_EQ(other_ran, 1);
  EXPECT_EQ(rt.live_tasks(), 0u);
}

}  // namespace
}  // namespace allocbench::test
