#include "harness/report/summary_reporter.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <optional>
#include <vector>

#include <nlohmann/json.hpp>

#include "harness/report/json_access.hpp"
#include "harness/report/noise.hpp"
#include "harness/report/text_table.hpp"

namespace allocbench {

namespace {

using nlohmann::json;

std::optional<double> median_ops(const json& r) {
  return number_at(r, {"throughput", "ops_per_sec", "median"});
}

bool is_callgrind(const json& r) {
  return string_at(r, {"cache", "source"}) == "callgrind";
}

// The backend's name, marked "(n/c)" on a row the report says is not comparable.
std::string backend_cell(const json& r) {
  const std::string name = r["backend"].get<std::string>();
  return r.contains("not_comparable") ? name + " (n/c)" : name;
}

// A cache-simulation group: callgrind's per-operation counts instead of (meaningless) timing.
std::string callgrind_table(const std::vector<const json*>& rows) {
  std::optional<double> system_ir;
  for (const json* r : rows) {
    if ((*r)["backend"] == "system") system_ir = number_at(*r, {"cache", "instructions_per_op"});
  }
  TextTable table({"backend", "instr/op", "D1 miss/op", "LL miss/op", "instr vs system"});
  for (const json* r : rows) {
    const auto ir = number_at(*r, {"cache", "instructions_per_op"});
    std::vector<std::string> row = {backend_cell(*r)};
    if (!is_callgrind(*r)) {
      row.push_back("unavailable: " + string_at(*r, {"cache", "reason"}, "no callgrind figures"));
    } else {
      row.insert(row.end(),
                 {format_fixed(ir), format_fixed(number_at(*r, {"cache", "d1_misses_per_op"}), 3),
                  format_fixed(number_at(*r, {"cache", "ll_misses_per_op"}), 3),
                  format_ratio(ir, system_ir)});
    }
    table.add(std::move(row));
  }
  return table.render();
}

// Google Benchmark medians: one row per benchmark, one column per backend; ns_per_item where
// the row has it (else real_time in its unit).
std::string micro_table(const json& micro) {
  std::vector<std::string> backends, names;
  std::map<std::string, std::map<std::string, std::string>> cell;  // name -> backend -> text
  for (auto b = micro.begin(); b != micro.end(); ++b) {
    const json* rows = json_at(*b, {"benchmarks"});
    if (!rows || !rows->is_array()) continue;
    backends.push_back(b.key());
    for (const json& row : *rows) {
      if (string_at(row, {"aggregate_name"}) != "median") continue;
      const std::string name = string_at(row, {"run_name"}, string_at(row, {"name"}));
      if (!cell.count(name)) names.push_back(name);
      const auto per_item = number_at(row, {"ns_per_item"});
      cell[name][b.key()] = per_item ? format_fixed(per_item, 2)
                                     : format_fixed(number_at(row, {"real_time"}), 2) + " " +
                                           string_at(row, {"time_unit"}, "ns") + " real";
    }
  }
  if (backends.empty()) return {};
  std::vector<std::string> header = {"benchmark (median ns/item)"};
  header.insert(header.end(), backends.begin(), backends.end());
  TextTable table(header);
  for (const auto& name : names) {
    std::vector<std::string> row = {name};
    for (const auto& b : backends) {
      auto it = cell[name].find(b);
      row.push_back(it == cell[name].end() ? "n/a" : it->second);
    }
    table.add(std::move(row));
  }
  return "micro benchmarks\n" + table.render() + "\n";
}

std::string ci_cell(const json& r) {
  const json* ci = json_at(r, {"throughput", "ops_per_sec", "ci95"});
  if (!ci || !ci->contains("low")) return "n/a";
  return format_rate(number_at(*ci, {"low"})) + "-" + format_rate(number_at(*ci, {"high"}));
}

std::string cv_cell(const json& r) {
  const auto cv = number_at(r, {"throughput", "ops_per_sec", "cv"});
  if (!cv) return "n/a";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f%%", 100 * *cv);
  const json* noisy = json_at(r, {"noisy"});
  return std::string(buf) + (noisy && noisy->is_boolean() && noisy->get<bool>() ? " noisy" : "");
}

}  // namespace

std::string format_summary(const json& report) {
  const json& results = report["results"];
  // Group rows by scenario + params, keeping the report's order.
  std::vector<std::string> order;
  std::map<std::string, std::vector<const json*>> groups;
  std::map<std::string, const json*> floor_of;  // backend -> its first floor result
  for (const json& r : results) {
    const std::string key = r["scenario"].get<std::string>() + "  " + workload_label(r["params"]);
    if (!groups.count(key)) order.push_back(key);
    groups[key].push_back(&r);
    if (r["scenario"] == "floor" && !floor_of.count(r["backend"].get<std::string>())) {
      floor_of[r["backend"].get<std::string>()] = &r;
    }
  }
  const bool has_floor = !floor_of.empty();
  const std::optional<double> machine_step =
      number_at(report, {"machine", "timer", "resolution_ns"});
  bool any_steps = false;
  bool timed_tables = false;
  const bool any_apart = std::any_of(results.begin(), results.end(),
                                     [](const json& r) { return r.contains("not_comparable"); });

  // The control first: every ratio below is read against it.
  const double threshold = number_at(report, {"config", "noise_threshold_pct"}).value_or(5.0) / 100;
  const NoiseLevel noise = floor_noise(report);
  bool any_within_noise = false;
  // "0.98x~" when the ratio is within the run's noise.
  auto ratio_cell = [&](std::optional<double> num, std::optional<double> den) {
    std::string cell = format_ratio(num, den);
    // (A row against itself, 1.00x exactly, is the reference, not a ratio to mark.)
    if (num && den && *den != 0 && *num != *den && within_noise(*num / *den, noise)) {
      cell += "~";
      any_within_noise = true;
    }
    return cell;
  };
  std::string out = noise_text(noise, threshold) + "\n";
  for (const auto& key : order) {
    const auto& rows = groups[key];
    if (std::any_of(rows.begin(), rows.end(), [](const json* r) { return is_callgrind(*r); })) {
      out +=
          key + "  (callgrind, simulated caches, per operation)\n" + callgrind_table(rows) + "\n";
      continue;
    }
    timed_tables = true;
    std::optional<double> system_ops;
    for (const json* r : rows) {
      if ((*r)["backend"] == "system") system_ops = median_ops(*r);
    }
    std::vector<std::string> header = {"backend",
                                       "ops/s",
                                       "95% CI",
                                       "CV",
                                       "batch p50 ns",
                                       "batch p90 ns",
                                       "batch p99 ns",
                                       "1-op p99 ns",
                                       "1-op p99.9 ns",
                                       "1-op p99.99 ns",
                                       "requested / reserved",
                                       "vs system"};
    if (has_floor) header.push_back("vs floor");
    TextTable table(header);
    for (const json* r : rows) {
      const std::string backend = (*r)["backend"].get<std::string>();
      std::optional<double> step = number_at(*r, {"latency_ns", "timer_step_ns"});
      if (!step) step = machine_step;
      std::vector<std::string> row = {backend_cell(*r), format_rate(median_ops(*r)), ci_cell(*r),
                                      cv_cell(*r)};
      for (const char* k : {"p50", "p90", "p99"}) {
        row.push_back(format_fixed(number_at(*r, {"latency_batched_ns", k}), 2));
      }
      for (const char* k : {"p99", "p999", "p9999"}) {
        const auto v = number_at(*r, {"latency_ns", k});
        row.push_back(format_single_op(v, step));
        any_steps = any_steps || within_few_steps(v, step);
      }
      const auto requested = number_at(*r, {"memory", "requested_bytes"});
      const auto reserved = number_at(*r, {"memory", "reserved_bytes"});
      // Neither figure noted (the floor takes no frame from the backend): n/a, not "0".
      row.push_back(requested.value_or(0) == 0 && !reserved
                        ? "n/a"
                        : format_bytes(requested) + " / " + format_bytes(reserved));
      row.push_back(ratio_cell(median_ops(*r), system_ops));
      if (has_floor) {
        auto f = floor_of.find(backend);
        row.push_back(f == floor_of.end() ? "n/a"
                                          : ratio_cell(median_ops(*r), median_ops(*f->second)));
      }
      table.add(std::move(row));
    }
    out += key + "\n" + table.render() + "\n";
  }
  if (timed_tables) {
    out +=
        "ops/s: median over repetitions; 95% CI of that median from order statistics (n/a below 6 "
        "repetitions); CV over repetitions, 'noisy' above the run's --noise-threshold.\n"
        "batch: per-operation time of batches of B operations, one timing pair each (resolves "
        "below the timer's step, hides single slow operations); 1-op: single operations timed "
        "alone (the only view of rare slow ones).\n";
    out +=
        "requested / reserved: the backend's bytes at the scenario's peak live set: what the "
        "tasks asked for, and what the allocator holds for them (its meaning differs per "
        "backend: the report's backends[].reserved_meaning).\n";
    if (any_within_noise) {
      out += "~: within the run's noise (" + format_fixed(100 * noise.level, 1) +
             "%, the floor's spread): not a finding.\n";
    }
    if (any_steps) {
      out += "~N [k steps]: a single-operation value within " + format_fixed(kFewTimerSteps, 0) +
             " timer steps (step " + format_fixed(machine_step, 1) +
             " ns) is only known to the step.\n";
    }
    out += "\n";
  }
  if (any_apart) {
    out +=
        "(n/c): not comparable: the backend's frees are no-ops (pmr_monotonic) and the scenario "
        "reuses freed frames, so every spawn takes new memory (a pointer bump plus first-touch "
        "page "
        "faults) and its memory grows with the operation count (the report's not_comparable says "
        "so per row).\n\n";
  }
  const json* micro = json_at(report, {"micro"});
  if (order.empty() && !micro) out += "no results\n";
  if (micro && micro->is_object()) {
    out += micro_table(*micro);
    for (auto b = micro->begin(); b != micro->end(); ++b) {
      if (string_at(*b, {"status"}) == "failed") {
        out += "FAILED micro " + b.key() + ": " + string_at(*b, {"error"}, "(no error recorded)") +
               "\n";
      }
    }
  }
  for (const json& b : report["backends"]) {
    if (b["status"] != "ok") {
      out += "FAILED " + b["name"].get<std::string>() + ": " +
             string_at(b, {"error"}, "(no error recorded)") + "\n";
    }
  }
  return out;
}

}  // namespace allocbench
