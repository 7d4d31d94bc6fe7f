#include "harness/report/schema.hpp"

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>
#include <valijson/adapters/nlohmann_json_adapter.hpp>
#include <valijson/schema.hpp>
#include <valijson/schema_parser.hpp>
#include <valijson/validation_results.hpp>
#include <valijson/validator.hpp>

#include "harness/report/json_limits.hpp"
#include "harness/report/report_schema.hpp"

namespace allocbench {

namespace {

using nlohmann::json;

// The schema, parsed once: report.schema.json, embedded at build time.
struct ParsedSchema {
  ParsedSchema() {
    const json doc = json::parse(kReportSchemaJson);
    valijson::SchemaParser parser(valijson::SchemaParser::kDraft7);
    parser.populateSchema(valijson::adapters::NlohmannJsonAdapter(doc), schema);
  }
  valijson::Schema schema;
};

const valijson::Schema& report_schema() {
  static const ParsedSchema parsed;
  return parsed.schema;
}

// valijson's context {"<root>", "[results]", "[0]", "[throughput]"} as "results[0].throughput".
std::string json_path(const std::vector<std::string>& context) {
  std::string path;
  for (const std::string& part : context) {
    if (part.size() < 2 || part.front() != '[' || part.back() != ']') continue;  // "<root>"
    const std::string key = part.substr(1, part.size() - 2);
    const bool index = !key.empty() && key.find_first_not_of("0123456789") == std::string::npos;
    path += index ? "[" + key + "]" : (path.empty() ? "" : ".") + key;
  }
  return path;
}

const json* at_path(const json& root, const std::vector<std::string>& context) {
  const json* node = &root;
  for (const std::string& part : context) {
    if (part.size() < 2 || part.front() != '[' || part.back() != ']') continue;
    const std::string key = part.substr(1, part.size() - 2);
    if (node->is_array() && !key.empty() &&
        key.find_first_not_of("0123456789") == std::string::npos) {
      const std::size_t i = std::stoul(key);
      if (i >= node->size()) return nullptr;
      node = &(*node)[i];
    } else if (node->is_object() && node->contains(key)) {
      node = &(*node)[key];
    } else {
      return nullptr;
    }
  }
  return node;
}

// A failed constraint on the value v at path, from valijson's description d.
std::string describe_value(const std::string& path, const std::string& d, const json* v) {
  const std::string found = v ? std::string(", found ") + v->type_name() : "";
  auto after = [&](const std::string& prefix) -> std::optional<std::string> {
    if (d.rfind(prefix, 0) != 0) return std::nullopt;
    return d.substr(prefix.size());
  };
  if (d.find("'type' constraint") != std::string::npos) return path + ": wrong type" + found;
  if (auto x = after("Expected number greater than or equal to ")) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%g", std::strtod(x->c_str(), nullptr));
    return path + ": expected a number >= " + buf;
  }
  const std::size_t length = v && v->is_string() ? v->get_ref<const std::string&>().size() : 0;
  if (auto x = after("String should be no more than ")) {
    return path + ": expected at most " + x->substr(0, x->find(' ')) + " characters, found " +
           std::to_string(length);
  }
  if (auto x = after("String should be no fewer than ")) {
    return path + ": expected at least " + x->substr(0, x->find(' ')) + " characters, found " +
           std::to_string(length);
  }
  if (d.find("'const' constraint") != std::string::npos) {
    return path + ": unexpected value " + (v ? v->dump().substr(0, 80) : std::string("(absent)"));
  }
  return path + ": " + d;
}

// One of valijson's errors worded as "results[0].throughput.ops_per_sec.median: missing" (the
// words scripts/plotlib/report.py uses), ranked: the deeper field first (a missing key is one
// level below the object that lacks it), then a wrong type before other failures of a value,
// then byte order.
struct Described {
  std::size_t depth;
  int rank;
  std::string message;
  bool before(const Described& o) const {
    return std::tie(o.depth, rank, message) < std::tie(depth, o.rank, o.message);
  }
};

Described describe(const valijson::ValidationResults::Error& e, const json& report) {
  std::string path = json_path(e.context);
  const std::size_t depth = e.context.size();
  const std::string& d = e.description;
  static const std::string kMissing = "Missing required property '";
  if (d.rfind(kMissing, 0) == 0) {
    const std::string key =
        d.substr(kMissing.size(), d.find('\'', kMissing.size()) - kMissing.size());
    return {depth + 1, 0, (path.empty() ? key : path + "." + key) + ": missing"};
  }
  const int rank = d.find("'type' constraint") != std::string::npos ? 0 : 1;
  return {depth, rank,
          describe_value(path.empty() ? "report" : path, d, at_path(report, e.context))};
}

// The most specific error (valijson also reports every enclosing level), chosen as plot.py
// chooses it, so that both readers name the same one.
std::string first_error(const valijson::ValidationResults& results, const json& report) {
  std::optional<Described> best;
  for (const auto& e : results) {
    Described candidate = describe(e, report);
    if (!best || candidate.before(*best)) best = std::move(candidate);
  }
  return best ? best->message : "report: does not match the schema";
}

}  // namespace

void validate_report(const json& report) {
  valijson::Validator validator(valijson::Validator::kStrongTypes);
  valijson::ValidationResults results;
  if (!validator.validate(report_schema(), valijson::adapters::NlohmannJsonAdapter(report),
                          &results)) {
    throw SchemaError(first_error(results, report));
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
