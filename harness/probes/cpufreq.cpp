#include "harness/probes/cpufreq.hpp"

#include <fstream>
#include <string>

namespace allocbench {

namespace fs = std::filesystem;

namespace {

bool read_line(const fs::path& p, std::string& out) {
  std::ifstream in(p);
  return static_cast<bool>(in && std::getline(in, out));
}

}  // namespace

CpuFreqInfo cpufreq_info(const fs::path& root) {
  CpuFreqInfo info;
  std::error_code ec;
  for (int cpu = 0;; ++cpu) {
    const fs::path dir = root / ("cpu" + std::to_string(cpu));
    if (!fs::exists(dir, ec)) break;
    std::string g;
    if (read_line(dir / "cpufreq" / "scaling_governor", g)) {
      info.governors.emplace_back("cpu" + std::to_string(cpu), g);
    }
  }
  if (info.governors.empty()) {
    info.governors_unavailable =
        "no " + (root / "cpu0" / "cpufreq" / "scaling_governor").string() +
        " (no cpufreq driver: usual in a VM, where the host sets the frequency)";
  }
  std::string v;
  if (read_line(root / "cpufreq" / "boost", v)) {
    // acpi-cpufreq and amd-pstate: 1 = boost on.
    info.boost = v == "1";
    info.boost_source = (root / "cpufreq" / "boost").string();
  } else if (read_line(root / "intel_pstate" / "no_turbo", v)) {
    // intel_pstate: no_turbo 1 = boost off.
    info.boost = v == "0";
    info.boost_source = (root / "intel_pstate" / "no_turbo").string();
  } else {
    info.boost_unavailable = "neither " + (root / "cpufreq" / "boost").string() + " nor " +
                             (root / "intel_pstate" / "no_turbo").string() + " exists";
  }
  return info;
}

}  // namespace allocbench
