#include "harness/report/compare_reporter.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <optional>
#include <set>
#include <stdexcept>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "harness/report/json_access.hpp"
#include "harness/report/merge.hpp"
#include "harness/report/noise.hpp"
#include "harness/report/report_diff.hpp"
#include "harness/report/statistics.hpp"
#include "harness/report/text_table.hpp"
#include "harness/report/workload.hpp"

namespace allocbench {

namespace {

using nlohmann::json;

std::vector<double> ops_samples(const json& r) {
  std::vector<double> out;
  const json* s = json_at(r, {"throughput", "ops_per_sec", "samples"});
  if (!s || !s->is_array()) return out;
  for (const json& v : *s) {
    if (v.is_number() && v.get<double>() > 0) out.push_back(v.get<double>());
  }
  return out;
}

json side_json(const std::vector<double>& xs, double noise_threshold) {
  const auto cv = coefficient_of_variation(xs);
  return {{"n", xs.size()},
          {"median", xs.empty() ? json(nullptr) : json(median(xs))},
          {"cv", cv ? json(*cv) : json(nullptr)},
          {"noisy", cv && *cv > noise_threshold}};
}

// One matched row's statistics: B against A (A the baseline).
json row_statistics(const json& a, const json& b, const CompareSettings& st) {
  const std::vector<double> xa = ops_samples(a), xb = ops_samples(b);
  json row = {{"backend", b["backend"]},
              {"scenario", b["scenario"]},
              {"params", b["params"]},
              {"a", side_json(xa, st.noise_threshold)},
              {"b", side_json(xb, st.noise_threshold)}};
  if (a["backend"] != b["backend"]) row["baseline"] = a["backend"];
  if (a["params"] != b["params"]) row["a_params"] = a["params"];  // paired on the workload
  const auto p99_a = number_at(a, {"latency_ns", "p99"});
  const auto p99_b = number_at(b, {"latency_ns", "p99"});
  row["p99_ns"] = {{"a", p99_a ? json(*p99_a) : json(nullptr)},
                   {"b", p99_b ? json(*p99_b) : json(nullptr)}};
  for (const auto& [side, r] :
       {std::pair<const char*, const json*>{"a_timer_step_ns", &a}, {"b_timer_step_ns", &b}}) {
    if (const auto step = number_at(*r, {"latency_ns", "timer_step_ns"})) {
      row["p99_ns"][side] = *step;
    }
  }
  if (xa.empty() || xb.empty()) {
    row["verdict"] = "n/a";
    row["why"] = "no throughput samples on " + std::string(xa.empty() ? "A" : "B");
    return row;
  }
  const RatioInterval ri = ratio_interval(xa, xb, 1 - st.alpha);
  const MannWhitney mw = mann_whitney(xb, xa);
  row["ratio"] = ri.ratio;
  row["change_pct"] = 100 * (ri.ratio - 1);
  row["ratio_ci95"] = ri.available ? json{{"low", ri.low},
                                          {"high", ri.high},
                                          {"coverage", ri.coverage},
                                          {"method", "pairwise ratios b_j/a_i (Moses)"}}
                                   : json{{"source", "unavailable"}, {"reason", ri.reason}};
  row["p_value"] = mw.p;
  row["test"] = "Mann-Whitney U, two-sided, " + mw.method;
  const bool noisy = row["a"]["noisy"].get<bool>() || row["b"]["noisy"].get<bool>();
  const double effect = std::fabs(ri.ratio - 1);
  std::string verdict;
  if (min_two_sided_p(xa.size(), xb.size()) > st.alpha) {
    verdict = "too few repetitions";
  } else if (mw.p < st.alpha && effect >= st.min_effect) {
    verdict = ri.ratio > 1 ? "faster" : "slower";
  } else if (mw.p >= st.alpha && effect >= st.min_effect && noisy) {
    verdict = "noisy";
  } else {
    verdict = "no change";
  }
  row["verdict"] = verdict;
  return row;
}

std::string fmt(const char* f, double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, f, v);
  return buf;
}

std::string pct(const json& v) {
  return v.is_number() ? fmt("%.1f%%", 100 * v.get<double>()) : "n/a";
}

std::vector<std::string> compare_cells(const json& row) {
  const json& a = row["a"];
  const json& b = row["b"];
  auto opt = [](const json& v) {
    return v.is_number() ? std::optional<double>(v.get<double>()) : std::nullopt;
  };
  const json& p99 = row["p99_ns"];
  const auto step_a = opt(p99.value("a_timer_step_ns", json())),
             step_b = opt(p99.value("b_timer_step_ns", json()));
  const bool coarse =
      within_few_steps(opt(p99["a"]), step_a) || within_few_steps(opt(p99["b"]), step_b);
  std::string ci = "n/a", p = "n/a", ratio = "n/a";
  if (row.contains("ratio")) {
    ratio = fmt("%.3fx", row["ratio"].get<double>());
    const json& c = row["ratio_ci95"];
    ci = c.contains("low")
             ? fmt("%.3f", c["low"].get<double>()) + "-" + fmt("%.3f", c["high"].get<double>())
             : "too few reps";
    p = fmt("%.3g", row["p_value"].get<double>());
  }
  return {format_rate(opt(a["median"])), format_rate(opt(b["median"])), ratio, ci, p,
          pct(a["cv"]) + (a["noisy"].get<bool>() ? "!" : "") + " / " + pct(b["cv"]) +
              (b["noisy"].get<bool>() ? "!" : ""),
          row["verdict"].get<std::string>(), format_single_op(opt(p99["a"]), step_a),
          format_single_op(opt(p99["b"]), step_b),
          // A ratio of two step counts (20 vs 10 ns) would claim a 2x that is one step.
          coarse ? "coarse" : format_ratio(opt(p99["b"]), opt(p99["a"]))};
}

TextTable stats_table(const std::string& a, const std::string& b) {
  return TextTable({"backend", "scenario", "params", "ops/s " + a, "ops/s " + b, b + "/" + a,
                    "95% CI", "p", "CV " + a + " / " + b, "verdict", "p99 ns " + a, "p99 ns " + b,
                    "p99 " + b + "/" + a});
}

std::string settings_line(const CompareSettings& st) {
  std::string s =
      "ops/s ratio with its 95% CI (pairwise ratios, distribution-free) and a two-sided "
      "Mann-Whitney U p over the repetitions; verdict at alpha " +
      fmt("%.2f", st.alpha) + " with a minimum effect of " + fmt("%.1f%%", 100 * st.min_effect) +
      "; CV above " + fmt("%.1f%%", 100 * st.noise_threshold) + " is noisy (!)";
  if (st.fail_if_slower) {
    s += "; gate: fail if significantly slower by more than " +
         fmt("%.1f%%", 100 * *st.fail_if_slower);
  }
  return s + "\n";
}

// Warnings, the verdict counts and the gate, shared by both comparisons.
void finish(Comparison& c, const CompareSettings& st) {
  json& rows = c.json["rows"];
  std::map<std::string, int> counts;
  std::set<std::pair<std::size_t, std::size_t>> too_few;
  json gate_rows = json::array();
  for (const json& r : rows) {
    ++counts[r["verdict"].get<std::string>()];
    const std::size_t na = r["a"]["n"], nb = r["b"]["n"];
    if (na && nb && min_two_sided_p(na, nb) > st.alpha) too_few.insert({na, nb});
    if (st.fail_if_slower && r["verdict"] == "slower" &&
        r["ratio"].get<double>() < 1 - *st.fail_if_slower) {
      gate_rows.push_back(r["backend"].get<std::string>() + " " + r["scenario"].get<std::string>() +
                          " " + workload_label(r["params"]) + ": " +
                          fmt("%.1f%%", -r["change_pct"].get<double>()) + " slower");
    }
  }
  json warnings = json::array();
  for (const auto& [na, nb] : too_few) {
    warnings.push_back("with " + std::to_string(na) + " and " + std::to_string(nb) +
                       " repetitions the smallest possible p-value is " +
                       fmt("%.3f", min_two_sided_p(na, nb)) + ", above alpha " +
                       fmt("%.2f", st.alpha) +
                       ": no row can be called faster or slower (4 and 4 are the fewest that can; "
                       "9 or more see changes of a few percent)");
  }
  json summary = json::object();
  for (const auto& [k, v] : counts) summary[k] = v;
  c.json["summary"] = summary;
  c.json["warnings"] = warnings;
  c.gate_failed = !gate_rows.empty();
  c.json["gate"] = {
      {"fail_if_slower_pct", st.fail_if_slower ? json(100 * *st.fail_if_slower) : json(nullptr)},
      {"failed", c.gate_failed},
      {"rows", gate_rows}};
  std::string tail;
  if (!rows.empty()) {
    tail += "verdicts:";
    for (const auto& [k, v] : counts) tail += " " + k + " " + std::to_string(v) + ";";
    tail.back() = '\n';
  }
  for (const auto& w : warnings) tail += "warning: " + w.get<std::string>() + "\n";
  if (st.fail_if_slower) {
    tail += c.gate_failed
                ? "GATE FAILED (--fail-if-slower " + fmt("%g", 100 * *st.fail_if_slower) + "):\n"
                : "gate passed: no row significantly slower by more than " +
                      fmt("%g%%", 100 * *st.fail_if_slower) + "\n";
    for (const auto& g : gate_rows) tail += "  " + g.get<std::string>() + "\n";
  }
  // Before the micro and callgrind sections: right under the table it explains.
  const std::size_t at = c.text.find("\x1f");
  if (at == std::string::npos) {
    c.text += tail;
  } else {
    c.text.replace(at, 1, tail);
  }
}

json settings_json(const CompareSettings& st) {
  return {{"alpha", st.alpha},
          {"min_effect_pct", 100 * st.min_effect},
          {"noise_threshold_pct", 100 * st.noise_threshold},
          {"ci",
           "95 % distribution-free interval of the ratio of locations from the pairwise "
           "ratios b_j/a_i (Moses / Hodges-Lehmann); point estimate: ratio of medians"},
          {"test",
           "Mann-Whitney U over the repetitions' ops/s samples, two-sided (exact without "
           "ties and up to 50 samples a side, else normal approximation)"}};
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

// What both comparisons pair before anything is rendered: result rows (A, B), labelled by B's
// backend, scenario and params; and micro tables (label, A's medians, B's medians).
struct MicroPair {
  std::string label;
  std::map<std::string, MicroRow> a, b;
};
struct Pairing {
  std::vector<std::pair<const json*, const json*>> rows;
  std::vector<MicroPair> micro;
};

// The parameters both rows ran with the same value: the workload, when run sizes differ.
json common_params(const json& a, const json& b) {
  json out = json::object();
  if (!a.is_object() || !b.is_object()) return out;
  for (auto it = b.begin(); it != b.end(); ++it) {
    if (auto o = a.find(it.key()); o != a.end() && *o == *it) out[it.key()] = *it;
  }
  return out;
}

// The rendered pairs: the statistics table (timing rows, also into c.json["rows"]) and the
// callgrind table (cache-simulation rows, which carry no timing).
struct RenderedRows {
  std::string table;      // "" when no timing row was paired
  std::string callgrind;  // "" when no callgrind row was paired
};

RenderedRows render_rows(const Pairing& p, const char* cg_a, const char* cg_b, Comparison& c,
                         const CompareSettings& st, const NoiseLevel& noise) {
  TextTable table = stats_table("A", "B");
  TextTable cg_table = callgrind_table(cg_a, cg_b);
  std::size_t cg_rows = 0;
  for (const auto& [a, b] : p.rows) {
    std::vector<std::string> row = {(*b)["backend"].get<std::string>(),
                                    (*b)["scenario"].get<std::string>(),
                                    params_label(common_params((*a)["params"], (*b)["params"]))};
    if (has_callgrind(*a) && has_callgrind(*b)) {
      for (auto& x : callgrind_cells(*a, *b)) row.push_back(std::move(x));
      cg_table.add(std::move(row));
      ++cg_rows;
      continue;  // no timing under callgrind
    }
    json stats = row_statistics(*a, *b, st);
    // A ratio within the runs' noise (the floor's spread) is marked, whatever the test says.
    stats["within_noise"] =
        stats.contains("ratio") && within_noise(stats["ratio"].get<double>(), noise);
    auto cells = compare_cells(stats);
    if (stats["within_noise"].get<bool>()) cells[6] += " ~";
    for (auto& x : cells) row.push_back(std::move(x));
    table.add(std::move(row));
    c.json["rows"].push_back(std::move(stats));
  }
  return {c.json["rows"].empty() ? "" : table.render(), cg_rows ? cg_table.render() : ""};
}

std::string render_micro(const Pairing& p, const std::vector<std::string>& columns) {
  TextTable micro(columns);
  for (const auto& m : p.micro) add_micro_rows(micro, m.label, m.a, m.b);
  return "\nmicro (Google Benchmark medians; ns_per_item where the row has it, else real_time)\n" +
         micro.render();
}

std::string result_label(const json& r) {
  return r["backend"].get<std::string>() + " " + r["scenario"].get<std::string>() + " " +
         params_label(r["params"]);
}

// Result rows of A and B paired on backend, scenario and workload parameters (run sizes aside,
// as either report declares them), in A's order: identical params first, then the same workload.
struct RunSizePairing {
  std::vector<std::pair<const json*, const json*>> pairs;
  std::size_t differ_rows = 0;  // pairs whose run sizes differ
  json differ_names = json::array();
  std::string differ_names_text;
  std::string example;  // "floor: A ops=20000000 samples=1000000, B ops=4000000 samples=200000"
};

RunSizePairing pair_workloads(const json& a, const json& b) {
  std::map<std::string, std::set<std::string>> names;  // scenario -> run-size names
  auto run_size = [&](const json& r) -> const std::set<std::string>& {
    const std::string sc = r["scenario"].get<std::string>();
    auto it = names.find(sc);
    if (it == names.end()) {
      std::set<std::string> n = run_size_params(a, sc);
      const std::set<std::string> nb = run_size_params(b, sc);
      n.insert(nb.begin(), nb.end());
      it = names.emplace(sc, std::move(n)).first;
    }
    return it->second;
  };
  auto workload_key = [&](const json& r) {
    return r["backend"].get<std::string>() + '\n' + r["scenario"].get<std::string>() + '\n' +
           workload_params(r["params"], run_size(r)).dump();
  };
  std::multimap<std::string, const json*> exact_b, workload_b;
  for (const json& r : b["results"]) {
    exact_b.emplace(row_key(r), &r);
    workload_b.emplace(workload_key(r), &r);
  }
  std::set<const json*> taken;
  std::vector<const json*> pair_of(a["results"].size(), nullptr);
  auto take = [&](std::multimap<std::string, const json*>& m, const std::string& key) {
    auto [lo, hi] = m.equal_range(key);
    for (auto it = lo; it != hi; ++it) {
      if (taken.insert(it->second).second) return it->second;
    }
    return static_cast<const json*>(nullptr);
  };
  for (std::size_t i = 0; i < a["results"].size(); ++i) {
    pair_of[i] = take(exact_b, row_key(a["results"][i]));
  }
  for (std::size_t i = 0; i < a["results"].size(); ++i) {
    if (!pair_of[i]) pair_of[i] = take(workload_b, workload_key(a["results"][i]));
  }
  RunSizePairing out;
  std::set<std::string> differ;
  for (std::size_t i = 0; i < a["results"].size(); ++i) {
    if (!pair_of[i]) continue;
    const json& ra = a["results"][i];
    const json& rb = *pair_of[i];
    out.pairs.emplace_back(&ra, &rb);
    const json sa = run_size_values(ra["params"], run_size(ra));
    const json sb = run_size_values(rb["params"], run_size(rb));
    if (sa == sb) continue;
    ++out.differ_rows;
    for (const json* s : {&sa, &sb}) {
      for (auto it = s->begin(); it != s->end(); ++it) {
        const json* other = s == &sa ? &sb : &sa;
        if (!other->contains(it.key()) || (*other)[it.key()] != *it) differ.insert(it.key());
      }
    }
    if (out.example.empty()) {
      out.example =
          ra["scenario"].get<std::string>() + ": A " + params_label(sa) + ", B " + params_label(sb);
    }
  }
  for (const auto& n : differ) {
    out.differ_names.push_back(n);
    out.differ_names_text += (out.differ_names_text.empty() ? "" : ", ") + n;
  }
  return out;
}

}  // namespace

Comparison compare_reports(const json& a, const json& b, const std::string& a_label,
                           const std::string& b_label, const CompareSettings& st) {
  Comparison c;
  c.json = {{"kind", "reports"},
            {"a", {{"file", a_label}, {"generated_at", string_at(a, {"generated_at"}, "?")}}},
            {"b", {{"file", b_label}, {"generated_at", string_at(b, {"generated_at"}, "?")}}},
            {"settings", settings_json(st)},
            {"rows", json::array()},
            {"only_in_a", json::array()},
            {"only_in_b", json::array()}};
  // Pair rows by backend, scenario and workload parameters (a quick and a full run of one
  // workload differ only in run sizes): the same params first, then the same workload.
  Pairing p;
  const RunSizePairing rp = pair_workloads(a, b);
  std::set<const json*> matched_b;
  for (const auto& [ra, rb] : rp.pairs) {
    p.rows.emplace_back(ra, rb);
    matched_b.insert(rb);
  }
  std::set<const json*> matched_a;
  for (const auto& pr : rp.pairs) matched_a.insert(pr.first);
  for (const json& r : a["results"]) {
    if (!matched_a.count(&r)) c.json["only_in_a"].push_back(result_label(r));
  }
  for (const json& r : b["results"]) {
    if (!matched_b.count(&r)) c.json["only_in_b"].push_back(result_label(r));
  }
  c.json["run_sizes_differ"] = rp.differ_rows ? json{{"rows", rp.differ_rows},
                                                     {"paired_rows", rp.pairs.size()},
                                                     {"params", rp.differ_names},
                                                     {"example", rp.example}}
                                              : json(nullptr);
  const auto ma = micro_backends(a), mb = micro_backends(b);
  for (const auto& backend : ma) {
    if (std::find(mb.begin(), mb.end(), backend) != mb.end()) {
      p.micro.push_back({backend, micro_medians(a, backend), micro_medians(b, backend)});
    }
  }

  // Render.
  const NoiseLevel noise_a = floor_noise(a), noise_b = floor_noise(b);
  NoiseLevel noise = noise_a.available ? noise_a : noise_b;
  if (noise_a.available && noise_b.available) noise.level = std::max(noise_a.level, noise_b.level);
  c.json["noise"] = {{"a", noise_json(noise_a, st.noise_threshold)},
                     {"b", noise_json(noise_b, st.noise_threshold)},
                     {"level_pct", noise.available ? json(100 * noise.level) : json(nullptr)}};
  const RenderedRows rendered = render_rows(p, "A", "B", c, st, noise);
  const ReportDiff diff = report_differences(a, b);
  c.json["differences"] = differences_json(diff);
  std::string out =
      "A = " + a_label + " (" + string_at(a, {"generated_at"}, "?") + ")\nB = " + b_label + " (" +
      string_at(b, {"generated_at"}, "?") + ")\n" + format_differences(diff) + settings_line(st) +
      "A " + noise_text(noise_a, st.noise_threshold) + "B " +
      noise_text(noise_b, st.noise_threshold) +
      (noise.available ? "rows whose ratio is within " + fmt("%.1f%%", 100 * noise.level) +
                             " (the larger noise) are marked ~: not findings\n"
                       : std::string()) +
      "\n";
  if (rp.differ_rows) {
    out += "run sizes differ: " + std::to_string(rp.differ_rows) + " of " +
           std::to_string(rp.pairs.size()) + " paired rows ran other " + rp.differ_names_text +
           " (e.g. " + rp.example +
           "); rows are paired on their workload parameters, and ops/s "
           "and latencies are per operation, but the side with fewer samples has less certain "
           "tails\n\n";
  }
  out += p.rows.empty() ? "no results in common\n" : rendered.table;
  out += "\x1f";  // where finish() puts the verdict counts and warnings
  for (const auto& l : c.json["only_in_a"]) out += "only in A: " + l.get<std::string>() + "\n";
  for (const auto& l : c.json["only_in_b"]) out += "only in B: " + l.get<std::string>() + "\n";
  if (!rendered.callgrind.empty())
    out += "\ncallgrind cache simulation, per operation (ratios B/A)\n" + rendered.callgrind;
  if (ma.empty() || mb.empty()) {
    out += "\nmicro: not compared (" +
           std::string(ma.empty() && mb.empty() ? "neither report has" : "only one report has") +
           " micro benchmark rows)\n";
  } else {
    out += render_micro(p, {"backend", "benchmark", "A", "B", "B/A", "real_time B/A"});
  }
  c.text = std::move(out);
  finish(c, st);
  return c;
}

Comparison compare_baseline(const json& report, const std::string& baseline,
                            const CompareSettings& st) {
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
  Comparison c;
  c.json = {{"kind", "baseline"},
            {"baseline", baseline},
            {"generated_at", string_at(report, {"generated_at"}, "?")},
            {"settings", settings_json(st)},
            {"rows", json::array()}};
  // Pair: every other backend's row with the baseline's row of the same scenario and params.
  Pairing p;
  for (const json& r : report["results"]) {
    if (r["backend"] == baseline) continue;
    auto it = base.find(r["scenario"].get<std::string>() + '\n' + r["params"].dump());
    if (it != base.end()) p.rows.emplace_back(it->second, &r);
  }
  const auto mb = micro_backends(report);
  const bool micro_has_baseline = std::find(mb.begin(), mb.end(), baseline) != mb.end();
  if (micro_has_baseline) {
    const auto base_rows = micro_medians(report, baseline);
    for (const auto& backend : mb) {
      if (backend != baseline)
        p.micro.push_back({backend, base_rows, micro_medians(report, backend)});
    }
  }

  // Render.
  const NoiseLevel noise = floor_noise(report);
  c.json["noise"] = noise_json(noise, st.noise_threshold);
  const RenderedRows rendered = render_rows(p, "base", "backend", c, st, noise);
  std::string out = "every backend (B) against " + baseline + " (A) (" +
                    string_at(report, {"generated_at"}, "?") + ")\n" + settings_line(st) +
                    noise_text(noise, st.noise_threshold) + "\n";
  out += micro_only ? "no scenario results (a micro-only report)\n" : rendered.table;
  out += "\x1f";
  if (!rendered.callgrind.empty()) {
    out += "\ncallgrind cache simulation, per operation (ratios backend/" + baseline + ")\n" +
           rendered.callgrind;
  }
  if (!micro_has_baseline) {
    out += "\nmicro: not compared (no micro benchmark rows for " + baseline + ")\n";
  } else {
    out += render_micro(p, {"backend", "benchmark", "base", "value", "ratio", "real_time ratio"});
  }
  c.text = std::move(out);
  finish(c, st);
  return c;
}

std::string format_compare(const json& a, const json& b, const std::string& a_label,
                           const std::string& b_label) {
  return compare_reports(a, b, a_label, b_label).text;
}

std::string format_baseline(const json& report, const std::string& baseline) {
  return compare_baseline(report, baseline).text;
}

}  // namespace allocbench
