#include "harness/driver/grid.hpp"

#include <algorithm>

#include "harness/params.hpp"

namespace allocbench {

namespace {

std::string value_text(const nlohmann::json& v) {
  return v.is_string() ? v.get<std::string>() : v.dump();
}

}  // namespace

std::string GridPoint::label() const {
  return param_label(scenario, params);
}

std::vector<GridPoint> expand_grid(
    const nlohmann::json& catalog, const std::vector<std::string>& scenarios,
    const std::string& mode,
    const std::vector<std::pair<std::string, std::vector<std::uint64_t>>>& overrides) {
  std::vector<GridPoint> out;
  if (!catalog.is_array()) return out;
  for (const auto& spec : catalog) {
    const std::string name = spec.value("name", "");
    if (std::find(scenarios.begin(), scenarios.end(), name) == scenarios.end()) continue;
    std::vector<ParamAxis<std::string>> axes;
    const auto params = spec.find("params");
    for (const auto& p :
         params != spec.end() && params->is_array() ? *params : nlohmann::json::array()) {
      ParamAxis<std::string> axis{p.value("name", ""), {}};
      for (const auto& [k, vs] : overrides) {
        if (k != axis.name) continue;
        axis.values.clear();
        for (auto v : vs) axis.values.push_back(std::to_string(v));
      }
      if (axis.values.empty()) {
        const auto list = p.find(mode);
        if (list != p.end() && list->is_array()) {
          for (const auto& v : *list) axis.values.push_back(value_text(v));
        }
      }
      axes.push_back(std::move(axis));
    }
    for (auto& set : expand_param_grid(axes)) out.push_back({name, std::move(set)});
  }
  return out;
}

std::vector<std::size_t> rotated_order(std::size_t n, std::uint64_t rep) {
  std::vector<std::size_t> order;
  for (std::size_t i = 0; i < n; ++i) order.push_back(static_cast<std::size_t>((i + rep) % n));
  return order;
}

}  // namespace allocbench
