// allocbench-worker-<backend>: runs what the driver asks, in a process whose task allocator (and
// global malloc) is this one backend, and prints one JSON object on stdout (README, "The worker
// protocol"). Progress goes to stderr. It never decides what to run.
//
//   allocbench-worker-<b> info
//   allocbench-worker-<b> machine
//   allocbench-worker-<b> run --scenarios a,b --mode quick|full --seed S --threads N
//                             [--param name=value ...] [--cache-sim]
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <iostream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "allocators/backend.hpp"
#include "allocators/malloc_provider.hpp"
#include "harness/probes/machine.hpp"
#include "harness/run_limits.hpp"
#include "harness/worker/scenario_runner.hpp"
#include "scenarios/scenario.hpp"

namespace allocbench {
namespace {

[[noreturn]] void usage(const std::string& why) {
  std::fprintf(stderr,
               "allocbench-worker-%s: %s\nusage: allocbench-worker-%s info | machine | run "
               "--scenarios a,b --mode quick|full --seed S --threads N [--param name=value]... "
               "[--cache-sim]\n",
               ALLOCBENCH_BACKEND_NAME, why.c_str(), ALLOCBENCH_BACKEND_NAME);
  std::exit(2);
}

std::vector<std::string> split(const std::string& s) {
  std::vector<std::string> out;
  std::stringstream in(s);
  for (std::string item; std::getline(in, item, ',');) {
    if (!item.empty()) out.push_back(item);
  }
  return out;
}

// The same ranges as the driver's (harness/run_limits.hpp): nothing is truncated or wrapped.
std::uint64_t in_range(const std::string& flag, const std::string& text, std::uint64_t max) {
  if (auto v = parse_in_range(text, max)) return *v;
  usage(range_error(flag, text, max));
}

nlohmann::json backend_json() {
  nlohmann::json tuning = nlohmann::json::object();
  for (const auto& [k, v] : TaskBackend::tuning()) tuning[k] = v;
  return {{"name", ALLOCBENCH_BACKEND_NAME},
          {"library", TaskBackend::library()},
          {"version", TaskBackend::version()},
          {"malloc_provider", malloc_provider()},
          {"tuning", tuning}};
}

nlohmann::json scenarios_json() {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& s : all_scenarios()) {
    nlohmann::json params = nlohmann::json::array();
    for (const auto& p : s.params) {
      params.push_back(
          {{"name", p.name}, {"description", p.description}, {"quick", p.quick}, {"full", p.full}});
    }
    out.push_back({{"name", s.name},
                   {"description", s.description},
                   {"uses_threads", s.uses_threads},
                   {"params", params}});
  }
  return out;
}

int run_command(int argc, char** argv) {
  RunOptions o;
  std::vector<std::string> names;
  for (int i = 2; i < argc; ++i) {
    const std::string a = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) usage(a + " needs a value");
      return argv[++i];
    };
    if (a == "--scenarios") {
      names = split(value());
    } else if (a == "--mode") {
      o.mode = value();
      if (o.mode != "quick" && o.mode != "full") usage("--mode must be quick or full");
    } else if (a == "--seed") {
      o.seed = in_range(a, value(), kMaxSeed);
    } else if (a == "--threads") {
      o.threads = static_cast<int>(in_range(a, value(), kMaxThreads));
    } else if (a == "--param") {
      const std::string kv = value();
      const auto eq = kv.find('=');
      if (eq == std::string::npos || eq == 0) usage("--param needs name=value, got '" + kv + "'");
      o.overrides[kv.substr(0, eq)] = static_cast<std::int64_t>(
          in_range("--param " + kv.substr(0, eq), kv.substr(eq + 1), kMaxParamValue));
    } else if (a == "--cache-sim") {
      o.cache_sim = true;
      // Count the slabs' own instructions, not memcheck's pool annotations (slab_guard.hpp).
      ::setenv("ALLOCBENCH_NO_POOL_ANNOTATIONS", "1", 1);
    } else {
      usage("unknown argument '" + a + "'");
    }
  }
  if (names.empty()) usage("run needs --scenarios");
  std::vector<const ScenarioSpec*> specs;
  for (const auto& n : names) {
    const ScenarioSpec* s = find_scenario(n);
    if (s == nullptr) {
      std::string valid;
      for (const auto& k : all_scenarios()) valid += (valid.empty() ? "" : ", ") + k.name;
      usage("unknown scenario '" + n + "' (valid: " + valid + ")");
    }
    specs.push_back(s);
  }
  nlohmann::json results = nlohmann::json::array();
  for (const ScenarioSpec* s : specs) {
    for (auto& r : run_scenario(*s, o)) results.push_back(std::move(r));
  }
  nlohmann::json out = {{"backend", backend_json()}, {"results", results}};
  std::cout << out.dump() << std::endl;
  return 0;
}

}  // namespace
}  // namespace allocbench

int main(int argc, char** argv) {
  using namespace allocbench;
  if (argc < 2) usage("missing command");
  const std::string cmd = argv[1];
  try {
    if (cmd == "info") {
      auto j = backend_json();
      j["scenarios"] = scenarios_json();
      std::cout << j.dump() << std::endl;
      return 0;
    }
    if (cmd == "machine") {
      std::cout << machine_info().dump() << std::endl;
      return 0;
    }
    if (cmd == "run") return run_command(argc, argv);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "allocbench-worker-%s: %s\n", ALLOCBENCH_BACKEND_NAME, e.what());
    return 1;
  }
  usage("unknown command '" + cmd + "'");
}
