#include "harness/driver/run_command.hpp"

#include <algorithm>
#include <chrono>
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
#include "harness/driver/interrupt.hpp"
#include "harness/driver/micro_runner.hpp"
#include "harness/driver/workers.hpp"
#include "harness/report/atomic_file.hpp"
#include "harness/report/cache_sim.hpp"
#include "harness/report/json_access.hpp"
#include "harness/report/merge.hpp"
#include "harness/report/protocol.hpp"
#include "harness/report/schema.hpp"
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
      std::vector<std::string> subset;
      for (const auto& k : known) {
        if (std::find(kCacheSimScenarios.begin(), kCacheSimScenarios.end(), k) !=
            kCacheSimScenarios.end()) {
          subset.push_back(k);
        }
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

  // Under callgrind, one worker process per scenario and parameter set (see expand_grid); their
  // outputs are joined into one run output, and the first failure fails the backend.
  const std::vector<GridPoint> grid =
      o.cache_sim ? expand_grid(catalog, scenarios, o.mode, o.params) : std::vector<GridPoint>{};
  auto run_under_callgrind = [&](const fs::path& worker,
                                 const std::function<void(std::string_view)>& progress) {
    WorkerReply all;
    all.ok = true;
    all.output = {{"backend", json::object()}, {"results", json::array()}};
    for (const GridPoint& point : grid) {
      // The grid point carries the overrides, so only the arguments before them are kept.
      std::vector<std::string> args(run_args.begin(),
                                    run_args.begin() + static_cast<std::ptrdiff_t>(base_args));
      args[2] = point.scenario;  // run --scenarios <this one>
      for (const auto& [k, v] : point.params) {
        args.push_back("--param");
        args.push_back(k + "=" + v);
      }
      WorkerReply r = call_worker_under_callgrind(
          {worker, args, timeout, progress, check_run_output}, *valgrind, geometry);
      if (!r.ok) {
        if (!r.interrupted) r.error = point.label() + ": " + r.error;
        return r;
      }
      all.output["backend"] = r.output["backend"];
      for (auto& x : r.output["results"]) all.output["results"].push_back(std::move(x));
    }
    return all;
  };

  json backend_order = json::array();
  std::uint64_t completed = 0;
  const std::size_t n = states.size();
  const std::uint64_t scenario_reps = scenarios.empty() ? 0 : o.repetitions;
  for (std::uint64_t rep = 0; rep < scenario_reps && !interrupt_requested(); ++rep) {
    // Rotation: across n repetitions every backend runs first once, so none always gets the
    // machine cold (or warm).
    std::vector<std::size_t> order;
    for (std::size_t i = 0; i < n; ++i) order.push_back((i + rep) % n);
    json names = json::array();
    for (auto i : order) names.push_back(states[i].name);
    backend_order.push_back(names);

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
      err << tag << "starting; " << left << " worker run" << (left == 1 ? "" : "s")
          << " left after this one\n";
      const auto started = std::chrono::steady_clock::now();
      // valgrind's own banner and summary ("==123== ...") stay in the error tail, not progress.
      auto progress = [&](std::string_view line) {
        if (!(valgrind && is_valgrind_line(line))) err << tag << line << "\n";
      };
      const WorkerReply r = valgrind ? run_under_callgrind(worker_path(dir, s.name), progress)
                                     : call_worker({worker_path(dir, s.name), run_args, timeout,
                                                    progress, check_run_output});
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
  }
  json micro = json::object();
  bool micro_failed = false;
  if (o.micro) {
    for (std::size_t i = 0; i < n && !interrupt_requested(); ++i) {
      const std::string& b = states[i].name;
      const std::string tag =
          "[micro] " + b + " (" + std::to_string(i + 1) + "/" + std::to_string(n) + "): ";
      err << tag << "starting\n";
      const auto started = std::chrono::steady_clock::now();
      MicroReply m = run_micro({dir, b, o.repetitions, o.micro_filter, timeout,
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
                      {"repetitions", o.repetitions},
                      {"repetitions_completed", completed},
                      {"seed", o.seed},
                      {"threads", o.threads},
                      {"timeout_s", o.timeout_s},
                      {"params", params},
                      {"backends", backends},
                      {"scenarios", scenarios},
                      {"backend_order", backend_order},
                      {"cache_sim", o.cache_sim},
                      {"micro", o.micro},
                      {"interrupted", interrupted}};
  if (o.cache_sim) {
    report["config"]["cache_sim_geometry"] = geometry_json(geometry);
    report["config"]["cache_sim_note"] =
        "workers ran once under valgrind --tool=callgrind --cache-sim=yes with operation counts "
        "cut 100x; one repetition because callgrind's counts are deterministic; throughput and "
        "latency are unavailable (timing under valgrind is not meaningful)";
  }
  if (o.micro) {
    report["config"]["micro_repetitions"] = o.repetitions;
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
    report["results"] = merge_results(runs, tsc_ghz);
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
