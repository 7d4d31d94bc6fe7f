// Focused regressions for races the stress test's cross-thread profile found under TSan.
#include <gtest/gtest.h>

#include <optional>

#include "runtime/runtime.hpp"
#include "tests/runtime/support.hpp"
#include "tests/stress/stress_run.hpp"
#include "tests/stress/wake_thread.hpp"

namespace allocbench::stress {
namespace {

Task<void> parks(test::Tracker t, std::optional<Waker>* out) {
  (void)t;
  co_await Runtime::park([out](Waker w) { out->emplace(std::move(w)); });
}

// Another thread drops a parked task's only Waker; the owner then cancels the task. The thread's
// Waker::reset() takes wake_refs to 0 and then reads the frame's `zombie` flag
// (Runtime::release_wake_ref), while the owner's free_task() sees wake_refs == 0 and destroys the
// frame at once: nothing orders that read before the free, so in the unlucky interleaving the
// thread reads a freed (and, in a slab, reused) frame. ThreadSanitizer reports it every time;
// other builds pass, the read being undetectable there.
TEST(StressRegression, RemoteWakerDropThenCancelDoesNotRaceTheFree) {
  test::Counts c;
  Runtime rt(stress_config());
  WakeThread thread;
  for (int i = 0; i < 50; ++i) {
    std::optional<Waker> w;
    auto h = rt.spawn_slab([&] { return parks(test::Tracker(c), &w); });
    rt.run_until_idle();
    ASSERT_TRUE(w.has_value());
    thread.send(std::move(*w), /*wake=*/false);
    w.reset();
    thread.wait_idle();  // relaxed: only the runtime's own atomics may order what follows
    h.cancel();
    EXPECT_EQ(c.alive(), 0) << "no Waker is left: the frame goes at cancel";
  }
  EXPECT_EQ(rt.backend().stats().live_blocks, 0u);
}

}  // namespace
}  // namespace allocbench::stress
