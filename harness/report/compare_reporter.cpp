#include "harness/report/compare_reporter.hpp"

#include <algorithm>
#include <map>
#include <optional>
#include <set>
#include <stdexcept>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "harness/report/json_access.hpp"
#include "harness/report/text_table.hpp"

namespace allocbench {

namespace {

using nlohmann::json;

struct Range {
  double lo, hi;
};

std::optional<Range> throughput_range(const json& r) {
  auto lo = number_at(r, {"throughput", "ops_per_sec", "min"});
  auto hi = number_at(r, {"throughput", "ops_per_sec", "max"});
  if (!lo || !hi) return std::nullopt;
  return Range{*lo, *hi};
}

std::optional<Range> p99_range(const json& r) {
  const json* s = json_at(r, {"latency_ns", "p99_samples"});
  if (!s || !s->is_array() || s->empty()) return std::nullopt;
  std::optional<Range> out;
  for (const json& v : *s) {
    if (!v.is_number()) return std::nullopt;
    const double x = v.get<double>();
    out = out ? Range{std::min(out->lo, x), std::max(out->hi, x)} : Range{x, x};
  }
  return out;
}

// "1.05x*" when the ranges are disjoint, "1.05x" when they overlap or are unknown.
std::string marked_ratio(std::optional<double> b, std::optional<double> a, std::optional<Range> rb,
                         std::optional<Range> ra) {
  std::string s = format_ratio(b, a);
  if (s != "n/a" && ra && rb && (rb->lo > ra->hi || rb->hi < ra->lo)) s += '*';
  return s;
}

std::vector<std::string> compare_cells(const json& a, const json& b) {
  auto ops_a = number_at(a, {"throughput", "ops_per_sec", "median"});
  auto ops_b = number_at(b, {"throughput", "ops_per_sec", "median"});
  auto p99_a = number_at(a, {"latency_ns", "p99"});
  auto p99_b = number_at(b, {"latency_ns", "p99"});
  return {format_rate(ops_a),
          format_rate(ops_b),
          marked_ratio(ops_b, ops_a, throughput_range(b), throughput_range(a)),
          format_fixed(p99_a),
          format_fixed(p99_b),
          marked_ratio(p99_b, p99_a, p99_range(b), p99_range(a))};
}

std::string row_key(const json& r) {
  return r["backend"].get<std::string>() + '\n' + r["scenario"].get<std::string>() + '\n' +
         r["params"].dump();
}

// Google Benchmark median aggregates of one backend, by run name (e.g.
// "batch_free/n:4096/manual_time"). The compared figure is the ns_per_item counter where the row
// has it (time per block or task, from the benchmark's own clock: CPU or manual), else real_time.
struct MicroRow {
  std::optional<double> value, real;
  std::string unit, real_unit;
};
std::map<std::string, MicroRow> micro_medians(const json& report, const std::string& backend) {
  std::map<std::string, MicroRow> out;
  const json* rows = json_at(report, {"micro", backend.c_str(), "benchmarks"});
  if (!rows || !rows->is_array()) return out;
  for (const json& row : *rows) {
    if (string_at(row, {"aggregate_name"}) != "median") continue;
    std::string name = string_at(row, {"run_name"}, string_at(row, {"name"}));
    if (name.empty()) continue;
    const std::string time_unit = string_at(row, {"time_unit"}, "ns");
    MicroRow m{number_at(row, {"ns_per_item"}), number_at(row, {"real_time"}), "ns/item",
               time_unit};
    if (!m.value) {
      m.value = m.real;
      m.unit = time_unit;
    }
    out[name] = m;
  }
  return out;
}

std::vector<std::string> micro_backends(const json& report) {
  std::vector<std::string> out;
  const json* micro = json_at(report, {"micro"});
  if (!micro || !micro->is_object()) return out;
  for (auto it = micro->begin(); it != micro->end(); ++it) out.push_back(it.key());
  return out;
}

// Appends one micro table comparing rows of (ra, backend_a) with (rb, backend_b).
void add_micro_rows(TextTable& t, const std::string& label,
                    const std::map<std::string, MicroRow>& a,
                    const std::map<std::string, MicroRow>& b) {
  for (const auto& [name, ma] : a) {
    auto it = b.find(name);
    if (it == b.end()) continue;
    const MicroRow& mb = it->second;
    t.add({label, name, format_fixed(ma.value, 2) + " " + ma.unit,
           format_fixed(mb.value, 2) + " " + mb.unit,
           ma.unit == mb.unit ? format_ratio(mb.value, ma.value) : "unit differs",
           ma.real_unit == mb.real_unit ? format_ratio(mb.real, ma.real) : "unit differs"});
  }
}

// callgrind's per-operation counts of matched rows: deterministic, so no spread marks.
bool has_callgrind(const json& r) {
  return string_at(r, {"cache", "source"}) == "callgrind";
}

std::vector<std::string> callgrind_cells(const json& a, const json& b) {
  std::vector<std::string> cells;
  for (const char* k : {"instructions_per_op", "d1_misses_per_op", "ll_misses_per_op"}) {
    const auto va = number_at(a, {"cache", k}), vb = number_at(b, {"cache", k});
    const int decimals = std::string(k) == "instructions_per_op" ? 1 : 3;
    cells.insert(cells.end(),
                 {format_fixed(va, decimals), format_fixed(vb, decimals), format_ratio(vb, va)});
  }
  return cells;
}

TextTable callgrind_table(const char* a, const char* b) {
  const std::string A = a, B = b;
  return TextTable({"backend", "scenario", "params", "instr/op " + A, "instr/op " + B, "ratio",
                    "D1 miss/op " + A, "D1 miss/op " + B, "ratio", "LL miss/op " + A,
                    "LL miss/op " + B, "ratio"});
}

}  // namespace

std::string format_compare(const json& a, const json& b, const std::string& a_label,
                           const std::string& b_label) {
  std::string out = "A = " + a_label + " (" + string_at(a, {"generated_at"}, "?") +
                    ")\nB = " + b_label + " (" + string_at(b, {"generated_at"}, "?") + ")\n" +
                    "ratios are B/A; * = the repetitions' min-max ranges do not overlap\n\n";
  std::map<std::string, const json*> in_b;
  for (const json& r : b["results"]) in_b.emplace(row_key(r), &r);
  TextTable table({"backend", "scenario", "params", "ops/s A", "ops/s B", "B/A", "p99 ns A",
                   "p99 ns B", "B/A"});
  std::set<std::string> matched;
  std::vector<std::string> only_a, only_b;
  TextTable cg_table = callgrind_table("A", "B");
  std::size_t cg_rows = 0;
  for (const json& r : a["results"]) {
    const std::string key = row_key(r);
    auto it = in_b.find(key);
    const std::string label = r["backend"].get<std::string>() + " " +
                              r["scenario"].get<std::string>() + " " + params_label(r["params"]);
    if (it == in_b.end()) {
      only_a.push_back(label);
      continue;
    }
    matched.insert(key);
    std::vector<std::string> row = {r["backend"].get<std::string>(),
                                    r["scenario"].get<std::string>(), params_label(r["params"])};
    if (has_callgrind(r) && has_callgrind(*it->second)) {
      std::vector<std::string> cg = row;
      for (auto& c : callgrind_cells(r, *it->second)) cg.push_back(std::move(c));
      cg_table.add(std::move(cg));
      ++cg_rows;
    }
    for (auto& c : compare_cells(r, *it->second)) row.push_back(std::move(c));
    table.add(std::move(row));
  }
  for (const json& r : b["results"]) {
    if (!matched.count(row_key(r))) {
      only_b.push_back(r["backend"].get<std::string>() + " " + r["scenario"].get<std::string>() +
                       " " + params_label(r["params"]));
    }
  }
  out += matched.empty() ? "no results in common\n" : table.render();
  for (const auto& l : only_a) out += "only in A: " + l + "\n";
  for (const auto& l : only_b) out += "only in B: " + l + "\n";
  if (cg_rows)
    out += "\ncallgrind cache simulation, per operation (ratios B/A)\n" + cg_table.render();

  const auto ma = micro_backends(a), mb = micro_backends(b);
  if (ma.empty() || mb.empty()) {
    out += "\nmicro: not compared (" +
           std::string(ma.empty() && mb.empty() ? "neither report has" : "only one report has") +
           " micro benchmark rows)\n";
    return out;
  }
  TextTable micro({"backend", "benchmark", "A", "B", "B/A", "real_time B/A"});
  for (const auto& backend : ma) {
    if (std::find(mb.begin(), mb.end(), backend) == mb.end()) continue;
    add_micro_rows(micro, backend, micro_medians(a, backend), micro_medians(b, backend));
  }
  out += "\nmicro (Google Benchmark medians; ns_per_item where the row has it, else real_time)\n" +
         micro.render();
  return out;
}

std::string format_baseline(const json& report, const std::string& baseline) {
  std::map<std::string, const json*> base;  // scenario + params -> baseline row
  std::set<std::string> backends;
  for (const json& r : report["results"]) {
    backends.insert(r["backend"].get<std::string>());
    if (r["backend"] == baseline) {
      base.emplace(r["scenario"].get<std::string>() + '\n' + r["params"].dump(), &r);
    }
  }
  // A --micro-only report has no scenario results; its micro rows still compare.
  const bool micro_only = report["results"].empty() && !micro_medians(report, baseline).empty();
  if (base.empty() && !micro_only) {
    std::string names;
    for (const auto& b : backends) names += (names.empty() ? "" : ", ") + b;
    throw std::invalid_argument(
        "baseline '" + baseline + "' has no results in this report" +
        (names.empty() ? " (it has no results at all)" : "; backends with results: " + names));
  }
  std::string out = "every backend against " + baseline + " (" +
                    string_at(report, {"generated_at"}, "?") + ")\n" + "ratios are backend/" +
                    baseline + "; * = the repetitions' min-max ranges do not overlap\n\n";
  TextTable table({"backend", "scenario", "params", "ops/s base", "ops/s", "ratio", "p99 ns base",
                   "p99 ns", "ratio"});
  TextTable cg_table = callgrind_table("base", "backend");
  std::size_t cg_rows = 0;
  for (const json& r : report["results"]) {
    if (r["backend"] == baseline) continue;
    auto it = base.find(r["scenario"].get<std::string>() + '\n' + r["params"].dump());
    if (it == base.end()) continue;
    std::vector<std::string> row = {r["backend"].get<std::string>(),
                                    r["scenario"].get<std::string>(), params_label(r["params"])};
    if (has_callgrind(r) && has_callgrind(*it->second)) {
      std::vector<std::string> cg = row;
      for (auto& c : callgrind_cells(*it->second, r)) cg.push_back(std::move(c));
      cg_table.add(std::move(cg));
      ++cg_rows;
    }
    for (auto& c : compare_cells(*it->second, r)) row.push_back(std::move(c));
    table.add(std::move(row));
  }
  out += micro_only ? "no scenario results (a micro-only report)\n" : table.render();
  if (cg_rows) {
    out += "\ncallgrind cache simulation, per operation (ratios backend/" + baseline + ")\n" +
           cg_table.render();
  }

  const auto mb = micro_backends(report);
  if (std::find(mb.begin(), mb.end(), baseline) == mb.end()) {
    out += "\nmicro: not compared (no micro benchmark rows for " + baseline + ")\n";
    return out;
  }
  TextTable micro({"backend", "benchmark", "base", "value", "ratio", "real_time ratio"});
  const auto base_rows = micro_medians(report, baseline);
  for (const auto& backend : mb) {
    if (backend != baseline)
      add_micro_rows(micro, backend, base_rows, micro_medians(report, backend));
  }
  out += "\nmicro (Google Benchmark medians; ns_per_item where the row has it, else real_time)\n" +
         micro.render();
  return out;
}

}  // namespace allocbench
