// The report schema's version and a validator for reports read back from disk (compare,
// --baseline). The shape is defined once, in report.schema.json (embedded at build time), which
// scripts/plotlib/report.py checks too; anything it does not name is passed through untouched.
#pragma once

#include <cstddef>
#include <stdexcept>
#include <string>

#include <nlohmann/json_fwd.hpp>

namespace allocbench {

inline constexpr int kSchemaVersion = 1;  // report.schema.json's "schema_version" const

class SchemaError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Checks report against report.schema.json. Throws SchemaError whose message names the most
// specific offending field by its JSON path, e.g. "results[2].throughput.ops_per_sec.median:
// missing".
void validate_report(const nlohmann::json& report);

// The report as written to disk: indented JSON and a final newline. A string that is not valid
// UTF-8 (everything from a child is sanitised first; this is the last line of defence) has its
// bad bytes replaced by U+FFFD instead of throwing, so the report is always written.
std::string dump_report(const nlohmann::json& report);

// Reads and parses path, then validates it. Throws SchemaError for an unreadable file, invalid
// JSON or a schema violation; the message starts with the path.
nlohmann::json load_report(const std::string& path);

}  // namespace allocbench
