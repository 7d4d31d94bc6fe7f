#include "harness/driver/run_plan.hpp"

#include <sched.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <ctime>

#include "harness/driver/cache_sim.hpp"
#include "harness/driver/workers.hpp"
#include "harness/report/atomic_file.hpp"
#include "harness/report/cache_sim.hpp"
#include "harness/report/json_access.hpp"
#include "harness/report/protocol.hpp"

namespace allocbench {

namespace {

namespace fs = std::filesystem;
using nlohmann::json;

constexpr std::chrono::seconds kInfoTimeout{60};

std::string join(const std::vector<std::string>& items, const char* sep = ", ") {
  std::string s;
  for (const auto& i : items) s += (s.empty() ? "" : sep) + i;
  return s;
}

void check_names(const char* flag, const std::vector<std::string>& asked,
                 const std::vector<std::string>& valid) {
  for (const auto& a : asked) {
    if (std::find(valid.begin(), valid.end(), a) == valid.end()) {
      throw UsageError(std::string(flag) + ": unknown name '" + a +
                       "'; valid names: " + (valid.empty() ? "(none)" : join(valid)));
    }
  }
}

// Where the report goes, checked before anything runs.
void plan_destinations(const RunOptions& o, RunPlan& plan) {
  if (o.out) {
    if (std::string why = check_writable(*o.out); !why.empty()) {
      throw UsageError("--out: cannot write " + *o.out + ": " + why);
    }
    plan.primary = *o.out;
    return;
  }
  const fs::path dir = "results";
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) throw UsageError("cannot create results directory: " + ec.message());
  fs::path primary = dir / (plan.stamp + ".json");
  for (int i = 2; fs::exists(primary); ++i)
    primary = dir / (plan.stamp + "-" + std::to_string(i) + ".json");
  if (std::string why = check_writable(primary); !why.empty()) {
    throw UsageError("cannot write the report under results/: " + why);
  }
  plan.primary = primary;
  plan.latest = dir / "latest.json";
}

// Pins this process (and so every worker it starts: affinity is inherited across fork and exec)
// to one CPU. Throws UsageError when the CPU is not one this process may use.
json pin_to_cpu(int cpu) {
  cpu_set_t allowed;
  CPU_ZERO(&allowed);
  if (::sched_getaffinity(0, sizeof allowed, &allowed) != 0) {
    throw UsageError(std::string("--pin: sched_getaffinity: ") + std::strerror(errno));
  }
  std::string list;
  for (int c = 0; c < CPU_SETSIZE; ++c) {
    if (!CPU_ISSET(c, &allowed)) continue;
    if (!list.empty()) list += ',';
    list += std::to_string(c);
  }
  if (cpu >= CPU_SETSIZE || !CPU_ISSET(cpu, &allowed)) {
    throw UsageError("--pin: CPU " + std::to_string(cpu) +
                     " is not available to this process; allowed CPUs: " + list);
  }
  cpu_set_t one;
  CPU_ZERO(&one);
  CPU_SET(cpu, &one);
  if (::sched_setaffinity(0, sizeof one, &one) != 0) {
    throw UsageError("--pin: sched_setaffinity(" + std::to_string(cpu) +
                     "): " + std::strerror(errno));
  }
  return {{"cpu", cpu},
          {"how", "sched_setaffinity on the driver, inherited by every worker it starts"},
          {"allowed_before", list}};
}

// The chosen scenarios: --scenarios, else all; --micro-only none; --cache-sim without
// --scenarios those that declare themselves in the cache-simulation suite.
std::vector<std::string> choose_scenarios(const RunOptions& o, const json& catalog) {
  std::vector<std::string> known;
  for (const auto& s : catalog) known.push_back(s["name"].get<std::string>());
  check_names("--scenarios", o.scenarios, known);
  if (o.micro_only) return {};
  if (o.cache_sim && !o.scenarios_given) {
    // Each scenario says whether the suite runs it (a catalog without the trait: all do).
    std::vector<std::string> subset;
    for (const auto& s : catalog) {
      if (s.value("in_cache_sim_suite", true)) subset.push_back(s["name"].get<std::string>());
    }
    if (!subset.empty()) return subset;
  }
  return o.scenarios.empty() ? known : o.scenarios;
}

void check_params(const RunOptions& o, const json& catalog,
                  const std::vector<std::string>& scenarios) {
  std::vector<std::string> param_names;
  for (const auto& s : catalog) {
    if (std::find(scenarios.begin(), scenarios.end(), s["name"]) == scenarios.end()) continue;
    if (const json* ps = json_at(s, {"params"}); ps && ps->is_array()) {
      for (const auto& p : *ps) {
        if (std::find(param_names.begin(), param_names.end(), p["name"]) == param_names.end()) {
          param_names.push_back(p["name"].get<std::string>());
        }
      }
    }
  }
  for (const auto& [name, value] : o.params) {
    if (std::find(param_names.begin(), param_names.end(), name) == param_names.end()) {
      throw UsageError("--param: unknown parameter '" + name +
                       "' for the chosen scenarios; valid names: " +
                       (param_names.empty() ? "(none)" : join(param_names)));
    }
  }
}

}  // namespace

