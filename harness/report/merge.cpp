#include "harness/report/merge.hpp"

#include <algorithm>
#include <map>
#include <stdexcept>
#include <utility>

#include "harness/probes/histogram.hpp"
#include "harness/report/json_access.hpp"
#include "harness/report/probe_json.hpp"
#include "harness/report/statistics.hpp"

namespace allocbench {

namespace {

using nlohmann::json;

// Every repetition's result for one backend + scenario + params.
struct Group {
  std::string scenario;
  json params;
  std::vector<const json*> reps;
};

json unavailable(const std::string& reason) {
  return {{"source", "unavailable"}, {"reason", reason}};
}

// Converts a histogram value to the requested unit, or nullopt when the rate is unknown.
struct Converter {
  std::string unit;  // the histogram's
  std::optional<double> tsc_ghz;

  std::optional<double> ns(double v) const {
    if (unit == Histogram::kUnitNs16) return v / 16.0;
    if (!tsc_ghz) return std::nullopt;
    return v / *tsc_ghz;
  }
  std::optional<double> cycles(double v) const {
    if (unit == Histogram::kUnitTicks) return v;
    if (!tsc_ghz) return std::nullopt;
    return v / 16.0 * *tsc_ghz;
  }
};

json latency(const Histogram& merged, const std::vector<Histogram>& per_rep, const Converter& conv,
             bool want_ns, bool batched) {
  if (merged.count() == 0) return unavailable("no latency samples were recorded");
  auto to = [&](double v) { return want_ns ? conv.ns(v) : conv.cycles(v); };
  if (!to(1.0)) {
    return unavailable(std::string("histogram unit is ") + merged.unit() +
                       " and the machine's TSC frequency is unknown");
  }
  json out = json::object();
  static constexpr std::pair<const char*, double> kPercentiles[] = {
      {"p50", 50}, {"p90", 90}, {"p99", 99}, {"p999", 99.9}, {"p9999", 99.99}};
  for (const auto& [key, p] : kPercentiles) {
    out[key] = *to(static_cast<double>(merged.value_at_percentile(p)));
  }
  out["max"] = *to(static_cast<double>(merged.max()));
  out["count"] = merged.count();
  json samples = json::array();
  for (const auto& h : per_rep) {
    if (h.count()) samples.push_back(*to(static_cast<double>(h.value_at_percentile(99))));
  }
  out["p99_samples"] = std::move(samples);
  if (batched) {
    json p50 = json::array();
    for (const auto& h : per_rep) {
      if (h.count()) p50.push_back(*to(static_cast<double>(h.value_at_percentile(50))));
    }
    out["p50_samples"] = std::move(p50);
  }
  return out;
}

json max_numeric(const std::vector<const json*>& reps, const char* key) {
  std::optional<double> best;
  const json* first = nullptr;
  for (const json* r : reps) {
    auto it = r->find(key);
    if (it == r->end()) continue;
    if (!first) first = &*it;
    if (it->is_number()) best = std::max(best.value_or(it->get<double>()), it->get<double>());
  }
  if (best) return *best;
  return first ? *first : json(nullptr);
}

json merge_memory(const std::vector<const json*>& reps) {
  json out;
  for (const json* r : reps) {
    auto it = r->find("memory");
    if (it == r->end() || !it->is_object()) continue;
    if (out.is_null()) {
      out = *it;
      continue;
    }
    for (auto f = it->begin(); f != it->end(); ++f) {
      auto cur = out.find(f.key());
      if (cur == out.end()) {
        out[f.key()] = *f;
      } else if (cur->is_number() && f->is_number() && f->get<double>() > cur->get<double>()) {
        *cur = *f;
      }
    }
  }
  return out.is_null() ? unavailable("the worker reported no memory figures") : out;
}

json first_of(const std::vector<const json*>& reps, const char* key, json fallback) {
  for (const json* r : reps) {
    if (auto it = r->find(key); it != r->end()) return *it;
  }
  return fallback;
}

// The batched latency of a group: every repetition must have it, else it is unavailable with
// the worker's reason.
void merge_batched(const Group& g, const MergeOptions& o, json& out) {
  std::vector<Histogram> per_rep;
  json batch = nullptr;
  for (const json* r : g.reps) {
    const json* h = json_at(*r, {"latency_batched_histogram"});
    if (!h) {
      const std::string why =
          string_at(*r, {"latency_batched_unavailable"}, "the worker recorded no batched latency");
      out["latency_batched_ns"] = unavailable(why);
      out["latency_batched_cycles"] = unavailable(why);
      return;
    }
    per_rep.push_back(histogram_from_json(*h));
    if (const json* b = json_at(*r, {"latency_batch"}); b && b->is_number()) batch = *b;
  }
  Histogram merged(per_rep.front().unit());
  for (const auto& h : per_rep) merged.merge(h);
  const Converter conv{merged.unit(), o.tsc_ghz && *o.tsc_ghz > 0 ? o.tsc_ghz : std::nullopt};
  out["latency_batched_ns"] = latency(merged, per_rep, conv, true, true);
  out["latency_batched_cycles"] = latency(merged, per_rep, conv, false, true);
  for (const char* k : {"latency_batched_ns", "latency_batched_cycles"}) {
    if (!out[k].contains("source")) out[k]["batch"] = batch;
  }
}

json merge_group(const std::string& backend, const Group& g, const MergeOptions& o) {
  std::vector<double> samples;
  std::vector<Histogram> per_rep;
  for (const json* r : g.reps) {
    samples.push_back((*r)["ops_per_sec"].get<double>());
    per_rep.push_back(histogram_from_json((*r)["latency_histogram"]));
  }
  Histogram merged(per_rep.front().unit());
  for (const auto& h : per_rep) merged.merge(h);
  const Converter conv{merged.unit(), o.tsc_ghz && *o.tsc_ghz > 0 ? o.tsc_ghz : std::nullopt};

  json out;
  out["backend"] = backend;
  out["scenario"] = g.scenario;
  out["params"] = g.params;
  out["frame_size_bytes"] = first_of(g.reps, "frame_size_bytes", nullptr);
  // What the backend really ran with for this parameter set (slot size, capacity); absent when
  // the scenario never noted the backend (floor) or the worker predates it.
  if (const json c = first_of(g.reps, "backend_config", nullptr); !c.is_null()) {
    out["backend_config"] = c;
  }
  out["throughput"]["ops_per_sec"] = {{"median", median(samples)},
                                      {"min", *std::min_element(samples.begin(), samples.end())},
                                      {"max", *std::max_element(samples.begin(), samples.end())},
                                      {"samples", samples}};
  out["throughput"]["ops_per_sec"].update(sample_statistics(samples));
  const json& cv = out["throughput"]["ops_per_sec"]["cv"];
  out["noisy"] = cv.is_number() && cv.get<double>() > o.noise_threshold;
  out["latency_ns"] = latency(merged, per_rep, conv, true, false);
  out["latency_cycles"] = latency(merged, per_rep, conv, false, false);
  if (o.timer_step_ns && out["latency_ns"].is_object() && !out["latency_ns"].contains("source")) {
    out["latency_ns"]["timer_step_ns"] = *o.timer_step_ns;
  }
  merge_batched(g, o, out);
  out["memory"] = merge_memory(g.reps);
  out["allocations_per_op"] = max_numeric(g.reps, "allocations_per_op");
  out["backend_allocations_per_op"] = max_numeric(g.reps, "backend_allocations_per_op");
  out["cache"] = first_of(g.reps, "cache", unavailable("the worker reported no cache figures"));
  // Which worker process measured each repetition, and how many parameter sets it had run before
  // (0: a fresh process; README, "Isolation").
  json pids = json::array();
  json earlier = nullptr;
  for (const json* r : g.reps) {
    const json* p = json_at(*r, {"process", "pid"});
    const json* e = json_at(*r, {"process", "earlier_runs"});
    if (p && p->is_number_integer()) pids.push_back(*p);
    if (e && e->is_number_unsigned()) {
      earlier = earlier.is_null()
                    ? *e
                    : json(std::max(earlier.get<std::uint64_t>(), e->get<std::uint64_t>()));
    }
  }
  if (!pids.empty()) {
    out["process"] = {{"pids", pids}, {"earlier_runs_max", earlier}};
    if (const json* c = json_at(*g.reps.front(), {"process", "cpus_allowed"})) {
      out["process"]["cpus_allowed"] = *c;
    }
  }
  // What one timed operation is, and scenario-specific figures (rejections, frame sizes...):
  // the same in every repetition but the last word goes to the first.
  out["latency_of"] = first_of(g.reps, "latency_of", nullptr);
  // A backend whose frees are no-ops on a scenario that reuses freed frames (the worker says why).
  if (const json nc = first_of(g.reps, "not_comparable", nullptr); nc.is_string()) {
    out["not_comparable"] = nc;
  }
  if (const json extra = first_of(g.reps, "extra", nullptr); !extra.is_null()) {
    out["extra"] = extra;
  }
  return out;
}

}  // namespace

double median(std::vector<double> xs) {
  if (xs.empty()) throw std::invalid_argument("median of no samples");
  std::sort(xs.begin(), xs.end());
  const std::size_t n = xs.size();
  return n % 2 ? xs[n / 2] : (xs[n / 2 - 1] + xs[n / 2]) / 2.0;
}

json sample_statistics(const std::vector<double>& samples) {
  json out;
  const auto cv = coefficient_of_variation(samples);
  out["cv"] = cv ? json(*cv) : json(nullptr);
  const MedianInterval ci = median_interval(samples);
  if (ci.available) {
    out["ci95"] = {
        {"low", ci.low},
        {"high", ci.high},
        {"coverage", ci.coverage},
        {"method", "order statistics x_(" + std::to_string(ci.rank) + ") .. x_(n+1-" +
                       std::to_string(ci.rank) + "), exact binomial coverage (distribution-free)"}};
  } else {
    out["ci95"] = unavailable(ci.reason);
  }
  return out;
}

json merge_results(const std::vector<BackendRuns>& runs, const MergeOptions& options) {
  json results = json::array();
  for (const auto& run : runs) {
    std::vector<Group> groups;  // first-appearance order
    std::map<std::string, std::size_t> index;
    for (const json& output : run.outputs) {
      for (const json& r : output["results"]) {
        const std::string key = r["scenario"].get<std::string>() + '\n' + r["params"].dump();
        auto [it, inserted] = index.emplace(key, groups.size());
        if (inserted) groups.push_back({r["scenario"].get<std::string>(), r["params"], {}});
        groups[it->second].reps.push_back(&r);
      }
    }
    for (const auto& g : groups) results.push_back(merge_group(run.name, g, options));
  }
  return results;
}

}  // namespace allocbench
