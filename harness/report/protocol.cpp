#include "harness/report/protocol.hpp"

#include <stdexcept>

#include <nlohmann/json.hpp>

#include "harness/probes/histogram.hpp"
#include "harness/report/probe_json.hpp"

namespace allocbench {

namespace {

using nlohmann::json;

std::string need(const json& obj, const std::string& at, const char* key,
                 bool (json::*is)() const noexcept, const char* expected) {
  auto it = obj.find(key);
  if (it == obj.end()) return at + key + ": missing";
  if (!((*it).*is)()) return at + key + ": expected " + expected + ", found " + it->type_name();
  return {};
}

}  // namespace

std::string check_info_output(const json& j) {
  if (!j.is_object()) return std::string("expected a JSON object, found ") + j.type_name();
  for (const char* k : {"name", "library", "version"}) {
    if (auto e = need(j, "", k, &json::is_string, "string"); !e.empty()) return e;
  }
  if (auto e = need(j, "", "scenarios", &json::is_array, "array"); !e.empty()) return e;
  const json& scenarios = j["scenarios"];
  for (std::size_t i = 0; i < scenarios.size(); ++i) {
    const std::string at = "scenarios[" + std::to_string(i) + "].";
    if (!scenarios[i].is_object()) return at + ": expected object";
    if (auto e = need(scenarios[i], at, "name", &json::is_string, "string"); !e.empty()) return e;
    if (auto t = scenarios[i].find("in_cache_sim_suite");
        t != scenarios[i].end() && !t->is_boolean()) {
      return at + "in_cache_sim_suite: expected boolean";
    }
    auto params = scenarios[i].find("params");
    if (params == scenarios[i].end()) continue;
    if (!params->is_array()) return at + "params: expected array";
    for (const auto& p : *params) {
      if (!p.is_object() || !p.contains("name") || !p["name"].is_string()) {
        return at + "params: every entry needs a string \"name\"";
      }
    }
  }
  return {};
}

std::string check_run_output(const json& j) {
  if (!j.is_object()) return std::string("expected a JSON object, found ") + j.type_name();
  if (auto e = need(j, "", "backend", &json::is_object, "object"); !e.empty()) return e;
  if (auto e = need(j, "", "results", &json::is_array, "array"); !e.empty()) return e;
  const json& results = j["results"];
  for (std::size_t i = 0; i < results.size(); ++i) {
    const std::string at = "results[" + std::to_string(i) + "].";
    const json& r = results[i];
    if (!r.is_object()) return at + ": expected object";
    if (auto e = need(r, at, "scenario", &json::is_string, "string"); !e.empty()) return e;
    if (auto e = need(r, at, "params", &json::is_object, "object"); !e.empty()) return e;
    if (auto e = need(r, at, "ops_per_sec", &json::is_number, "number"); !e.empty()) return e;
    if (auto e = need(r, at, "latency_histogram", &json::is_object, "object"); !e.empty()) {
      return e;
    }
    try {
      (void)histogram_from_json(r["latency_histogram"]);
    } catch (const std::invalid_argument& ex) {
      return at + "latency_histogram: " + ex.what();
    }
    if (r.contains("latency_batched_histogram")) {
      try {
        (void)histogram_from_json(r["latency_batched_histogram"]);
      } catch (const std::invalid_argument& ex) {
        return at + "latency_batched_histogram: " + ex.what();
      }
    }
  }
  return {};
}

std::string check_micro_output(const json& j) {
  if (!j.is_object()) return std::string("expected a JSON object, found ") + j.type_name();
  if (auto e = need(j, "", "context", &json::is_object, "object"); !e.empty()) return e;
  if (auto e = need(j, "", "benchmarks", &json::is_array, "array"); !e.empty()) return e;
  const json& rows = j["benchmarks"];
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const std::string at = "benchmarks[" + std::to_string(i) + "].";
    if (!rows[i].is_object()) return at + ": expected object";
    if (auto e = need(rows[i], at, "name", &json::is_string, "string"); !e.empty()) return e;
  }
  return {};
}

}  // namespace allocbench
