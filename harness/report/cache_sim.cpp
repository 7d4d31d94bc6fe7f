#include "harness/report/cache_sim.hpp"

namespace allocbench {

namespace {

using nlohmann::json;

json unavailable(const std::string& reason) {
  return {{"source", "unavailable"}, {"reason", reason}};
}

json figures(const json& result, const LabelTotals& t, const CacheGeometry& requested) {
  const json* ops = result.contains("ops") ? &result["ops"] : nullptr;
  if (!ops || !ops->is_number() || ops->get<double>() <= 0) {
    return unavailable("the result has no operation count to divide callgrind's totals by");
  }
  for (const char* e : {"Ir", "I1mr", "D1mr", "D1mw", "DLmr", "DLmw"}) {
    if (!t.events.count(e)) {
      return unavailable(std::string("callgrind's dump has no ") + e +
                         " event (was it run without --cache-sim=yes?)");
    }
  }
  const double n = ops->get<double>();
  auto per_op = [&](std::initializer_list<const char*> events) {
    double sum = 0;
    for (const char* e : events) sum += static_cast<double>(t.events.at(e));
    return sum / n;
  };
  json events = json::object();
  for (const auto& [name, count] : t.events) events[name] = count;
  // The geometry callgrind reports in its dump is what it really simulated.
  return {{"source", "callgrind"},
          {"geometry", geometry_json(t.geometry.empty() ? requested : t.geometry)},
          {"instructions_per_op", per_op({"Ir"})},
          {"d1_misses_per_op", per_op({"D1mr", "D1mw"})},
          {"ll_misses_per_op", per_op({"DLmr", "DLmw"})},
          {"i1_misses_per_op", per_op({"I1mr"})},
          {"ops", *ops},
          {"label", result["cache"]["label"]},
          {"dumps", t.parts},
          {"events", events}};
}

}  // namespace

CacheGeometry cache_sim_geometry() {
  return {{"I1", {32768, 8, 64}}, {"D1", {32768, 8, 64}}, {"LL", {8388608, 16, 64}}};
}

json geometry_json(const CacheGeometry& g) {
  json out = json::object();
  for (const auto& [name, c] : g) {
    out[name] = {{"size_bytes", c.size_bytes}, {"ways", c.ways}, {"line_bytes", c.line_bytes}};
  }
  return out;
}

void attach_callgrind(json& run_output, const std::map<std::string, LabelTotals>& totals,
                      const CacheGeometry& requested) {
  auto results = run_output.find("results");
  if (results == run_output.end() || !results->is_array()) return;
  for (json& r : *results) {
    if (!r.is_object()) continue;
    const json* cache = r.contains("cache") ? &r["cache"] : nullptr;
    if (!cache || !cache->is_object() || !cache->contains("label") ||
        !(*cache)["label"].is_string()) {
      r["cache"] = unavailable("the worker did not label this result's timed region for callgrind");
      continue;
    }
    const std::string label = (*cache)["label"].get<std::string>();
    auto it = totals.find(label);
    if (it == totals.end()) {
      r["cache"] = unavailable("callgrind wrote no dump labelled '" + label +
                               "' (a worker built without valgrind/callgrind.h writes none)");
      continue;
    }
    r["cache"] = figures(r, it->second, requested);
  }
}

void mark_timing_unavailable(json& results) {
  if (!results.is_array()) return;
  for (json& r : results) {
    if (!r.is_object()) continue;
    r["timing"] = kTimingUnderCallgrind;
    r["throughput"] = {{"ops_per_sec", unavailable(kTimingUnderCallgrind)}};
    r["latency_ns"] = unavailable(kTimingUnderCallgrind);
    r["latency_cycles"] = unavailable(kTimingUnderCallgrind);
    if (auto m = r.find("memory"); m != r.end() && m->is_object()) {
      for (const char* k : {"peak_rss_bytes", "minor_faults", "major_faults"}) {
        if (m->contains(k)) (*m)[k] = nullptr;
      }
      m->erase("peak_rss_reset");
      m->erase("peak_rss_note");
      (*m)["unavailable_reason"] =
          "peak RSS and page faults are not measured under valgrind (its own memory is in them)";
    }
  }
}

}  // namespace allocbench
