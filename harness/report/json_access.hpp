// Lookups into report JSON that never throw: a report read from disk may lack any field or hold
// the wrong type there, and the reporters must say "unavailable" rather than crash.
#pragma once

#include <initializer_list>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "harness/params.hpp"

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

// A report's params object as name/value text pairs (keys sorted, as nlohmann stores them).
inline std::vector<std::pair<std::string, std::string>> param_pairs(const nlohmann::json& params) {
  std::vector<std::pair<std::string, std::string>> out;
  if (!params.is_object()) return out;
  for (auto it = params.begin(); it != params.end(); ++it) {
    out.emplace_back(it.key(), it->is_string() ? it->get<std::string>() : it->dump());
  }
  return out;
}

// Params as "k=1024 n=8"; "-" when there are none.
inline std::string params_label(const nlohmann::json& params) {
  const std::string label = param_label("", param_pairs(params));
  return label.empty() ? "-" : label;
}

// params_label() without the run-size parameters (how many operations were timed or sampled):
// what a reader needs to tell one workload from another.
inline std::string workload_label(const nlohmann::json& params) {
  if (!params.is_object()) return "-";
  return param_label("", param_pairs(params), {"ops", "samples"});
}

}  // namespace allocbench
