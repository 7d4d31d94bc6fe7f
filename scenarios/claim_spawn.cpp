// claim_spawn: claim K slots first, then spawn into each through its claim, then run them all.
// Then the rejection path: on a full bounded slab, try_claim_slab and try_spawn_slab are refused,
// counted, and nothing is lost. On the malloc backends a claim reserves a slot-sized block from
// that allocator up front; they have no capacity, so they have no rejection path.
#include <optional>
#include <vector>

#include "scenarios/frames.hpp"
#include "scenarios/scenario.hpp"

namespace allocbench {
namespace {

void run(Session& s) {
  const std::size_t k = s.count("k");
  FrameRig rig(256, k);
  Runtime& rt = rig.rt();
  std::vector<SlabClaim> claims;
  claims.reserve(k);
  auto round = [&] {
    for (std::size_t i = 0; i < k; ++i) claims.push_back(rt.claim_slab());
    for (auto& c : claims) c.spawn([&] { return rig.make(); }).detach();
    claims.clear();
    rt.run_until_idle();
  };
  s.timed_rounds(k, round);

  // Rejection path, outside the timed region: fill the slab with claims, then knock.
  for (std::size_t i = 0; i < k; ++i) claims.push_back(rt.claim_slab());
  s.note_backend(rt.backend().stats());
  std::uint64_t rejected = 0;
  const std::uint64_t attempts = 1000;
  if (TaskBackend::kHasCapacity) {
    for (std::uint64_t i = 0; i < attempts / 2; ++i) {
      if (!rt.try_claim_slab()) ++rejected;
      if (!rt.try_spawn_slab([&] { return rig.make(); })) ++rejected;
    }
    const bool nothing_lost = rt.backend().stats().live_blocks == k && rt.live_tasks() == 0;
    s.set_extra("rejections",
                {{"attempts", attempts}, {"rejected", rejected}, {"nothing_lost", nothing_lost}});
  } else {
    s.set_extra("rejections", {{"source", "unavailable"},
                               {"reason", "this backend has no capacity, so nothing is refused"}});
  }
  // Latency: one claim.spawn into an already claimed slot.
  s.set_latency_of("one SlabClaim::spawn into a claimed slot");
  std::size_t done = 0;
  while (done < s.count("samples")) {
    for (auto& c : claims) {
      s.time_one([&] { c.spawn([&] { return rig.make(); }).detach(); });
      ++done;
    }
    claims.clear();
    rt.run_until_idle();
    for (std::size_t i = 0; i < k; ++i) claims.push_back(rt.claim_slab());
  }
  // Batched: the same claim spawns, b in a row.
  const std::size_t b = std::min(s.batch(), k);
  for (done = 0; done + b <= s.count("samples");) {
    for (std::size_t i = 0; i + b <= claims.size(); i += b, done += b) {
      std::size_t j = i;
      s.time_batch(b, [&] { claims[j++].spawn([&] { return rig.make(); }).detach(); });
    }
    claims.clear();
    rt.run_until_idle();
    for (std::size_t i = 0; i < k; ++i) claims.push_back(rt.claim_slab());
  }
  claims.clear();
  rig.describe(s);
}

}  // namespace

ScenarioSpec claim_spawn_scenario() {
  return {
      "claim_spawn",
      "claim K slots, then spawn into each claim; and rejections on a full bounded slab",
      {{"k", "slots claimed before any spawn", {1024}, {1024, 16384}},
       run_size_param("ops", "tasks in the timed batch (rounds of K)", {1'000'000}, {4'000'000}),
       run_size_param("samples", "single claim spawns timed for latency", {200'000}, {1'000'000}),
       run_size_param("batch", "operations per batched latency sample (one timing pair each)", {64},
                      {64})},
      false,
      run};
}

}  // namespace allocbench
