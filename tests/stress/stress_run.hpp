// One seeded stress run: a random sequence of runtime operations, each applied to the real
// Runtime and to the reference Model (model.hpp), with every observable compared after every
// step. A mismatch throws Mismatch naming the step; run() turns it into a report.
#pragma once

#include <array>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include "runtime/runtime.hpp"
#include "tests/runtime/support.hpp"
#include "tests/stress/model.hpp"
#include "tests/stress/wake_thread.hpp"

namespace allocbench::stress {

// Which mix of operations a run draws from.
enum class Profile { kMixed, kCrossThread };

struct RunResult {
  std::uint64_t ops = 0;
  std::string failure;  // empty when the run matched the model throughout
};

// Runs one seed to completion (including destroying its runtime) and reports.
RunResult run_seed(std::uint64_t seed, Profile profile);

// Per-operation and per-event counts over this process, one per line.
std::string op_histogram();

// The backend configuration every run uses: a small bounded capacity so that SlabFull and the
// try_ paths are common, small unbounded chunks so that growth is, and slots large enough for
// the task frame in a Debug + ASan build.
BackendConfig stress_config();

}  // namespace allocbench::stress
