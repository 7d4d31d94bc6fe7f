// Lookups into report JSON that never throw: a report read from disk may lack any field or hold
// the wrong type there, and the reporters must say "unavailable" rather than crash.
#pragma once

#include <initializer_list>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

namespace allocbench {

// j[path[0]][path[1]]... or nullptr when any step is missing or not an object.
inline const nlohmann::json* json_at(const nlohmann::json& j,
                                     std::initializer_list<const char*> path) {
  const nlohmann::json* cur = &j;
  for (const char* key : path) {
    if (!cur->is_object()) return nullptr;
    auto it = cur->find(key);
    if (it == cur->end()) return nullptr;
    cur = &*it;
  }
  return cur;
}

inline std::optional<double> number_at(const nlohmann::json& j,
                                       std::initializer_list<const char*> path) {
  const nlohmann::json* v = json_at(j, path);
  if (!v || !v->is_number()) return std::nullopt;
  return v->get<double>();
}

inline std::string string_at(const nlohmann::json& j, std::initializer_list<const char*> path,
                             std::string fallback = {}) {
  const nlohmann::json* v = json_at(j, path);
  if (!v || !v->is_string()) return fallback;
  return v->get<std::string>();
}

// Params as "k=1024 n=8" (keys sorted, as nlohmann stores them); "-" when there are none.
inline std::string params_label(const nlohmann::json& params) {
  if (!params.is_object() || params.empty()) return "-";
  std::string out;
  for (auto it = params.begin(); it != params.end(); ++it) {
    if (!out.empty()) out += ' ';
    out += it.key() + '=' + (it->is_string() ? it->get<std::string>() : it->dump());
  }
  return out;
}

// params_label() without the run-size parameters (how many operations were timed or sampled):
// what a reader needs to tell one workload from another.
inline std::string workload_label(const nlohmann::json& params) {
  if (!params.is_object()) return "-";
  nlohmann::json shown = nlohmann::json::object();
  for (auto it = params.begin(); it != params.end(); ++it) {
    if (it.key() != "ops" && it.key() != "samples") shown[it.key()] = *it;
  }
  return shown.empty() ? "" : params_label(shown);
}

}  // namespace allocbench
