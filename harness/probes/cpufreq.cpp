#include "harness/probes/cpufreq.hpp"

#include <fstream>
#include <string>

namespace allocbench {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

bool read_line(const fs::path& p, std::string& out) {
  std::ifstream in(p);
  return static_cast<bool>(in && std::getline(in, out));
}

json unavailable(const std::string& why) {
  return {{"source", "unavailable"}, {"reason", why}};
}

json governors(const fs::path& root) {
  json out = json::object();
  std::error_code ec;
  for (int cpu = 0;; ++cpu) {
    const fs::path dir = root / ("cpu" + std::to_string(cpu));
    if (!fs::exists(dir, ec)) break;
    std::string g;
    if (read_line(dir / "cpufreq" / "scaling_governor", g)) out["cpu" + std::to_string(cpu)] = g;
  }
  if (out.empty()) {
    return unavailable("no " + (root / "cpu0" / "cpufreq" / "scaling_governor").string() +
                       " (no cpufreq driver: usual in a VM, where the host sets the frequency)");
  }
  return out;
}

json boost(const fs::path& root) {
  std::string v;
  // acpi-cpufreq and amd-pstate: 1 = boost on.
  if (read_line(root / "cpufreq" / "boost", v)) {
    return {{"enabled", v == "1"}, {"source", (root / "cpufreq" / "boost").string()}};
  }
  // intel_pstate: no_turbo 1 = boost off.
  if (read_line(root / "intel_pstate" / "no_turbo", v)) {
    return {{"enabled", v == "0"}, {"source", (root / "intel_pstate" / "no_turbo").string()}};
  }
  return unavailable("neither " + (root / "cpufreq" / "boost").string() + " nor " +
                     (root / "intel_pstate" / "no_turbo").string() + " exists");
}

}  // namespace

json cpufreq_info(const fs::path& root) {
  return {{"governors", governors(root)}, {"boost", boost(root)}};
}

}  // namespace allocbench
