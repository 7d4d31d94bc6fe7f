#include "harness/driver/list_command.hpp"

#include <ostream>

#include "harness/driver/cli.hpp"
#include "harness/driver/workers.hpp"
#include "harness/report/json_access.hpp"
#include "harness/report/protocol.hpp"
#include "harness/report/text_table.hpp"

namespace allocbench {

namespace {

std::string values(const nlohmann::json* v) {
  if (!v) return "n/a";
  if (!v->is_array()) return v->dump();
  std::string s;
  for (const auto& x : *v)
    s += (s.empty() ? "" : ", ") + (x.is_string() ? x.get<std::string>() : x.dump());
  return s.empty() ? "none" : s;
}

}  // namespace

int list_command(std::ostream& out, std::ostream& err) {
  const auto dir = own_directory();
  const auto backends = discover_backends(dir);
  if (backends.empty()) {
    err << "allocbench: no " << kWorkerPrefix << "* executables next to allocbench in " << dir
        << "\n";
    return kExitSomeFailed;
  }
  TextTable table({"backend", "library", "version"});
  nlohmann::json catalog;
  std::string catalog_error;
  int status = kExitOk;
  for (const auto& b : backends) {
    const WorkerReply info = call_worker(
        {worker_path(dir, b), {"info"}, std::chrono::seconds(60), nullptr, check_info_output});
    if (!info.ok) {
      table.add({b, "(info failed)", ""});
      err << "allocbench: " << b << " info: " << info.error << "\n";
      status = kExitSomeFailed;
      continue;
    }
    table.add(
        {b, string_at(info.output, {"library"}, "?"), string_at(info.output, {"version"}, "?")});
    // All workers carry the same scenarios; system's is the reference, else the first that answers.
    if (catalog.is_null() || b == "system") catalog = info.output["scenarios"];
  }
  out << "backends\n" << table.render() << "\nscenarios\n";
  if (catalog.is_null()) {
    out << "  unavailable: no worker answered `info`\n";
    return status;
  }
  for (const auto& s : catalog) {
    out << "  " << string_at(s, {"name"}) << ": " << string_at(s, {"description"}) << "\n";
    const auto* params = json_at(s, {"params"});
    if (!params || !params->is_array()) continue;
    for (const auto& p : *params) {
      out << "      " << string_at(p, {"name"}) << ": " << string_at(p, {"description"})
          << " (quick: " << values(json_at(p, {"quick"}))
          << "; full: " << values(json_at(p, {"full"})) << ")\n";
    }
  }
  return status;
}

}  // namespace allocbench
