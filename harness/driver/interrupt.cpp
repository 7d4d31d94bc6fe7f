#include "harness/driver/interrupt.hpp"

#include <signal.h>

#include <csignal>
#include <initializer_list>

namespace allocbench {

namespace {

volatile std::sig_atomic_t g_signal = 0;

extern "C" void on_interrupt(int sig) {
  g_signal = sig;
}

}  // namespace

void install_interrupt_handlers() {
  struct sigaction sa {};
  sa.sa_handler = on_interrupt;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = 0;
  // SIGHUP (the terminal closed) and SIGPIPE (stdout or stderr piped into a reader that quit,
  // e.g. `| head -1`) would otherwise kill the driver outright: no report, and workers left
  // running with their temporary folders. A write into the closed pipe then fails with EPIPE.
  for (int sig : {SIGINT, SIGTERM, SIGHUP, SIGPIPE}) sigaction(sig, &sa, nullptr);
}

bool interrupt_requested() {
  return g_signal != 0;
}

}  // namespace allocbench