std::string utc_now(bool for_file_name) {
  const std::time_t t = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, for_file_name ? "%Y-%m-%dT%H-%M-%SZ" : "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::vector<std::string> worker_run_args(const RunOptions& o, const GridPoint& point) {
  std::vector<std::string> args = {"run",
                                   "--scenarios",
                                   point.scenario,
                                   "--mode",
                                   o.mode,
                                   "--seed",
                                   std::to_string(o.seed),
                                   "--threads",
                                   std::to_string(o.threads)};
  // The grid point carries the --param overrides with every other value.
  for (const auto& [k, v] : point.params) {
    args.push_back("--param");
    args.push_back(k + "=" + v);
  }
  return args;
}

PlanOutcome plan_run(const RunOptions& o, std::ostream& err) {
  RunPlan plan;
  plan.dir = own_directory();
  plan.stamp = utc_now(true);
  plan.geometry = cache_sim_geometry();
  if (o.cache_sim) {
    plan.valgrind = find_valgrind();
    if (!plan.valgrind) {
      throw UsageError(
          "--cache-sim needs valgrind (callgrind), and no valgrind executable is on PATH; "
          "install the Debian package valgrind");
    }
    if (std::string why = check_temp_directory(); !why.empty()) {
      throw UsageError("--cache-sim: " + why);
    }
  }
  const auto found = discover_backends(plan.dir);
  if (found.empty()) {
    throw UsageError(std::string("no ") + kWorkerPrefix + "* executables next to allocbench in " +
                     plan.dir.string());
  }
  check_names("--backends", o.backends, found);
  plan.backends = o.backends.empty() ? found : o.backends;
  plan_destinations(o, plan);
  if (o.pin_cpu) plan.pin = pin_to_cpu(*o.pin_cpu);

  // The reference worker describes the scenarios (all workers carry the same ones).
  plan.reference =
      std::find(found.begin(), found.end(), "system") != found.end() ? "system" : found.front();
  const WorkerReply info = call_worker(
      {worker_path(plan.dir, plan.reference), {"info"}, kInfoTimeout, nullptr, check_info_output});
  if (!info.ok) {
    err << "allocbench: cannot learn the scenarios: " << plan.reference << " info: " << info.error
        << "\n";
    return {std::nullopt, info.interrupted ? kExitInterrupted : kExitSomeFailed};
  }
  plan.catalog = info.output["scenarios"];
  plan.scenarios = choose_scenarios(o, plan.catalog);
  check_params(o, plan.catalog, plan.scenarios);
  // One value: the number (as before sweeps); several: the array swept.
  for (const auto& [name, values] : o.params) {
    plan.params[name] = values.size() == 1 ? json(values.front()) : json(values);
  }
  // Each chosen scenario's run-size parameters (ParamSpec::run_size): what compare leaves out
  // when it pairs a quick run with a full one.
  for (const auto& s : plan.catalog) {
    const std::string name = s.value("name", "");
    if (std::find(plan.scenarios.begin(), plan.scenarios.end(), name) == plan.scenarios.end()) {
      continue;
    }
    json names = json::array();
    if (const json* ps = json_at(s, {"params"}); ps && ps->is_array()) {
      for (const auto& p : *ps) {
        if (p.value("run_size", false)) names.push_back(p.value("name", ""));
      }
    }
    plan.run_size_params[name] = names;
  }
  plan.grid = expand_grid(plan.catalog, plan.scenarios, o.mode, o.params);
  return {std::move(plan), kExitOk};
}

}  // namespace allocbench
