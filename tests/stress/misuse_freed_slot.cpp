// Deliberate misuse, for valgrind memcheck: spawn a task into a claimed slab slot, let it finish
// and be freed, then read the slot. With the slabs' mempool annotations (slab_guard.hpp) memcheck
// must report an "Invalid read"; scripts/test-extra.sh runs this under
// `valgrind --error-exitcode=99` and fails unless memcheck does. Exits 0 on its own.
#include <cstdio>

#include "runtime/runtime.hpp"

namespace {

allocbench::Task<int> trivial(int x) {
  co_return x;
}

}  // namespace

int main() {
  allocbench::Runtime rt;
  volatile const char* where = nullptr;
  {
    allocbench::SlabClaim claim = rt.claim_slab();
    where = static_cast<volatile const char*>(claim.address());
    auto h = claim.spawn([] { return trivial(7); });
    rt.run_until_idle();
    if (h.result() != 7) return 2;
  }                          // handle dropped: the finished task's frame goes back to the slab
  const char c = where[16];  // the misuse: the slot is free
  std::printf("read %d from a freed slot at %p\n", c, static_cast<const volatile void*>(where));
  return 0;
}
