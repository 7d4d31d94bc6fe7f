// Model-based stress of the executor on this executable's backend: fixed seeds (CI's
// reproducible batch), then a time-bounded batch of fresh seeds. See stress_env.hpp for the
// environment knobs and stress_run.hpp for what one seed does.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <random>

#include "tests/stress/stress_env.hpp"
#include "tests/stress/stress_run.hpp"

namespace allocbench::stress {
namespace {

const char* profile_name(Profile p) {
  return p == Profile::kMixed ? "mixed" : "cross-thread";
}

struct Batch {
  std::uint64_t seeds = 0;
  std::uint64_t ops = 0;
  int failures = 0;
};

// Runs one seed and records a failure (the first few in full) without stopping the batch.
void run_one_seed(std::uint64_t seed, Profile p, Batch& b) {
  const RunResult r = run_seed(seed, p);
  ++b.seeds;
  b.ops += r.ops;
  if (!r.failure.empty()) {
    if (++b.failures <= 3) ADD_FAILURE() << r.failure;
  }
}

void summarize(const char* batch, Profile p, const Batch& b, double seconds) {
  std::printf("stress[%s] %s %s: %llu seeds, %llu operations, %.2f s, %d failed\n",
              std::string(TaskBackend::name()).c_str(), profile_name(p), batch,
              static_cast<unsigned long long>(b.seeds), static_cast<unsigned long long>(b.ops),
              seconds, b.failures);
}

double since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

void fixed_batch(Profile p) {
  const StressEnv env = StressEnv::from_environment();
  const auto t0 = std::chrono::steady_clock::now();
  Batch b;
  if (env.replay) {
    run_one_seed(*env.replay, p, b);
  } else {
    for (std::uint64_t s = 1; s <= env.fixed_seeds; ++s) run_one_seed(s, p, b);
  }
  summarize(env.replay ? "replay" : "fixed", p, b, since(t0));
  if (std::getenv("STRESS_VERBOSE") != nullptr) std::printf("%s", op_histogram().c_str());
  EXPECT_GT(b.ops, 0u);
}

// Fresh seeds (printed on failure) until the time budget is spent; half of it per profile.
void random_batch() {
  const StressEnv env = StressEnv::from_environment();
  if (env.replay) GTEST_SKIP() << "STRESS_SEED replays one seed in the fixed batch";
  if (env.random_seconds <= 0) GTEST_SKIP() << "STRESS_SECONDS=0";
  std::random_device rd;
  std::mt19937_64 seeds((static_cast<std::uint64_t>(rd()) << 32) ^ rd());
  for (Profile p : {Profile::kMixed, Profile::kCrossThread}) {
    const auto t0 = std::chrono::steady_clock::now();
    Batch b;
    while (since(t0) < env.random_seconds / 2 && b.failures == 0) {
      run_one_seed(seeds() >> 1, p, b);
    }
    summarize("random", p, b, since(t0));
  }
}

TEST(StressModel, FixedSeeds) {
  fixed_batch(Profile::kMixed);
}

TEST(StressCrossThread, FixedSeeds) {
  fixed_batch(Profile::kCrossThread);
}

TEST(StressRandom, TimeBoundedBatch) {
  random_batch();
}

}  // namespace
}  // namespace allocbench::stress
