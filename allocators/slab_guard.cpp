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

void add_hooks(std::vector<std::pair<std::string, std::string>>& tuning) {
  tuning.emplace_back("slab_checks", kChecks ? "on" : "off");
  tuning.emplace_back("asan_poisoning", kAsan ? "on" : "off");
  tuning.emplace_back("valgrind_annotations", !kValgrind ? "off (compiled out)"
                                              : running_under_valgrind()
                                                  ? "on (active)"
                                                  : "on (idle: not under valgrind)");
}

}  // namespace allocbench::slab_guard
