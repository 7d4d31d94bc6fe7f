// allocbench-worker-<backend>: runs what the driver asks, in a process whose task allocator (and
// global malloc) is this one backend, and prints one JSON object on stdout (README, "The worker
// protocol"). Progress goes to stderr. It never decides what to run.
//
//   allocbench-worker-<b> info
//   allocbench-worker-<b> machine
//   allocbench-worker-<b> run --scenarios a,b --mode quick|full --seed S --threads N
//                             [--param name=value ...] [--cache-sim]
#include <CLI/CLI.hpp>

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
#include "harness/probes/worker_protocol.hpp"
#include "harness/report/probe_json.hpp"
#include "harness/run_limits.hpp"
#include "harness/worker/scenario_runner.hpp"
#include "scenarios/scenario.hpp"

namespace allocbench {
namespace {

constexpr const char* kUsage =
    "info | machine | run --scenarios a,b --mode quick|full --seed S --threads N "
    "[--param name=value]... [--cache-sim]";

[[noreturn]] void usage(const std::string& why) {
  std::fprintf(stderr, "allocbench-worker-%s: %s\nusage: allocbench-worker-%s %s\n",
               ALLOCBENCH_BACKEND_NAME, why.c_str(), ALLOCBENCH_BACKEND_NAME, kUsage);
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

BackendInfo backend_info() {
  // A backend that does not say what its reserved bytes are is reported as such (the trait is
  // optional so backends written before it still build).
  std::string reserved_meaning = "not stated (allocators/" + std::string(ALLOCBENCH_BACKEND_NAME) +
                                 " has no reserved_meaning())";
  if constexpr (requires { TaskBackend::reserved_meaning(); }) {
    reserved_meaning = TaskBackend::reserved_meaning();
  }
  return {ALLOCBENCH_BACKEND_NAME, TaskBackend::library(),      TaskBackend::version(),
          malloc_provider(),       TaskBackend::kReclaimsFrees, TaskBackend::tuning(),
          reserved_meaning};
}

WorkerInfo worker_info() {
  WorkerInfo w{backend_info(), {}};
  for (const auto& s : all_scenarios()) {
    ScenarioInfo& info = w.scenarios.emplace_back();
    info.name = s.name;
    info.description = s.description;
    info.uses_threads = s.uses_threads;
    info.in_cache_sim_suite = s.in_cache_sim_suite;
    info.reuses_freed_frames = s.reuses_freed_frames;
    for (const auto& p : s.params) {
      info.params.push_back({p.name, p.description, p.quick, p.full, p.run_size});
    }
  }
  return w;
}

// `run`'s arguments as given, checked by run_command.
struct RunArgs {
  std::string scenarios, mode = "quick", seed = "1", threads = "1";
  std::vector<std::string> params;
  bool cache_sim = false;
};

int run_command(const RunArgs& a) {
  RunOptions o;
  o.mode = a.mode;
  if (o.mode != "quick" && o.mode != "full") usage("--mode must be quick or full");
  o.seed = in_range("--seed", a.seed, kMaxSeed);
  o.threads = static_cast<int>(in_range("--threads", a.threads, kMaxThreads));
  for (const std::string& kv : a.params) {
    const auto eq = kv.find('=');
    if (eq == std::string::npos || eq == 0) usage("--param needs name=value, got '" + kv + "'");
    o.overrides[kv.substr(0, eq)] = static_cast<std::int64_t>(
        in_range("--param " + kv.substr(0, eq), kv.substr(eq + 1), kMaxParamValue));
  }
  if (a.cache_sim) {
    o.cache_sim = true;
    // Count the slabs' own instructions, not memcheck's pool annotations (slab_guard.hpp).
    ::setenv("ALLOCBENCH_NO_POOL_ANNOTATIONS", "1", 1);
  }
  const std::vector<std::string> names = split(a.scenarios);
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
  WorkerRun out{backend_info(), {}};
  for (const ScenarioSpec* s : specs) {
    for (auto& r : run_scenario(*s, o)) out.results.push_back(std::move(r));
  }
  std::cout << to_json(out).dump() << std::endl;
  return 0;
}

}  // namespace
}  // namespace allocbench

int main(int argc, char** argv) {
  using namespace allocbench;
  CLI::App app{"allocbench worker for one backend (README, \"The worker protocol\")",
               std::string("allocbench-worker-") + ALLOCBENCH_BACKEND_NAME};
  app.require_subcommand(1);
  CLI::App* info = app.add_subcommand("info", "The backend and the scenarios, as JSON");
  CLI::App* machine = app.add_subcommand("machine", "The machine description, as JSON");
  CLI::App* run = app.add_subcommand("run", "Run scenarios; one JSON object with the results");
  RunArgs args;
  run->add_option("--scenarios", args.scenarios, "Comma-separated scenario names")->required();
  run->add_option("--mode", args.mode, "quick (default) or full");
  run->add_option("--seed", args.seed, "Seed of the first thread");
  run->add_option("--threads", args.threads, "Independent runtimes, one per thread");
  run->add_option("--param", args.params, "name=value (repeatable)")->allow_extra_args(false);
  run->add_flag("--cache-sim", args.cache_sim, "Running under callgrind: fewer operations");
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp&) {
    std::cout << app.help();
    return 0;
  } catch (const CLI::ParseError& e) {
    usage(e.what());
  }
  try {
    if (*info) {
      std::cout << to_json(worker_info()).dump() << std::endl;
      return 0;
    }
    if (*machine) {
      std::cout << to_json(machine_info()).dump() << std::endl;
      return 0;
    }
    return run_command(args);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "allocbench-worker-%s: %s\n", ALLOCBENCH_BACKEND_NAME, e.what());
    return 1;
  }
}
