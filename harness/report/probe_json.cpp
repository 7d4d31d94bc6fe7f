#include "harness/report/probe_json.hpp"

#include <stdexcept>
#include <string>

namespace allocbench {

using nlohmann::json;

namespace {

template <class T>
json or_null(const std::optional<T>& v) {
  return v ? json(*v) : json(nullptr);
}

json unavailable(const std::string& why) {
  return {{"source", "unavailable"}, {"reason", why}};
}

json tuning_json(const std::vector<std::pair<std::string, std::string>>& tuning) {
  json out = json::object();
  for (const auto& [k, v] : tuning) out[k] = v;
  return out;
}

[[noreturn]] void reject(const std::string& why) {
  throw std::invalid_argument("histogram JSON: " + why);
}

std::uint64_t unsigned_field(const json& j, const char* key) {
  auto it = j.find(key);
  if (it == j.end()) reject(std::string("missing \"") + key + "\"");
  if (!it->is_number_unsigned()) {
    // A non-negative integer parsed as signed is still fine; anything else is not.
    if (it->is_number_integer() && it->get<std::int64_t>() >= 0) {
      return static_cast<std::uint64_t>(it->get<std::int64_t>());
    }
    reject(std::string("\"") + key + "\" is not a non-negative integer");
  }
  return it->get<std::uint64_t>();
}

}  // namespace

json to_json(const CpuFreqInfo& f) {
  json governors = json::object();
  for (const auto& [cpu, g] : f.governors) governors[cpu] = g;
  json out;
  out["governors"] = f.governors.empty() ? unavailable(f.governors_unavailable) : governors;
  out["boost"] = f.boost ? json{{"enabled", *f.boost}, {"source", f.boost_source}}
                         : unavailable(f.boost_unavailable);
  return out;
}

json to_json(const MachineInfo& m) {
  json caches = json::array();
  for (const CacheLevel& c : m.caches) {
    caches.push_back({{"level", c.level},
                      {"type", c.type},
                      {"size_bytes", c.size_bytes},
                      {"ways", c.ways},
                      {"line_bytes", c.line_bytes}});
  }
  const TimerCalibration& cal = m.timer;
  json out;
  out["cpu_model"] = m.cpu_model;
  out["cores"] = m.cores;
  out["physical_cores"] = or_null(m.physical_cores);
  out["caches"] = std::move(caches);
  out["last_level_cache"] = {{"bytes", m.last_level_cache.bytes},
                             {"known", m.last_level_cache.known},
                             {"note", m.last_level_cache.note}};
  out["kernel"] = m.kernel;
  out["compiler"] = m.compiler;
  out["flags"] = m.flags;
  out["tsc_ghz"] = or_null(m.tsc_ghz);
  out["timer"] = {{"source", cal.source},
                  {"overhead_ns", cal.overhead_ns},
                  {"overhead_ticks", cal.overhead_ticks},
                  {"resolution_ns", cal.resolution_ns},
                  {"resolution_ticks", cal.resolution_ticks},
                  {"invariant_tsc", cal.invariant_tsc},
                  {"constant_tsc", cal.constant_tsc},
                  {"nonstop_tsc", cal.nonstop_tsc},
                  {"calibration",
                   {{"reference", "CLOCK_MONOTONIC_RAW"},
                    {"rounds", cal.rounds},
                    {"round_ms", cal.round_ms},
                    {"rate_spread", cal.rate_spread}}}};
  out["hw_counters"] = {{"available", m.hw_counters.available},
                        {"reason", m.hw_counters.available ? json() : json(m.hw_counters.reason)}};
  if (m.hw_counters.available) out["hw_counters"]["llc_event"] = m.hw_counters.llc_event;
  out["cpufreq"] = to_json(m.cpufreq);
  return out;
}

json to_json(const CacheFigures& c) {
  switch (c.source) {
    case CacheFigures::Source::kCallgrind:
      return {{"source", "callgrind"}, {"label", c.label}};
    case CacheFigures::Source::kHw:
      return {{"source", "hw"},
              {"l1d_misses_per_op", c.l1d_misses_per_op},
              {"llc_misses_per_op", c.llc_misses_per_op},
              {"instructions_per_op", c.instructions_per_op},
              {"cycles_per_op", c.cycles_per_op},
              {"llc_event", c.llc_event},
              {"running_fraction", c.running_fraction}};
    case CacheFigures::Source::kUnavailable:
      break;
  }
  return unavailable(c.reason);
}

json to_json(const Histogram& h) {
  json buckets = json::array();
  for (const auto& [index, n] : h.nonzero_buckets()) buckets.push_back({index, n});
  return {{"scheme", Histogram::kScheme},
          {"sub_bucket_bits", Histogram::kSubBucketBits},
          {"index_count", Histogram::kIndexCount},
          {"unit", h.unit()},
          {"count", h.count()},
          {"min", h.min()},
          {"max", h.max()},
          {"buckets", std::move(buckets)}};
}

Histogram histogram_from_json(const json& j) {
  if (!j.is_object()) reject("not an object");
  auto scheme = j.find("scheme");
  if (scheme == j.end() || !scheme->is_string() ||
      scheme->get<std::string>() != Histogram::kScheme) {
    reject(std::string("scheme is not \"") + Histogram::kScheme + "\"");
  }
  if (unsigned_field(j, "sub_bucket_bits") != Histogram::kSubBucketBits ||
      unsigned_field(j, "index_count") != Histogram::kIndexCount) {
    reject("layout (sub_bucket_bits, index_count) differs from this build's (" +
           std::to_string(Histogram::kSubBucketBits) + ", " +
           std::to_string(Histogram::kIndexCount) + ")");
  }
  auto unit = j.find("unit");
  if (unit == j.end() || !unit->is_string()) reject("missing or non-string \"unit\"");
  const std::uint64_t count = unsigned_field(j, "count");
  const std::uint64_t min = unsigned_field(j, "min");
  const std::uint64_t max = unsigned_field(j, "max");
  auto buckets = j.find("buckets");
  if (buckets == j.end() || !buckets->is_array()) reject("missing or non-array \"buckets\"");
  std::vector<std::pair<std::uint64_t, std::uint64_t>> parts;
  parts.reserve(buckets->size());
  for (const auto& b : *buckets) {
    if (!b.is_array() || b.size() != 2) reject("a bucket is not an [index, count] pair");
    const json pair = {{"i", b[0]}, {"n", b[1]}};
    parts.emplace_back(unsigned_field(pair, "i"), unsigned_field(pair, "n"));
  }
  return Histogram::from_parts(unit->get<std::string>(), parts, count, min, max);
}

json to_json(const Measurement& m) {
  json r;
  r["scenario"] = m.scenario;
  r["params"] = m.params;
  if (m.threads) r["params"]["threads"] = *m.threads;
  r["ops"] = m.ops;
  r["elapsed_ns"] = m.elapsed_ns;
  r["wall_ns"] = m.wall_ns;
  r["ops_per_sec"] = or_null(m.ops_per_sec);
  r["latency_histogram"] = to_json(m.latency);
  r["latency_of"] = m.latency_of;
  if (m.latency_batched) {
    r["latency_batched_histogram"] = to_json(*m.latency_batched);
    r["latency_batch"] = m.latency_batch;
  } else {
    r["latency_batched_unavailable"] = m.latency_batched_unavailable;
  }
  r["frame_size_bytes"] = or_null(m.frame_size_bytes);
  r["allocations_per_op"] = or_null(m.allocations_per_op);
  if (!m.allocations_per_op) r["allocations_unavailable"] = m.allocations_unavailable;
  r["backend_allocations_per_op"] = m.backend_allocations_per_op;
  json& mem = r["memory"];
  mem = {{"requested_bytes", m.requested_bytes}, {"reserved_bytes", or_null(m.reserved_bytes)}};
  r["cache"] = to_json(m.cache);
  if (!m.extra.empty()) r["extra"] = m.extra;
  if (m.backend_config) {
    const Measurement::BackendConfigRan& c = *m.backend_config;
    r["backend_config"] = {{"slot_size_bytes", c.slot_size_bytes},
                           {"is_slab", c.is_slab},
                           {"capacity_slots", or_null(c.capacity_slots)}};
    if (c.chunks) r["backend_config"]["chunks"] = *c.chunks;
  }
  if (m.process) {
    const Measurement::Process& p = *m.process;
    mem["peak_rss_bytes"] = or_null(p.memory.peak_rss_bytes);
    mem["peak_rss_reset"] = p.peak_rss_reset;
    if (!p.peak_rss_reset) mem["peak_rss_note"] = p.peak_rss_note;
    mem["minor_faults"] = p.memory.minor_faults;
    mem["major_faults"] = p.memory.major_faults;
    if (!p.memory.unavailable_reason.empty()) {
      mem["unavailable_reason"] = p.memory.unavailable_reason;
    }
    r["process"] = {
        {"pid", p.pid}, {"earlier_runs", p.earlier_runs}, {"cpus_allowed", p.cpus_allowed}};
  }
  if (!m.not_comparable.empty()) r["not_comparable"] = m.not_comparable;
  return r;
}

json to_json(const BackendInfo& b) {
  return {{"name", b.name},
          {"library", b.library},
          {"reserved_meaning", b.reserved_meaning},
          {"version", b.version},
          {"malloc_provider", b.malloc_provider},
          {"reclaims_frees", b.reclaims_frees},
          {"tuning", tuning_json(b.tuning)}};
}

json to_json(const WorkerInfo& w) {
  json scenarios = json::array();
  for (const ScenarioInfo& s : w.scenarios) {
    json params = json::array();
    for (const ParamInfo& p : s.params) {
      params.push_back({{"name", p.name},
                        {"description", p.description},
                        {"quick", p.quick},
                        {"full", p.full},
                        {"run_size", p.run_size}});
    }
    scenarios.push_back({{"name", s.name},
                         {"description", s.description},
                         {"uses_threads", s.uses_threads},
                         {"in_cache_sim_suite", s.in_cache_sim_suite},
                         {"reuses_freed_frames", s.reuses_freed_frames},
                         {"params", std::move(params)}});
  }
  json out = to_json(w.backend);
  out["scenarios"] = std::move(scenarios);
  return out;
}

json to_json(const WorkerRun& w) {
  json results = json::array();
  for (const Measurement& m : w.results) results.push_back(to_json(m));
  return {{"backend", to_json(w.backend)}, {"results", std::move(results)}};
}

}  // namespace allocbench
