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
// Waker::reset() drops its reference (Runtime::release_wake_ref) while the owner's cancel drops
// the frame's own. The race this guards against: a drop that touched the frame after its
// decrement (the old code read a per-frame flag there) could read a frame the owner had already
// freed (and, in a slab, reused). Now only the last of TaskHeader::refs touches the frame.
// ThreadSanitizer reports a regression every time; other builds pass, the read being
// undetectable there.
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
