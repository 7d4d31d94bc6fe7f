// SIGINT, SIGTERM, SIGHUP or SIGPIPE during a run: the handler only records the signal; the run
// loop polls it, stops launching workers, kills the running one and writes what has finished.
#pragma once

namespace allocbench {

// Installs the handlers (without SA_RESTART, so a blocking poll returns at once).
void install_interrupt_handlers();
bool interrupt_requested();

}  // namespace allocbench
