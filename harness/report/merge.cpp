#include "harness/report/merge.hpp"

#include <algorithm>
#include <map>
#include <stdexcept>
#include <utility>

#include "harness/probes/histogram.hpp"

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
             bool want_ns) {
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

json merge_group(const std::string& backend, const Group& g, std::optional<double> tsc_ghz) {
  std::vector<double> samples;
  std::vector<Histogram> per_rep;
  for (const json* r : g.reps) {
    samples.push_back((*r)["ops_per_sec"].get<double>());
    per_rep.push_back(Histogram::from_json((*r)["latency_histogram"]));
  }
  Histogram merged(per_rep.front().unit());
  for (const auto& h : per_rep) merged.merge(h);
  const Converter conv{merged.unit(), tsc_ghz && *tsc_ghz > 0 ? tsc_ghz : std::nullopt};

  json out;
  out["backend"] = backend;
  out["scenario"] = g.scenario;
  out["params"] = g.params;
  out["frame_size_bytes"] = first_of(g.reps, "frame_size_bytes", nullptr);
  out["throughput"]["ops_per_sec"] = {{"median", median(samples)},
                                      {"min", *std::min_element(samples.begin(), samples.end())},
                                      {"max", *std::max_element(samples.begin(), samples.end())},
                                      {"samples", samples}};
  out["latency_ns"] = latency(merged, per_rep, conv, true);
  out["latency_cycles"] = latency(merged, per_rep, conv, false);
  out["memory"] = merge_memory(g.reps);
  out["allocations_per_op"] = max_numeric(g.reps, "allocations_per_op");
  out["backend_allocations_per_op"] = max_numeric(g.reps, "backend_allocations_per_op");
  out["cache"] = first_of(g.reps, "cache", unavailable("the worker reported no cache figures"));
  // What one timed operation is, and scenario-specific figures (rejections, frame sizes...):
  // the same in every repetition but the last word goes to the first.
  out["latency_of"] = first_of(g.reps, "latency_of", nullptr);
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

json merge_results(const std::vector<BackendRuns>& runs, std::optional<double> tsc_ghz) {
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
    for (const auto& g : groups) results.push_back(merge_group(run.name, g, tsc_ghz));
  }
  return results;
}

}  // namespace allocbench
