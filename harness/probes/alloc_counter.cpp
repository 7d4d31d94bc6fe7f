#include "harness/probes/alloc_counter.hpp"

// Defined only by alloc_counter_replace.cpp; a weak reference resolves to null when that file is
// not linked, which is how the probe library tells whether counting is live.
extern "C" {
extern const int allocbench_alloc_counter_installed __attribute__((weak));
}

namespace allocbench::alloc_counter {

bool enabled() noexcept {
  return &allocbench_alloc_counter_installed != nullptr;
}

}  // namespace allocbench::alloc_counter
