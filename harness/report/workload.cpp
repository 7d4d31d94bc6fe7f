#include "harness/report/workload.hpp"

#include "harness/report/json_access.hpp"

namespace allocbench {

using nlohmann::json;

std::set<std::string> run_size_params(const json& report, const std::string& scenario) {
  const json* declared = json_at(report, {"config", "run_size_params", scenario.c_str()});
  if (!declared || !declared->is_array()) return legacy_run_size_params();
  std::set<std::string> names;
  for (const json& n : *declared) {
    if (n.is_string()) names.insert(n.get<std::string>());
  }
  return names;
}

json workload_params(const json& params, const std::set<std::string>& run_size) {
  json out = json::object();
  if (!params.is_object()) return out;
  for (auto it = params.begin(); it != params.end(); ++it) {
    if (!run_size.count(it.key())) out[it.key()] = *it;
  }
  return out;
}

json run_size_values(const json& params, const std::set<std::string>& run_size) {
  json out = json::object();
  if (!params.is_object()) return out;
  for (auto it = params.begin(); it != params.end(); ++it) {
    if (run_size.count(it.key())) out[it.key()] = *it;
  }
  return out;
}

std::string workload_text(const json& params, const std::set<std::string>& run_size) {
  return params_label(workload_params(params, run_size));
}

}  // namespace allocbench
