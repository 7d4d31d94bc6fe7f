#include "harness/driver/run_command.hpp"

#include <sched.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <functional>
#include <map>
#include <ostream>
#include <set>
#include <stdexcept>
#include <string_view>

#include <nlohmann/json.hpp>

#include "harness/driver/cache_sim.hpp"
#include "harness/driver/grid.hpp"
#include "harness/driver/interrupt.hpp"
#include "harness/driver/micro_runner.hpp"
#include "harness/driver/workers.hpp"
#include "harness/report/atomic_file.hpp"
#include "harness/report/cache_sim.hpp"
#include "harness/report/json_access.hpp"
#include "harness/report/merge.hpp"
#include "harness/report/protocol.hpp"
#include "harness/report/schema.hpp"
#include "harness/report/statistics.hpp"
#include "harness/report/summary_reporter.hpp"

namespace allocbench {

namespace {

namespace fs = std::filesystem;
using nlohmann::json;

constexpr std::chrono::seconds kInfoTimeout{60};

class UsageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

std::string join(const std::vector<std::string>& items, const char* sep = ", ") {
  std::string s;
  for (const auto& i : items) s += (s.empty() ? "" : sep) + i;
  return s;
}

// UTC now as "2026-11-24T10:00:00Z" (report) or "2026-11-24T10-00-00Z" (file name).
std::string utc_now(bool for_file_name) {
  const std::time_t t = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, for_file_name ? "%Y-%m-%dT%H-%M-%SZ" : "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
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
struct Destinations {
  fs::path primary;
  std::optional<fs::path> latest;
};

Destinations plan_destinations(const RunOptions& o, const std::string& stamp) {
  if (o.out) {
    if (std::string why = check_writable(*o.out); !why.empty()) {
      throw UsageError("--out: cannot write " + *o.out + ": " + why);
    }
    return {*o.out, std::nullopt};
  }
  const fs::path dir = "results";
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) throw UsageError("cannot create results directory: " + ec.message());
  fs::path primary = dir / (stamp + ".json");
  for (int i = 2; fs::exists(primary); ++i)
    primary = dir / (stamp + "-" + std::to_string(i) + ".json");
  if (std::string why = check_writable(primary); !why.empty()) {
    throw UsageError("cannot write the report under results/: " + why);
  }
  return {primary, dir / "latest.json"};
}

// What every backend carries through the run.
struct BackendState {
  std::string name;
  json entry;                 // the report's backends[] entry
  std::vector<json> outputs;  // one per completed repetition
  bool failed = false;
};

json entry_from_info(const std::string& name, const json& info) {
  json e = info.is_object() ? info : json::object();
  e.erase("scenarios");
  e["name"] = name;
  e["status"] = "ok";
  e["error"] = nullptr;
  return e;
}

// "==12345== Callgrind, a call-graph generating cache profiler"
bool is_valgrind_line(std::string_view line) {
  if (line.substr(0, 2) != "==") return false;
  std::size_t i = 2;
  while (i < line.size() && line[i] >= '0' && line[i] <= '9') ++i;
  return i > 2 && line.substr(i, 2) == "==";
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

// --repetitions auto: whether every result's median CI is narrow enough. Sets worst to the
// widest relative half-width seen (or the reason one is unavailable) and its result's label.
bool ci_target_met(const std::vector<BackendState>& states, double target, json& worst) {
  std::map<std::string, std::vector<double>> samples;  // backend, scenario, params -> ops/s
  for (const auto& s : states) {
    if (s.failed) continue;
    for (const json& output : s.outputs) {
      for (const json& r : output["results"]) {
        if (const json* v = json_at(r, {"ops_per_sec"}); v && v->is_number()) {
          samples[s.name + " " + r["scenario"].get<std::string>() + " " +
                  workload_label(r["params"])]
              .push_back(v->get<double>());
        }
      }
    }
  }
  bool met = !samples.empty();
  double widest = -1;
  worst = nullptr;
  for (const auto& [label, xs] : samples) {
    const MedianInterval ci = median_interval(xs);
    if (!ci.available) {
      worst = {{"result", label}, {"ci95", ci.reason}};
      return false;
    }
    const double m = median(xs);
    const double half = std::max(m - ci.low, ci.high - m) / m;
    if (half > widest) {
      widest = half;
      worst = {{"result", label}, {"ci95_half_width_pct", 100 * half}};
    }
    met = met && half <= target;
  }
  return met;
}

void mark_failed(BackendState& b, const std::string& why) {
  b.failed = true;
  b.entry["status"] = "failed";
  b.entry["error"] = why;
  b.outputs.clear();  // a partial set of repetitions would not be comparable with the others
}

}  // namespace

int run_command(const RunOptions& o, std::ostream& out, std::ostream& err) {
  const fs::path dir = own_directory();
  const std::string stamp = utc_now(true);
  Destinations dest;
  std::vector<std::string> backends, scenarios;
  json catalog;           // scenarios as the reference worker describes them
  std::string reference;  // the worker asked for scenarios and the machine description
  std::optional<fs::path> valgrind;
  json pin = nullptr;
  const CacheGeometry geometry = cache_sim_geometry();
  try {
    if (o.cache_sim) {
      valgrind = find_valgrind();
      if (!valgrind) {
        throw UsageError(
            "--cache-sim needs valgrind (callgrind), and no valgrind executable is on PATH; "
            "install the Debian package valgrind");
      }
      if (std::string why = check_temp_directory(); !why.empty()) {
        throw UsageError("--cache-sim: " + why);
      }
    }
    const auto found = discover_backends(dir);
    if (found.empty()) {
      throw UsageError(std::string("no ") + kWorkerPrefix + "* executables next to allocbench in " +
                       dir.string());
    }
    check_names("--backends", o.backends, found);
    backends = o.backends.empty() ? found : o.backends;
    dest = plan_destinations(o, stamp);
    if (o.pin_cpu) pin = pin_to_cpu(*o.pin_cpu);

    // The reference worker describes the scenarios (all workers carry the same ones).
    reference =
        std::find(found.begin(), found.end(), "system") != found.end() ? "system" : found.front();
    const WorkerReply info = call_worker(
        {worker_path(dir, reference), {"info"}, kInfoTimeout, nullptr, check_info_output});
    if (!info.ok) {
      err << "allocbench: cannot learn the scenarios: " << reference << " info: " << info.error
          << "\n";
      return info.interrupted ? kExitInterrupted : kExitSomeFailed;
    }
    catalog = info.output["scenarios"];
    std::vector<std::string> known;
    for (const auto& s : catalog) known.push_back(s["name"].get<std::string>());
    check_names("--scenarios", o.scenarios, known);
    scenarios = o.scenarios.empty() ? known : o.scenarios;
    if (o.micro_only) {
      scenarios.clear();
    } else if (o.cache_sim && !o.scenarios_given) {
      // Each scenario says whether the suite runs it (a catalog without the trait: all do).
      std::vector<std::string> subset;
      for (const auto& s : catalog) {
        if (s.value("in_cache_sim_suite", true)) subset.push_back(s["name"].get<std::string>());
      }
      if (!subset.empty()) scenarios = subset;
    }
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
  } catch (const UsageError& e) {
    err << "allocbench run: " << e.what() << "\n";
    return kExitUsage;
  }

  install_interrupt_handlers();
  const auto timeout = std::chrono::seconds(o.timeout_s);

  std::vector<BackendState> states;
  for (const auto& b : backends) {
    BackendState s{b, entry_from_info(b, json::object()), {}, false};
    const WorkerReply info =
        call_worker({worker_path(dir, b), {"info"}, kInfoTimeout, nullptr, check_info_output});
    if (info.ok) {
      s.entry = entry_from_info(b, info.output);
    } else if (!info.interrupted) {
      mark_failed(s, "info: " + info.error);
    }
    states.push_back(std::move(s));
  }

  json machine;
  {
    const WorkerReply m =
        call_worker({worker_path(dir, reference), {"machine"}, kInfoTimeout, nullptr, nullptr});
    machine = m.ok
                  ? m.output
                  : json{{"source", "unavailable"}, {"reason", reference + " machine: " + m.error}};
  }

  std::vector<std::string> run_args = {"run",
                                       "--scenarios",
                                       join(scenarios, ","),
                                       "--mode",
                                       o.mode,
                                       "--seed",
                                       std::to_string(o.seed),
                                       "--threads",
                                       std::to_string(o.threads)};
  const std::size_t base_args = run_args.size();  // before the --param overrides
  json params = json::object();
  for (const auto& [name, value] : o.params) {
    run_args.push_back("--param");
    run_args.push_back(name + "=" + std::to_string(value));
    params[name] = value;
  }

  // One worker process per scenario and parameter set, in timed runs as under callgrind (see
  // grid.hpp); their outputs are joined into one run output per backend and repetition, and the
  // first failure fails the backend. The grid's order rotates with the repetition, as the
  // backends' does.
  const std::vector<GridPoint> grid = expand_grid(catalog, scenarios, o.mode, o.params);
  auto run_grid = [&](const fs::path& worker, const std::vector<std::size_t>& points,
                      const std::string& tag) {
    WorkerReply all;
    all.ok = true;
    all.output = {{"backend", json::object()}, {"results", json::array()}};
    for (std::size_t at = 0; at < points.size() && !interrupt_requested(); ++at) {
      const GridPoint& point = grid[points[at]];
      const std::string point_tag = tag + point.label() + " (" + std::to_string(at + 1) + "/" +
                                    std::to_string(points.size()) + "): ";
      // valgrind's own banner and summary ("==123== ...") stay in the error tail, not progress.
      auto progress = [&](std::string_view line) {
        if (!(valgrind && is_valgrind_line(line))) err << point_tag << line << "\n";
      };
      // The grid point carries the overrides, so only the arguments before them are kept.
      std::vector<std::string> args(run_args.begin(),
                                    run_args.begin() + static_cast<std::ptrdiff_t>(base_args));
      args[2] = point.scenario;  // run --scenarios <this one>
      for (const auto& [k, v] : point.params) {
        args.push_back("--param");
        args.push_back(k + "=" + v);
      }
      const WorkerCall call{worker, args, timeout, progress, check_run_output};
      WorkerReply r =
          valgrind ? call_worker_under_callgrind(call, *valgrind, geometry) : call_worker(call);
      if (!r.ok) {
        if (!r.interrupted) r.error = point.label() + ": " + r.error;
        return r;
      }
      all.output["backend"] = r.output["backend"];
      for (auto& x : r.output["results"]) all.output["results"].push_back(std::move(x));
    }
    if (interrupt_requested()) {
      all.ok = false;
      all.interrupted = true;
    }
    return all;
  };

  json backend_order = json::array();
  json grid_order = json::array();
  std::uint64_t completed = 0;
  const std::size_t n = states.size();
  const std::uint64_t scenario_reps = scenarios.empty() ? 0 : o.repetitions;
  json auto_reps = nullptr;  // --repetitions auto: why it stopped
  std::string stopped_because = "max_repetitions";
  json worst = nullptr;
  const auto reps_started = std::chrono::steady_clock::now();
  double slowest_rep_s = 0;
  for (std::uint64_t rep = 0; rep < scenario_reps && !interrupt_requested(); ++rep) {
    const auto rep_started = std::chrono::steady_clock::now();
    // Rotation: across n repetitions every backend runs first once, so none always gets the
    // machine cold (or warm); the same for the parameter sets within a backend.
    const std::vector<std::size_t> order = rotated_order(n, rep);
    const std::vector<std::size_t> points = rotated_order(grid.size(), rep);
    json names = json::array();
    for (auto i : order) names.push_back(states[i].name);
    backend_order.push_back(names);
    json labels = json::array();
    for (auto i : points) labels.push_back(grid[i].label());
    grid_order.push_back(labels);

    std::vector<std::pair<std::size_t, json>> this_rep;
    for (std::size_t pos = 0; pos < n && !interrupt_requested(); ++pos) {
      BackendState& s = states[order[pos]];
      const std::string tag = "[rep " + std::to_string(rep + 1) + "/" +
                              std::to_string(o.repetitions) + "] " + s.name + " (" +
                              std::to_string(pos + 1) + "/" + std::to_string(n) + "): ";
      if (s.failed) {
        err << tag << "skipped (failed earlier)\n";
        continue;
      }
      const std::uint64_t left =
          (n - pos - 1) + (o.repetitions - rep - 1) * static_cast<std::uint64_t>(n);
      err << tag << "starting " << grid.size() << " worker process"
          << (grid.size() == 1 ? "" : "es") << "; " << left << " backend run"
          << (left == 1 ? "" : "s") << " left after this one\n";
      const auto started = std::chrono::steady_clock::now();
      const WorkerReply r = run_grid(worker_path(dir, s.name), points, tag);
      if (r.interrupted) break;
      if (!r.ok) {
        err << tag << "FAILED: " << r.error << "\n";
        mark_failed(s, r.error);
        continue;
      }
      const double secs =
          std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
      char took[32];
      std::snprintf(took, sizeof took, "%.1f", secs);
      err << tag << "done in " << took << " s\n";
      this_rep.emplace_back(order[pos], r.output);
    }
    if (interrupt_requested()) {  // an unfinished repetition is dropped whole, order and all
      backend_order.erase(backend_order.size() - 1);
      break;
    }
    for (auto& [i, output] : this_rep) {
      if (states[i].failed) continue;
      // The run's own description of the backend is the authoritative one (malloc provider).
      if (output["backend"].is_object()) {
        json e = entry_from_info(states[i].name, output["backend"]);
        states[i].entry = std::move(e);
      }
      states[i].outputs.push_back(std::move(output));
    }
    ++completed;
    if (o.auto_repetitions) {
      const auto now = std::chrono::steady_clock::now();
      slowest_rep_s =
          std::max(slowest_rep_s, std::chrono::duration<double>(now - rep_started).count());
      const double elapsed = std::chrono::duration<double>(now - reps_started).count();
      if (ci_target_met(states, o.target_ci, worst)) {
        stopped_because = "target_ci";
        break;
      }
      if (elapsed + slowest_rep_s > static_cast<double>(o.max_time_s)) {
        stopped_because = "max_time";
        break;
      }
      err << "[auto] after " << completed << " repetition" << (completed == 1 ? "" : "s")
          << ": widest CI " << worst.dump() << "; target " << 100 * o.target_ci << " %\n";
    }
  }
  if (o.auto_repetitions) {
    if (interrupt_requested()) stopped_because = "interrupted";
    const std::map<std::string, std::string> why = {
        {"target_ci", "every result's median 95 % CI half-width is within --target-ci"},
        {"max_time", "the next repetition would have ended after --max-time"},
        {"max_repetitions", "--max-repetitions reached before the CI target"},
        {"interrupted", "interrupted"}};
    auto_reps = {
        {"target_ci_pct", 100 * o.target_ci},
        {"max_repetitions", o.max_repetitions},
        {"max_time_s", o.max_time_s},
        {"stopped_because", stopped_because},
        {"explanation", why.at(stopped_because)},
        {"widest", worst},
        {"seconds",
         std::chrono::duration<double>(std::chrono::steady_clock::now() - reps_started).count()}};
    err << "[auto] stopped after " << completed << " repetitions: " << why.at(stopped_because)
        << "\n";
  }
  json micro = json::object();
  bool micro_failed = false;
  // Google Benchmark repeats as the scenarios did (5 when auto ran no scenarios).
  const std::uint64_t micro_reps = o.auto_repetitions ? (completed ? completed : 5) : o.repetitions;
  if (o.micro) {
    for (std::size_t i = 0; i < n && !interrupt_requested(); ++i) {
      const std::string& b = states[i].name;
      const std::string tag =
          "[micro] " + b + " (" + std::to_string(i + 1) + "/" + std::to_string(n) + "): ";
      err << tag << "starting\n";
      const auto started = std::chrono::steady_clock::now();
      MicroReply m = run_micro({dir, b, micro_reps, o.micro_filter, timeout,
                                [&](std::string_view line) { err << tag << line << "\n"; }});
      if (m.interrupted) break;
      if (!m.ok) {
        err << tag << "FAILED: " << m.entry["error"].get<std::string>() << "\n";
        micro_failed = true;
      } else {
        char took[32];
        std::snprintf(
            took, sizeof took, "%.1f",
            std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
        err << tag << "done in " << took << " s, " << m.entry["benchmarks"].size() << " rows\n";
      }
      micro[b] = std::move(m.entry);
    }
  }
  const bool interrupted = interrupt_requested();
  if (interrupted && completed == 0 && micro.empty()) {
    err << "allocbench run: interrupted before any repetition finished; no report written\n";
    return kExitInterrupted;
  }

  json report;
  report["schema_version"] = kSchemaVersion;
  report["generated_at"] = utc_now(false);
  report["machine"] = machine;
  report["config"] = {{"mode", o.mode},
                      {"repetitions", o.auto_repetitions ? completed : o.repetitions},
                      {"repetitions_mode", o.auto_repetitions ? "auto" : "fixed"},
                      {"noise_threshold_pct", 100 * o.noise_threshold},
                      {"pin", pin},
                      {"repetitions_completed", completed},
                      {"seed", o.seed},
                      {"threads", o.threads},
                      {"timeout_s", o.timeout_s},
                      {"params", params},
                      {"backends", backends},
                      {"scenarios", scenarios},
                      {"backend_order", backend_order},
                      {"isolation",
                       "one worker process per backend, scenario and parameter set in every "
                       "repetition"},
                      {"grid_order", grid_order},
                      {"cache_sim", o.cache_sim},
                      {"micro", o.micro},
                      {"interrupted", interrupted}};
  if (o.auto_repetitions) report["config"]["auto_repetitions"] = auto_reps;
  if (o.cache_sim) {
    report["config"]["cache_sim_geometry"] = geometry_json(geometry);
    report["config"]["cache_sim_note"] =
        "workers ran once under valgrind --tool=callgrind --cache-sim=yes with operation counts "
        "cut 100x; one repetition because callgrind's counts are deterministic; throughput and "
        "latency are unavailable (timing under valgrind is not meaningful)";
  }
  if (o.micro) {
    report["config"]["micro_repetitions"] = micro_reps;
    if (o.micro_filter) report["config"]["micro_filter"] = *o.micro_filter;
  }
  std::vector<BackendRuns> runs;
  bool any_failed = false;
  report["backends"] = json::array();
  for (auto& s : states) {
    any_failed = any_failed || s.failed;
    report["backends"].push_back(s.entry);
    if (!s.failed) runs.push_back({s.name, std::move(s.outputs)});
  }
  std::optional<double> tsc_ghz = number_at(machine, {"tsc_ghz"});
  try {
    report["results"] = merge_results(
        runs,
        MergeOptions{tsc_ghz, number_at(machine, {"timer", "resolution_ns"}), o.noise_threshold});
    if (o.cache_sim) mark_timing_unavailable(report["results"]);
  } catch (const std::exception& e) {
    err << "allocbench run: cannot merge the workers' results: " << e.what() << "\n";
    return kExitSomeFailed;
  }

  if (o.micro) report["micro"] = std::move(micro);
  try {
    const std::string text = dump_report(report);
    if (dest.latest) {
      // Another run may have taken this second's name since the plan: claim a free one.
      dest.primary = write_new_file(dest.primary.parent_path(), stamp, ".json", text);
      write_file_atomically(*dest.latest, text);
    } else {
      write_file_atomically(dest.primary, text);
    }
  } catch (const std::exception& e) {
    err << "allocbench run: cannot write the report: " << e.what() << "\n";
    return kExitSomeFailed;
  }
  out << format_summary(report);
  err << "report: " << dest.primary.string()
      << (dest.latest ? " (also " + dest.latest->string() + ")" : std::string()) << "\n";
  if (interrupted) {
    err << "allocbench run: interrupted; the report holds the " << completed
        << " complete repetition" << (completed == 1 ? "" : "s") << "\n";
    return kExitInterrupted;
  }
  return any_failed || micro_failed ? kExitSomeFailed : kExitOk;
}

}  // namespace allocbench
