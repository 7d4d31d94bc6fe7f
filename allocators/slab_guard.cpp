#include "allocators/slab_guard.hpp"

#include <cstdio>
#include <cstdlib>

namespace allocbench::slab_guard {

void fail(const char* where, const void* p, const char* what) noexcept {
  // stdio, not iostreams: this must work from any state, including static destruction.
  std::fprintf(stderr, "allocbench: %s(%p): %s\n", where, p, what);
  std::fflush(stderr);
  std::abort();
}

}  // namespace allocbench::slab_guard
