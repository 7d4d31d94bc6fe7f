// The task header's cold half: a TaskExt, taken from the runtime's pool the first time a task
// parks, joins, awaits a Task inline or suspends, and returned with its block. These tests drive
// the moments the ext comes and goes (a handle moved after it exists, a task that only awaits
// inline, a task finished by someone else's resume, exts reused by thousands of tasks); the
// sanitizer stages run them too, where a header or ext used after its block went would show.
#include <gtest/gtest.h>

#include <coroutine>
#include <thread>
#include <utility>
#include <vector>

#include "runtime/runtime.hpp"
#include "tests/runtime/support.hpp"

namespace allocbench::test {
namespace {

Task<int> parked_value(Waker* out, int v) {
  co_await Runtime::park([out](Waker w) { *out = std::move(w); });
  co_return v;
}

TEST(TaskExt, AHandleMovedWhileItsTaskIsParkedStillGetsTheResult) {
  Runtime rt(small_config());
  Waker w;
  JoinHandle<int> a = rt.spawn_slab([&] { return parked_value(&w, 7); });
  rt.run_until_idle();
  ASSERT_TRUE(w.valid()) << "the task parked: it has an ext, which now holds the handle";
  JoinHandle<int> b(std::move(a));
  JoinHandle<int> c;
  c = std::move(b);
  EXPECT_FALSE(a.valid());
  EXPECT_FALSE(b.valid());
  std::move(w).wake();
  rt.run_until_idle();
  ASSERT_TRUE(c.is_finished());
  EXPECT_EQ(c.result(), 7);
  c.detach();
  EXPECT_EQ(rt.live_tasks(), 0u);
}

TEST(TaskExt, CancellingThroughAHandleMovedAfterItsTaskParkedFreesTheTask) {
  Runtime rt(small_config());
  const auto before = rt.backend().stats().live_blocks;
  Counts counts;
  Waker w;
  auto body = [](Waker* out, Tracker) -> Task<int> {
    co_await Runtime::park([out](Waker x) { *out = std::move(x); });
    co_return 1;
  };
  JoinHandle<int> a = rt.spawn_slab([&] { return body(&w, Tracker(counts)); });
  rt.run_until_idle();
  JoinHandle<int> b(std::move(a));
  b.cancel();
  EXPECT_TRUE(b.is_cancelled());
  EXPECT_EQ(counts.alive(), 0) << "the frame (and the tracker in it) went at cancel";
  EXPECT_EQ(rt.live_tasks(), 0u);
  w = Waker();  // the last reference: the block goes back now
  EXPECT_EQ(rt.backend().stats().live_blocks, before);
}

Task<int> inline_child(int v) {
  co_return v + 1;
}

Task<void> awaits_inline_only(int* out) {
  *out = co_await inline_child(1);
  *out += co_await inline_child(10);
}

TEST(TaskExt, ATaskThatOnlyAwaitsInlineIsFreedWhenItFinishesDetached) {
  Runtime rt(small_config(128));
  const auto before = rt.backend().stats().live_blocks;
  int out = 0;
  for (int i = 0; i < 100; ++i) rt.spawn_slab([&] { return awaits_inline_only(&out); }).detach();
  rt.run_until_idle();
  EXPECT_EQ(out, 13);
  EXPECT_EQ(rt.live_tasks(), 0u);
  EXPECT_EQ(rt.backend().stats().live_blocks, before);
}

// An awaiter the runtime does not know: it keeps the handle, and someone else resumes it.
struct Stash {
  std::coroutine_handle<> h;
  bool await_ready() const noexcept { return false; }
  void await_suspend(std::coroutine_handle<> c) noexcept { h = c; }
  void await_resume() const noexcept {}
};

Task<int> waits_in_stash(Stash* s, Counts* c) {
  Tracker t(*c);
  co_await *s;
  co_return 5;
}

Task<void> resumes(Stash* s) {
  std::exchange(s->h, {}).resume();  // the stashed task runs to its end inside this one
  co_return;
}

TEST(TaskExt, ATaskFinishedBySomeoneElsesResumeKeepsItsResultUntilItsHandleGoes) {
  Runtime rt(small_config());
  const auto before = rt.backend().stats().live_blocks;
  Stash stash;
  Counts counts;
  JoinHandle<int> h = rt.spawn_slab([&] { return waits_in_stash(&stash, &counts); });
  rt.run_until_idle();
  ASSERT_TRUE(stash.h);
  rt.spawn_slab([&] { return resumes(&stash); }).detach();
  rt.run_until_idle();
  ASSERT_TRUE(h.is_finished()) << "finished while another task was the current one";
  EXPECT_EQ(counts.alive(), 0);
  EXPECT_EQ(h.result(), 5);
  h = JoinHandle<int>();
  EXPECT_EQ(rt.live_tasks(), 0u);
  EXPECT_EQ(rt.backend().stats().live_blocks, before);
}

Task<int> leaf(Waker* slot, int v) {
  if (slot != nullptr) co_await Runtime::park([slot](Waker w) { *slot = std::move(w); });
  co_return v;
}

Task<int> joiner(Runtime* rt, Waker* slot, int v) {
  JoinHandle<int> h = rt->spawn(leaf(slot, v));
  const int got = co_await h;
  co_return got + co_await inline_child(0) - 1;
}

TEST(TaskExt, ThousandsOfTasksParkingJoiningAndChainingReuseTheirExts) {
  Runtime rt(small_config(512));
  const auto before = rt.backend().stats().live_blocks;
  std::vector<Waker> wakers(64);
  long long sum = 0, want = 0;
  for (int round = 0; round < 50; ++round) {
    std::vector<JoinHandle<int>> hs;
    for (int i = 0; i < 64; ++i) {
      const int v = round * 64 + i;
      want += v;
      Waker* slot = (i % 3 == 0) ? &wakers[i] : nullptr;
      hs.push_back(rt.spawn_slab([&rt, slot, v] { return joiner(&rt, slot, v); }));
    }
    rt.run_until_idle();
    // Wake in a scrambled order, some from another thread.
    std::thread other([&] {
      for (int i = 63; i >= 0; i -= 2)
        if (wakers[i].valid()) std::move(wakers[i]).wake();
    });
    other.join();
    for (Waker& w : wakers)
      if (w.valid()) std::move(w).wake();
    Deadline deadline("ThousandsOfTasksParkingJoiningAndChainingReuseTheirExts", 60);
    for (JoinHandle<int>& h : hs) {
      while (!h.is_finished()) {
        if (rt.run_until_idle() == 0) std::this_thread::yield();
      }
      sum += h.result();
    }
  }
  EXPECT_EQ(sum, want);
  EXPECT_EQ(rt.live_tasks(), 0u);
  EXPECT_EQ(rt.retained_blocks(), 0u);
  EXPECT_EQ(rt.backend().stats().live_blocks, before);
}

}  // namespace
}  // namespace allocbench::test
