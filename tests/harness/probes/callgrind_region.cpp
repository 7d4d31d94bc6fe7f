// A program with one collected region, for test_callgrind.cpp to run under callgrind: 1e6 loop
// iterations inside start() / stop_and_dump("region"), 4e5 outside that must not be collected.
// Prints 1 when it ran on valgrind, else 0.
#include <cstdio>

#include "harness/probes/callgrind.hpp"

namespace {

void spin(unsigned long n) {
  volatile unsigned long sink = 0;
  for (unsigned long i = 0; i < n; ++i) sink = sink + i;
}

}  // namespace

int main() {
  spin(200'000);
  allocbench::callgrind::start();
  spin(1'000'000);
  allocbench::callgrind::stop_and_dump("region");
  spin(200'000);
  std::printf("%d\n", allocbench::callgrind::running_on_valgrind() ? 1 : 0);
  return 0;
}
