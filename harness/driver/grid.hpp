// The grid of a run: every (scenario, parameter set) the chosen scenarios sweep in the mode. The
// driver starts one worker process per grid point, in timed runs and under callgrind alike: in a
// shared process the heap left by earlier sets changes the path malloc takes later (system
// spawn_burst K=1024 ran 3x faster after floor and spawn_churn than alone, with 90 instead of
// 48,000 page faults; callgrind's counts moved by up to 38 %).
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

namespace allocbench {

// One scenario with one value for each of its parameters.
struct GridPoint {
  std::string scenario;
  std::vector<std::pair<std::string, std::string>> params;  // name, value as the catalog has it
  std::string label() const;                                // "spawn_churn frame=64 ops=1000000"
};

// Every parameter set of the scenarios in the mode (the catalog's "quick" or "full" lists; an
// override replaces a parameter's list: one value fixes it, several sweep it), in catalog order.
std::vector<GridPoint> expand_grid(
    const nlohmann::json& catalog, const std::vector<std::string>& scenarios,
    const std::string& mode,
    const std::vector<std::pair<std::string, std::vector<std::uint64_t>>>& overrides);

// The order repetition `rep` runs n items in: rotated by one per repetition, so across n
// repetitions every item runs first once and none always gets the machine cold (or warm).
std::vector<std::size_t> rotated_order(std::size_t n, std::uint64_t rep);

}  // namespace allocbench
