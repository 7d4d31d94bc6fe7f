#include "harness/driver/compare_command.hpp"

#include <ostream>
#include <stdexcept>

#include <nlohmann/json.hpp>

#include "harness/report/compare_reporter.hpp"
#include "harness/report/schema.hpp"

namespace allocbench {

int compare_command(const CompareOptions& options, std::ostream& out, std::ostream& err) {
  try {
    std::vector<nlohmann::json> reports;
    for (const auto& f : options.files) reports.push_back(load_report(f));
    if (options.baseline) {
      out << format_baseline(reports[0], *options.baseline);
    } else {
      out << format_compare(reports[0], reports[1], options.files[0], options.files[1]);
    }
  } catch (const SchemaError& e) {
    err << "allocbench compare: " << e.what() << "\n";
    return kExitUsage;
  } catch (const std::invalid_argument& e) {
    err << "allocbench compare: " << e.what() << "\n";
    return kExitUsage;
  }
  return kExitOk;
}

}  // namespace allocbench
