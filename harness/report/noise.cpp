#include "harness/report/noise.hpp"

#include <algorithm>
#include <cstdio>
#include <map>
#include <vector>

#include "harness/report/json_access.hpp"
#include "harness/report/merge.hpp"

namespace allocbench {

using nlohmann::json;

namespace {

std::string pct(double f) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f%%", 100 * f);
  return buf;
}

}  // namespace

NoiseLevel floor_noise(const json& report) {
  NoiseLevel n;
  const json* results = json_at(report, {"results"});
  std::map<std::string, std::vector<double>> samples;  // backend -> its first floor row's
  if (results && results->is_array()) {
    for (const json& r : *results) {
      if (!r.is_object() || r.value("scenario", "") != kNoiseControlScenario) continue;
      const std::string b = r.value("backend", "");
      if (samples.count(b)) continue;
      const json* s = json_at(r, {"throughput", "ops_per_sec", "samples"});
      std::vector<double> xs;
      if (s && s->is_array()) {
        for (const json& v : *s) {
          if (v.is_number() && v.get<double>() > 0) xs.push_back(v.get<double>());
        }
      }
      if (!xs.empty()) samples[b] = std::move(xs);
    }
  }
  if (samples.empty()) {
    n.reason = std::string("the control scenario ") + kNoiseControlScenario +
               " has no timed results in this report (run it with --scenarios " +
               kNoiseControlScenario + ",...)";
    return n;
  }
  std::vector<double> medians;
  for (const auto& [b, xs] : samples) {
    const double m = median(xs);
    medians.push_back(m);
    n.repetitions = std::max(n.repetitions, xs.size());
    if (xs.size() >= 2) {
      const auto [lo, hi] = std::minmax_element(xs.begin(), xs.end());
      const double spread = (*hi - *lo) / m;
      n.across_repetitions = std::max(n.across_repetitions.value_or(0.0), spread);
    }
  }
  n.backends = medians.size();
  if (medians.size() >= 2) {
    const auto [lo, hi] = std::minmax_element(medians.begin(), medians.end());
    n.across_backends = (*hi - *lo) / median(medians);
  }
  if (!n.across_backends && !n.across_repetitions) {
    n.reason = "one backend with one repetition of " + std::string(kNoiseControlScenario) +
               ": no spread to measure";
    return n;
  }
  n.available = true;
  n.level = std::max(n.across_backends.value_or(0.0), n.across_repetitions.value_or(0.0));
  return n;
}

json noise_json(const NoiseLevel& n, double threshold) {
  if (!n.available) {
    return {{"source", "unavailable"},
            {"reason", n.reason},
            {"control", kNoiseControlScenario},
            {"threshold_pct", 100 * threshold}};
  }
  auto opt = [](const std::optional<double>& v) { return v ? json(100 * *v) : json(nullptr); };
  return {{"control", kNoiseControlScenario},
          {"level_pct", 100 * n.level},
          {"across_backends_pct", opt(n.across_backends)},
          {"across_repetitions_pct", opt(n.across_repetitions)},
          {"backends", n.backends},
          {"repetitions", n.repetitions},
          {"threshold_pct", 100 * threshold},
          {"exceeds_threshold", n.level > threshold},
          {"method",
           "floor runs the same freelist loop in every backend's worker: (max - min) / median of "
           "the backends' floor medians, and the widest (max - min) / median of one backend's "
           "repetitions; the level is the larger. A ratio within it is not a finding."}};
}

std::string noise_text(const NoiseLevel& n, double threshold) {
  if (!n.available) return "noise: unavailable (" + n.reason + ")\n";
  std::string s = "noise: " + pct(n.level) + " (control: " + kNoiseControlScenario;
  if (n.across_backends) {
    s += " spreads " + pct(*n.across_backends) + " across " + std::to_string(n.backends) +
         " backends";
  }
  if (n.across_repetitions) {
    s += std::string(n.across_backends ? "," : "") + " " + pct(*n.across_repetitions) + " across " +
         std::to_string(n.repetitions) + " repetitions";
  }
  s += "); ratios within ±" + pct(n.level) + " are marked ~ and are not findings\n";
  if (n.level > threshold) {
    s += "warning: the noise (" + pct(n.level) + ") exceeds --noise-threshold " + pct(threshold) +
         ": this run cannot tell backends apart by less than that (a busy machine?)\n";
  }
  return s;
}

}  // namespace allocbench
