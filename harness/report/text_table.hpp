// A plain-text table with columns padded to their widest cell, shared by the reporters, plus
// the number formats they print.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <optional>
#include <string>
#include <vector>

namespace allocbench {

class TextTable {
 public:
  explicit TextTable(std::vector<std::string> header) { rows_.push_back(std::move(header)); }
  void add(std::vector<std::string> row) { rows_.push_back(std::move(row)); }

  // First column left-aligned, the rest right-aligned (they hold numbers), two-space gaps.
  std::string render(const std::string& indent = "  ") const {
    std::vector<std::size_t> width;
    for (const auto& row : rows_) {
      width.resize(std::max(width.size(), row.size()), 0);
      for (std::size_t c = 0; c < row.size(); ++c) width[c] = std::max(width[c], row[c].size());
    }
    std::string out;
    for (const auto& row : rows_) {
      std::string line = indent;
      for (std::size_t c = 0; c < row.size(); ++c) {
        const std::string pad(width[c] - row[c].size(), ' ');
        line += c == 0 ? row[c] + pad : "  " + pad + row[c];
      }
      while (!line.empty() && line.back() == ' ') line.pop_back();
      out += line + '\n';
    }
    return out;
  }

 private:
  std::vector<std::vector<std::string>> rows_;
};

// "n/a" stands for a figure the report does not have, never a made-up 0.
inline std::string format_fixed(std::optional<double> v, int decimals = 1) {
  if (!v || !std::isfinite(*v)) return "n/a";
  // %f prints every integer digit: 1e300 takes 302 characters, so size the buffer to fit.
  const int n = std::snprintf(nullptr, 0, "%.*f", decimals, *v);
  std::string s(static_cast<std::size_t>(n > 0 ? n : 0), '\0');
  std::snprintf(s.data(), s.size() + 1, "%.*f", decimals, *v);
  return s;
}

// Rates with an SI suffix: 123.4M, 5.67k.
inline std::string format_rate(std::optional<double> v) {
  if (!v || !std::isfinite(*v)) return "n/a";
  static constexpr std::pair<double, const char*> kScale[] = {
      {1e12, "T"}, {1e9, "G"}, {1e6, "M"}, {1e3, "k"}};
  for (const auto& [scale, suffix] : kScale) {
    if (std::fabs(*v) >= scale) return format_fixed(*v / scale, 2) + suffix;
  }
  return format_fixed(*v, 1);
}

inline std::string format_ratio(std::optional<double> num, std::optional<double> den) {
  if (!num || !den || *den == 0 || !std::isfinite(*num / *den)) return "n/a";
  return format_fixed(*num / *den, 2) + "x";
}

// Bytes in binary units: 4.0K, 304K, 32.0M ("n/a" when unknown).
inline std::string format_bytes(std::optional<double> v) {
  if (!v || !std::isfinite(*v) || *v < 0) return "n/a";
  static constexpr std::pair<double, const char*> kScale[] = {
      {1099511627776.0, "T"}, {1073741824.0, "G"}, {1048576.0, "M"}, {1024.0, "K"}};
  for (const auto& [scale, suffix] : kScale) {
    if (*v >= scale) return format_fixed(*v / scale, *v / scale < 10 ? 1 : 0) + suffix;
  }
  return format_fixed(*v, 0);
}

// A single-operation latency within kFewTimerSteps steps of the timer is only known to the
// step: "~40 [4 steps]" ("<1 step" once the pair's cost is subtracted), never "40.1".
inline constexpr double kFewTimerSteps = 10;
inline bool within_few_steps(std::optional<double> v, std::optional<double> step) {
  return v && step && *step > 0 && *v < kFewTimerSteps * *step;
}
inline std::string format_single_op(std::optional<double> v, std::optional<double> step) {
  if (!within_few_steps(v, step)) return format_fixed(v);
  const long steps = std::lround(*v / *step);
  if (steps == 0) return "<1 step";
  char buf[64];
  std::snprintf(buf, sizeof buf, "~%.0f [%ld step%s]", static_cast<double>(steps) * *step, steps,
                steps == 1 ? "" : "s");
  return buf;
}

}  // namespace allocbench
