#include "harness/report/schema.hpp"

#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "harness/report/json_limits.hpp"

namespace allocbench {

namespace {

using nlohmann::json;

[[noreturn]] void bad(const std::string& where, const std::string& what) {
  throw SchemaError(where + ": " + what);
}

const char* type_name(const json& j) {
  return j.type_name();
}

const json& field(const json& obj, const std::string& where, const char* key) {
  auto it = obj.find(key);
  if (it == obj.end()) bad(where.empty() ? key : where + "." + key, "missing");
  return *it;
}

const json& typed(const json& obj, const std::string& where, const char* key,
                  bool (json::*is)() const noexcept, const char* expected) {
  const json& v = field(obj, where, key);
  if (!(v.*is)()) {
    bad(where.empty() ? key : where + "." + key,
        std::string("expected ") + expected + ", found " + type_name(v));
  }
  return v;
}

// Names label rows, legends and file names; a backend's is its worker's file name.
void check_name(const json& obj, const std::string& at, const char* key) {
  const json& v = typed(obj, at, key, &json::is_string, "string");
  const auto& s = v.get_ref<const std::string&>();
  if (s.empty() || s.size() > kMaxNameBytes) {
    bad(at + "." + key, "expected a name of 1 to " + std::to_string(kMaxNameBytes) +
                            " bytes, found " + std::to_string(s.size()));
  }
}

void validate_result(const json& r, const std::string& at) {
  if (!r.is_object()) bad(at, std::string("expected object, found ") + type_name(r));
  check_name(r, at, "backend");
  check_name(r, at, "scenario");
  typed(r, at, "params", &json::is_object, "object");
  const json& tp = typed(r, at, "throughput", &json::is_object, "object");
  const std::string tp_at = at + ".throughput";
  const json& ops = typed(tp, tp_at, "ops_per_sec", &json::is_object, "object");
  const std::string ops_at = tp_at + ".ops_per_sec";
  // A cache-simulation run has no meaningful timing: {"source": "unavailable", "reason"}.
  if (auto src = ops.find("source"); src != ops.end() && *src == "unavailable") {
    typed(ops, ops_at, "reason", &json::is_string, "string");
  } else {
    for (const char* k : {"median", "min", "max"}) {
      typed(ops, ops_at, k, &json::is_number, "number");
    }
    const json& samples = typed(ops, ops_at, "samples", &json::is_array, "array");
    for (std::size_t i = 0; i < samples.size(); ++i) {
      if (!samples[i].is_number()) {
        bad(ops_at + ".samples[" + std::to_string(i) + "]", "expected number");
      }
    }
  }
  // Latency may be "unavailable"; where a percentile is present it must be a number.
  for (const char* lat : {"latency_ns", "latency_cycles"}) {
    auto it = r.find(lat);
    if (it == r.end()) continue;
    const std::string lat_at = at + "." + lat;
    if (!it->is_object()) bad(lat_at, std::string("expected object, found ") + type_name(*it));
    for (const char* k : {"p50", "p90", "p99", "p999", "p9999", "max", "count"}) {
      auto p = it->find(k);
      if (p == it->end()) continue;
      if (!p->is_number()) bad(lat_at + "." + k, "expected number");
      if (p->get<double>() < 0) bad(lat_at + "." + k, "expected a number >= 0");
    }
  }
}

}  // namespace

void validate_report(const json& report) {
  if (!report.is_object())
    bad("report", std::string("expected object, found ") + type_name(report));
  const json& version = field(report, "", "schema_version");
  if (!version.is_number_integer() || version.get<long long>() != kSchemaVersion) {
    bad("schema_version", "this allocbench reads schema_version " + std::to_string(kSchemaVersion) +
                              ", found " + version.dump());
  }
  typed(report, "", "generated_at", &json::is_string, "string");
  typed(report, "", "machine", &json::is_object, "object");
  typed(report, "", "config", &json::is_object, "object");
  const json& backends = typed(report, "", "backends", &json::is_array, "array");
  for (std::size_t i = 0; i < backends.size(); ++i) {
    const std::string at = "backends[" + std::to_string(i) + "]";
    if (!backends[i].is_object()) bad(at, "expected object");
    check_name(backends[i], at, "name");
    typed(backends[i], at, "status", &json::is_string, "string");
  }
  const json& results = typed(report, "", "results", &json::is_array, "array");
  for (std::size_t i = 0; i < results.size(); ++i) {
    validate_result(results[i], "results[" + std::to_string(i) + "]");
  }
  if (auto micro = report.find("micro"); micro != report.end()) {
    if (!micro->is_object()) bad("micro", "expected object");
    for (auto it = micro->begin(); it != micro->end(); ++it) {
      const std::string at = "micro." + it.key();
      if (!it->is_object()) bad(at, "expected object");
      if (auto rows = it->find("benchmarks"); rows != it->end() && !rows->is_array()) {
        bad(at + ".benchmarks", "expected array");
      }
    }
  }
}

std::string dump_report(const json& report) {
  return report.dump(2, ' ', false, json::error_handler_t::replace) + "\n";
}

json load_report(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw SchemaError(path + ": cannot open for reading");
  // Read at most the limit (and one byte more, to know it was exceeded): a pipe or a growing
  // file has no size to ask for up front.
  std::string text;
  char buf[1 << 16];
  while (in.read(buf, sizeof buf) || in.gcount() > 0) {
    text.append(buf, static_cast<std::size_t>(in.gcount()));
    if (text.size() > kMaxReportBytes) {
      throw SchemaError(path + ": larger than the " + std::to_string(kMaxReportBytes >> 20) +
                        " MiB a report may be");
    }
  }
  if (in.bad()) throw SchemaError(path + ": read error");
  if (!json_depth_within(text, kMaxJsonDepth)) {
    throw SchemaError(path + ": arrays or objects nested more than " +
                      std::to_string(kMaxJsonDepth) + " deep");
  }
  json report = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (report.is_discarded()) throw SchemaError(path + ": not valid JSON");
  try {
    validate_report(report);
  } catch (const SchemaError& e) {
    throw SchemaError(path + ": " + e.what());
  }
  return report;
}

}  // namespace allocbench
