// The statistics behind every "how sure" in the reports, done once here (the summary, compare and
// scripts/plot.py read the fields this produces). The unit of evidence is a repetition: one
// worker process, one sample. Everything is distribution-free: timing samples are skewed and
// have outliers, and with 3 to 30 samples nothing justifies assuming a normal shape.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

namespace allocbench {

inline constexpr double kAlpha = 0.05;  // two-sided: 95 % intervals and the significance level

// Sample coefficient of variation: standard deviation (n - 1) / mean; nullopt for fewer than two
// samples or a mean of 0.
std::optional<double> coefficient_of_variation(const std::vector<double>& xs);

// The median's confidence interval from order statistics: [x_(j), x_(n+1-j)] for the largest j
// whose coverage 1 - 2 P(B <= j - 1), B ~ Binomial(n, 1/2), is at least `level`. Exact for any
// continuous distribution (e.g. Conover, Practical Nonparametric Statistics, 3rd ed., §3.2).
// With fewer than 6 samples no interval reaches 95 % ([min, max] covers 1 - 2^(1-n)).
struct MedianInterval {
  bool available = false;
  double low = 0, high = 0;
  double coverage = 0;   // the interval's exact coverage (>= level when available)
  std::size_t rank = 0;  // j: the interval is the j-th smallest to the j-th largest
  std::string reason;    // why not, when unavailable
};
MedianInterval median_interval(std::vector<double> xs, double level = 1 - kAlpha);

// P(U <= u) under the null hypothesis for samples of n and m with no ties (exact, by counting
// the arrangements: Mann and Whitney 1947's recursion).
double mann_whitney_cdf(std::size_t n, std::size_t m, std::size_t u);

// The smallest two-sided p-value samples of n and m can give: 2 / C(n + m, n) (all of one side
// above all of the other). Below alpha only from 4 + 4 (0.029) or 3 + 5 (0.036) samples.
double min_two_sided_p(std::size_t n, std::size_t m);

// Mann-Whitney U test, two-sided. u_a counts the pairs (a_i, b_j) with a_i > b_j (ties 1/2).
// Exact null distribution when there are no ties and n, m <= 50; otherwise the normal
// approximation with tie correction and continuity correction (as scipy.stats.mannwhitneyu's
// "exact" and "asymptotic" methods).
struct MannWhitney {
  double u_a = 0;
  double p = 1;
  std::string method;  // "exact" or "normal approximation (tie-corrected)"
};
MannWhitney mann_whitney(const std::vector<double>& a, const std::vector<double>& b);

// The ratio b / a of two locations, with a distribution-free confidence interval: the order
// statistics of the n * m pairwise ratios b_j / a_i at the ranks given by the Mann-Whitney null
// distribution (Moses' interval for a shift, taken on log values; Hollander, Wolfe & Chicken,
// Nonparametric Statistical Methods, 3rd ed., §4.3). The point estimate is the ratio of medians.
// Samples must be positive.
struct RatioInterval {
  double ratio = 0;  // median(b) / median(a)
  bool available = false;
  double low = 0, high = 0;
  double coverage = 0;
  std::string reason;
};
RatioInterval ratio_interval(const std::vector<double>& a, const std::vector<double>& b,
                             double level = 1 - kAlpha);

}  // namespace allocbench
