#include "harness/driver/grid.hpp"

#include <algorithm>

namespace allocbench {

namespace {

std::string value_text(const nlohmann::json& v) {
  return v.is_string() ? v.get<std::string>() : v.dump();
}

}  // namespace

std::string GridPoint::label() const {
  std::string s = scenario;
  for (const auto& [k, v] : params) s += " " + k + "=" + v;
  return s;
}

std::vector<GridPoint> expand_grid(
    const nlohmann::json& catalog, const std::vector<std::string>& scenarios,
    const std::string& mode, const std::vector<std::pair<std::string, std::uint64_t>>& overrides) {
  std::vector<GridPoint> out;
  if (!catalog.is_array()) return out;
  for (const auto& spec : catalog) {
    const std::string name = spec.value("name", "");
    if (std::find(scenarios.begin(), scenarios.end(), name) == scenarios.end()) continue;
    std::vector<GridPoint> sets = {{name, {}}};
    const auto params = spec.find("params");
    for (const auto& p :
         params != spec.end() && params->is_array() ? *params : nlohmann::json::array()) {
      const std::string pname = p.value("name", "");
      std::vector<std::string> values;
      for (const auto& [k, v] : overrides) {
        if (k == pname) values = {std::to_string(v)};
      }
      if (values.empty()) {
        const auto list = p.find(mode);
        if (list != p.end() && list->is_array()) {
          for (const auto& v : *list) values.push_back(value_text(v));
        }
      }
      if (values.empty()) continue;  // the worker's own default
      std::vector<GridPoint> next;
      for (const auto& base : sets) {
        for (const auto& v : values) {
          GridPoint g = base;
          g.params.emplace_back(pname, v);
          next.push_back(std::move(g));
        }
      }
      sets = std::move(next);
    }
    out.insert(out.end(), sets.begin(), sets.end());
  }
  return out;
}

std::vector<std::size_t> rotated_order(std::size_t n, std::uint64_t rep) {
  std::vector<std::size_t> order;
  for (std::size_t i = 0; i < n; ++i) order.push_back(static_cast<std::size_t>((i + rep) % n));
  return order;
}

}  // namespace allocbench
