#include "harness/driver/compare_command.hpp"

#include <ostream>
#include <stdexcept>

#include <nlohmann/json.hpp>

#include "harness/report/atomic_file.hpp"
#include "harness/report/compare_reporter.hpp"
#include "harness/report/schema.hpp"

namespace allocbench {

int compare_command(const CompareOptions& options, std::ostream& out, std::ostream& err) {
  try {
    if (options.json_out) {
      if (std::string why = check_writable(*options.json_out); !why.empty()) {
        throw std::invalid_argument("--json: cannot write " + *options.json_out + ": " + why);
      }
    }
    std::vector<nlohmann::json> reports;
    for (const auto& f : options.files) reports.push_back(load_report(f));
    CompareSettings st;
    st.min_effect = options.min_effect;
    st.noise_threshold = options.noise_threshold;
    st.fail_if_slower = options.fail_if_slower;
    const Comparison c = options.baseline ? compare_baseline(reports[0], *options.baseline, st)
                                          : compare_reports(reports[0], reports[1],
                                                            options.files[0], options.files[1], st);
    out << c.text;
    if (options.json_out) {
      try {
        write_file_atomically(*options.json_out, c.json.dump(2) + "\n");
      } catch (const std::exception& e) {
        err << "allocbench compare: cannot write " << *options.json_out << ": " << e.what() << "\n";
        return kExitSomeFailed;
      }
    }
    if (c.gate_failed) return kExitSomeFailed;
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
