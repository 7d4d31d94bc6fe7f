#include "harness/driver/repetitions.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <map>
#include <string_view>

#include "harness/driver/cache_sim.hpp"
#include "harness/driver/interrupt.hpp"
#include "harness/driver/workers.hpp"
#include "harness/report/json_access.hpp"
#include "harness/report/merge.hpp"
#include "harness/report/protocol.hpp"
#include "harness/report/statistics.hpp"

namespace allocbench {

namespace {

namespace fs = std::filesystem;
using nlohmann::json;

constexpr std::chrono::seconds kInfoTimeout{60};

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

// One worker process per grid point, in timed runs as under callgrind (see grid.hpp); their
// outputs are joined into one run output, and the first failure fails it.
WorkerReply run_grid(const RunPlan& plan, const RunOptions& o, const fs::path& worker,
                     const std::vector<std::size_t>& points, Progress& progress) {
  WorkerReply all;
  all.ok = true;
  all.output = {{"backend", json::object()}, {"results", json::array()}};
  for (std::size_t at = 0; at < points.size() && !interrupt_requested(); ++at) {
    const GridPoint& point = plan.grid[points[at]];
    progress.begin_point(point, at + 1, points.size());
    // valgrind's own banner and summary ("==123== ...") stay in the error tail, not progress.
    auto on_line = [&](std::string_view line) {
      if (!(plan.valgrind && is_valgrind_line(line))) progress.worker_line(line);
    };
    const WorkerCall call{worker, worker_run_args(o, point), std::chrono::seconds(o.timeout_s),
                          on_line, check_run_output};
    WorkerReply r = plan.valgrind ? call_worker_under_callgrind(call, *plan.valgrind, plan.geometry)
                                  : call_worker(call);
    if (!r.ok) {
      if (!r.interrupted) r.error = point.label() + ": " + r.error;
      return r;
    }
    progress.end_point(point);
    all.output["backend"] = r.output["backend"];
    for (auto& x : r.output["results"]) all.output["results"].push_back(std::move(x));
  }
  if (interrupt_requested()) {
    all.ok = false;
    all.interrupted = true;
  }
  return all;
}

}  // namespace

json entry_from_info(const std::string& name, const json& info) {
  json e = info.is_object() ? info : json::object();
  e.erase("scenarios");
  e["name"] = name;
  e["status"] = "ok";
  e["error"] = nullptr;
  return e;
}

std::vector<BackendState> start_backends(const RunPlan& plan) {
  std::vector<BackendState> states;
  for (const auto& b : plan.backends) {
    BackendState s{b, entry_from_info(b, json::object()), {}, false};
    const WorkerReply info =
        call_worker({worker_path(plan.dir, b), {"info"}, kInfoTimeout, nullptr, check_info_output});
    if (info.ok) {
      s.entry = entry_from_info(b, info.output);
    } else if (!info.interrupted) {
      mark_failed(s, "info: " + info.error);
    }
    states.push_back(std::move(s));
  }
  return states;
}

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

Repetitions run_repetitions(const RunPlan& plan, const RunOptions& o,
                            std::vector<BackendState>& states, Progress& progress) {
  Repetitions reps;
  const std::size_t n = states.size();
  const std::uint64_t scenario_reps = plan.scenarios.empty() ? 0 : o.repetitions;
  std::string stopped_because = "max_repetitions";
  json worst = nullptr;
  const auto reps_started = std::chrono::steady_clock::now();
  double slowest_rep_s = 0;
  for (std::uint64_t rep = 0; rep < scenario_reps && !interrupt_requested(); ++rep) {
    const auto rep_started = std::chrono::steady_clock::now();
    // Rotation: across n repetitions every backend runs first once, so none always gets the
    // machine cold (or warm); the same for the parameter sets within a backend.
    const std::vector<std::size_t> order = rotated_order(n, rep);
    const std::vector<std::size_t> points = rotated_order(plan.grid.size(), rep);
    json names = json::array();
    for (auto i : order) names.push_back(states[i].name);
    reps.backend_order.push_back(names);
    json labels = json::array();
    for (auto i : points) labels.push_back(plan.grid[i].label());
    reps.grid_order.push_back(labels);

    std::vector<std::pair<std::size_t, json>> this_rep;
    for (std::size_t pos = 0; pos < n && !interrupt_requested(); ++pos) {
      BackendState& s = states[order[pos]];
      const std::string tag = "[rep " + std::to_string(rep + 1) + "/" +
                              std::to_string(o.repetitions) + "] " + s.name + " (" +
                              std::to_string(pos + 1) + "/" + std::to_string(n) + ")";
      progress.begin_backend(tag);
      if (s.failed) {
        progress.skip_backend(plan.grid);
        continue;
      }
      const auto started = std::chrono::steady_clock::now();
      const WorkerReply r = run_grid(plan, o, worker_path(plan.dir, s.name), points, progress);
      if (r.interrupted) break;
      if (!r.ok) {
        progress.error(tag + ": FAILED: " + r.error);
        mark_failed(s, r.error);
        continue;
      }
      const double secs =
          std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
      progress.end_backend(true, secs);
      this_rep.emplace_back(order[pos], r.output);
    }
    if (interrupt_requested()) {  // an unfinished repetition is dropped whole, order and all
      reps.backend_order.erase(reps.backend_order.size() - 1);
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
    ++reps.completed;
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
      progress.line("[auto] after " + std::to_string(reps.completed) + " repetition" +
                    (reps.completed == 1 ? "" : "s") + ": widest CI " + worst.dump() + "; target " +
                    std::to_string(100 * o.target_ci) + " %");
    }
  }
  if (o.auto_repetitions) {
    if (interrupt_requested()) stopped_because = "interrupted";
    const std::map<std::string, std::string> why = {
        {"target_ci", "every result's median 95 % CI half-width is within --target-ci"},
        {"max_time", "the next repetition would have ended after --max-time"},
        {"max_repetitions", "--max-repetitions reached before the CI target"},
        {"interrupted", "interrupted"}};
    reps.auto_repetitions = {
        {"target_ci_pct", 100 * o.target_ci},
        {"max_repetitions", o.max_repetitions},
        {"max_time_s", o.max_time_s},
        {"stopped_because", stopped_because},
        {"explanation", why.at(stopped_because)},
        {"widest", worst},
        {"seconds",
         std::chrono::duration<double>(std::chrono::steady_clock::now() - reps_started).count()}};
    progress.line("[auto] stopped after " + std::to_string(reps.completed) +
                  " repetitions: " + why.at(stopped_because));
  }
  return reps;
}

}  // namespace allocbench
