#include "harness/report/summary_reporter.hpp"

#include <map>
#include <optional>
#include <vector>

#include <nlohmann/json.hpp>

#include "harness/report/json_access.hpp"
#include "harness/report/text_table.hpp"

namespace allocbench {

namespace {

using nlohmann::json;

std::optional<double> median_ops(const json& r) {
  return number_at(r, {"throughput", "ops_per_sec", "median"});
}

}  // namespace

std::string format_summary(const json& report) {
  const json& results = report["results"];
  // Group rows by scenario + params, keeping the report's order.
  std::vector<std::string> order;
  std::map<std::string, std::vector<const json*>> groups;
  std::map<std::string, const json*> floor_of;  // backend -> its first floor result
  for (const json& r : results) {
    const std::string key = r["scenario"].get<std::string>() + "  " + params_label(r["params"]);
    if (!groups.count(key)) order.push_back(key);
    groups[key].push_back(&r);
    if (r["scenario"] == "floor" && !floor_of.count(r["backend"].get<std::string>())) {
      floor_of[r["backend"].get<std::string>()] = &r;
    }
  }
  const bool has_floor = !floor_of.empty();

  std::string out;
  for (const auto& key : order) {
    const auto& rows = groups[key];
    std::optional<double> system_ops;
    for (const json* r : rows) {
      if ((*r)["backend"] == "system") system_ops = median_ops(*r);
    }
    std::vector<std::string> header = {"backend", "ops/s",    "p50 ns",
                                       "p99 ns",  "p99.9 ns", "vs system"};
    if (has_floor) header.push_back("vs floor");
    TextTable table(header);
    for (const json* r : rows) {
      const std::string backend = (*r)["backend"].get<std::string>();
      std::vector<std::string> row = {backend,
                                      format_rate(median_ops(*r)),
                                      format_fixed(number_at(*r, {"latency_ns", "p50"})),
                                      format_fixed(number_at(*r, {"latency_ns", "p99"})),
                                      format_fixed(number_at(*r, {"latency_ns", "p999"})),
                                      format_ratio(median_ops(*r), system_ops)};
      if (has_floor) {
        auto f = floor_of.find(backend);
        row.push_back(f == floor_of.end() ? "n/a"
                                          : format_ratio(median_ops(*r), median_ops(*f->second)));
      }
      table.add(std::move(row));
    }
    out += key + "\n" + table.render() + "\n";
  }
  if (order.empty()) out += "no results\n";
  for (const json& b : report["backends"]) {
    if (b["status"] != "ok") {
      out += "FAILED " + b["name"].get<std::string>() + ": " +
             string_at(b, {"error"}, "(no error recorded)") + "\n";
    }
  }
  return out;
}

}  // namespace allocbench
