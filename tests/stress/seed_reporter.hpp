// Names the seed and step a stress run was at when the process dies (a crash, an abort, a
// sanitizer report), so that STRESS_SEED=<n> can replay it. Only async-signal-safe calls.
#pragma once

#include <unistd.h>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstring>

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__) || defined(ALLOCBENCH_ASAN) || \
    defined(ALLOCBENCH_TSAN)
#include <sanitizer/common_interface_defs.h>
#define ALLOCBENCH_STRESS_SANITIZER 1
#else
#define ALLOCBENCH_STRESS_SANITIZER 0
#endif

namespace allocbench::stress {

class SeedReporter {
 public:
  // Installs the hooks once per process.
  static void install() {
    static bool done = false;
    if (done) return;
    done = true;
#if ALLOCBENCH_STRESS_SANITIZER
    // The sanitizers own the fatal signals; they call this after printing their report.
    __sanitizer_set_death_callback(&print);
#else
    for (int sig : {SIGSEGV, SIGBUS, SIGABRT, SIGFPE, SIGILL}) {
      struct sigaction sa {};
      sa.sa_handler = &on_signal;
      sa.sa_flags = static_cast<int>(SA_RESETHAND);
      sigaction(sig, &sa, nullptr);
    }
#endif
  }
  static void at(std::uint64_t seed, std::uint64_t step) noexcept {
    seed_ = seed;
    step_ = step;
  }

 private:
  static void print() {
    char buf[128];
    // snprintf is not formally async-signal-safe; format by hand.
    char* p = buf;
    auto put = [&](const char* s) {
      while (*s != '\0') *p++ = *s++;
    };
    auto num = [&](std::uint64_t v) {
      char d[24];
      int n = 0;
      do {
        d[n++] = static_cast<char>('0' + v % 10);
        v /= 10;
      } while (v != 0);
      while (n > 0) *p++ = d[--n];
    };
    put("\nstress: died at seed ");
    num(seed_);
    put(" step ");
    num(step_);
    put(" (replay: STRESS_SEED=");
    num(seed_);
    put(")\n");
    [[maybe_unused]] ssize_t w = ::write(2, buf, static_cast<std::size_t>(p - buf));
  }
  [[maybe_unused]] static void on_signal(int sig) {
    print();
    std::raise(sig);  // SA_RESETHAND: the default action now
  }

  static inline volatile std::uint64_t seed_ = 0;
  static inline volatile std::uint64_t step_ = 0;
};

}  // namespace allocbench::stress
