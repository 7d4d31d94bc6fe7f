#include "harness/report/statistics.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace allocbench {

namespace {

// Number of arrangements of n a's and m b's with U = u, for every u (0 .. n * m): the recursion
// N(n, m, u) = N(n - 1, m, u - m) + N(n, m - 1, u), by the last element's side.
std::vector<double> u_counts(std::size_t n, std::size_t m) {
  // prev[j][u]: arrangements of i - 1 a's and j b's; cur: i a's.
  std::vector<std::vector<double>> prev(m + 1), cur(m + 1);
  for (std::size_t j = 0; j <= m; ++j) prev[j] = {1.0};  // zero a's: one arrangement, U = 0
  for (std::size_t i = 1; i <= n; ++i) {
    for (std::size_t j = 0; j <= m; ++j) {
      cur[j].assign(i * j + 1, 0.0);
      // Last element an a: it beats all j b's.
      for (std::size_t u = 0; u < prev[j].size(); ++u) cur[j][u + j] += prev[j][u];
      // Last element a b: it beats nothing.
      if (j > 0) {
        for (std::size_t u = 0; u < cur[j - 1].size(); ++u) cur[j][u] += cur[j - 1][u];
      }
    }
    std::swap(prev, cur);
  }
  return prev[m];
}

double binomial_half_cdf(std::size_t n, std::size_t k) {  // P(B <= k), B ~ Bin(n, 1/2)
  double term = std::pow(0.5, static_cast<double>(n)), sum = 0;
  for (std::size_t i = 0; i <= k && i <= n; ++i) {
    sum += term;
    term = term * static_cast<double>(n - i) / static_cast<double>(i + 1);
  }
  return std::min(1.0, sum);
}

double normal_sf(double z) {
  return 0.5 * std::erfc(z / std::sqrt(2.0));
}

std::string fmt_pct(double x) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f %%", 100 * x);
  return buf;
}

double median_of(std::vector<double> xs) {
  std::sort(xs.begin(), xs.end());
  const std::size_t n = xs.size();
  return n % 2 ? xs[n / 2] : (xs[n / 2 - 1] + xs[n / 2]) / 2.0;
}

constexpr std::size_t kExactLimit = 50;

}  // namespace

std::optional<double> coefficient_of_variation(const std::vector<double>& xs) {
  if (xs.size() < 2) return std::nullopt;
  const double mean = std::accumulate(xs.begin(), xs.end(), 0.0) / static_cast<double>(xs.size());
  if (mean == 0) return std::nullopt;
  double ss = 0;
  for (double x : xs) ss += (x - mean) * (x - mean);
  return std::sqrt(ss / static_cast<double>(xs.size() - 1)) / std::fabs(mean);
}

MedianInterval median_interval(std::vector<double> xs, double level) {
  MedianInterval out;
  const std::size_t n = xs.size();
  if (n == 0) {
    out.reason = "no samples";
    return out;
  }
  std::sort(xs.begin(), xs.end());
  // Largest j (1-based) with coverage 1 - 2 P(B <= j - 1) >= level.
  std::size_t best = 0;
  for (std::size_t j = 1; 2 * j <= n + 1; ++j) {
    if (1 - 2 * binomial_half_cdf(n, j - 1) >= level) best = j;
  }
  if (best == 0) {
    const double widest = n >= 2 ? 1 - 2 * std::pow(0.5, static_cast<double>(n)) : 0;
    std::size_t need = 1;
    while (1 - 2 * std::pow(0.5, static_cast<double>(need)) < level) ++need;
    out.reason = std::to_string(n) + " repetition" + (n == 1 ? "" : "s") +
                 ": the widest order-statistic interval [min, max] covers the median with " +
                 fmt_pct(widest) + "; " + std::to_string(need) + " are needed for " +
                 fmt_pct(level);
    return out;
  }
  out.available = true;
  out.rank = best;
  out.low = xs[best - 1];
  out.high = xs[n - best];
  out.coverage = 1 - 2 * binomial_half_cdf(n, best - 1);
  return out;
}

double mann_whitney_cdf(std::size_t n, std::size_t m, std::size_t u) {
  const std::vector<double> counts = u_counts(n, m);
  const double total = std::accumulate(counts.begin(), counts.end(), 0.0);
  double below = 0;
  for (std::size_t i = 0; i <= u && i < counts.size(); ++i) below += counts[i];
  return below / total;
}

double min_two_sided_p(std::size_t n, std::size_t m) {
  if (n == 0 || m == 0) return 1;
  // 1 / C(n + m, n), computed as a product to stay finite.
  double inv = 1;
  for (std::size_t i = 1; i <= n; ++i) inv *= static_cast<double>(i) / static_cast<double>(m + i);
  return std::min(1.0, 2 * inv);
}

MannWhitney mann_whitney(const std::vector<double>& a, const std::vector<double>& b) {
  MannWhitney out;
  const std::size_t n = a.size(), m = b.size();
  if (n == 0 || m == 0) {
    out.method = "no samples";
    return out;
  }
  for (double x : a) {
    for (double y : b) out.u_a += x > y ? 1.0 : x == y ? 0.5 : 0.0;
  }
  // Ties across the pooled sample.
  std::vector<double> pooled(a);
  pooled.insert(pooled.end(), b.begin(), b.end());
  std::sort(pooled.begin(), pooled.end());
  double tie_term = 0;  // sum of t^3 - t over tied groups
  bool ties = false;
  for (std::size_t i = 0; i < pooled.size();) {
    std::size_t j = i;
    while (j < pooled.size() && pooled[j] == pooled[i]) ++j;
    const auto t = static_cast<double>(j - i);
    if (t > 1) ties = true;
    tie_term += t * t * t - t;
    i = j;
  }
  const double nm = static_cast<double>(n * m);
  if (!ties && n <= kExactLimit && m <= kExactLimit) {
    out.method = "exact";
    const double u_small = std::min(out.u_a, nm - out.u_a);  // an integer without ties
    out.p = std::min(1.0, 2 * mann_whitney_cdf(n, m, static_cast<std::size_t>(u_small)));
    return out;
  }
  out.method = "normal approximation (tie-corrected)";
  const double N = static_cast<double>(n + m);
  const double var = nm / 12.0 * ((N + 1) - tie_term / (N * (N - 1)));
  if (var <= 0) {
    out.p = 1;  // every value equal: no evidence of any difference
    return out;
  }
  const double u_big = std::max(out.u_a, nm - out.u_a);
  const double z = (u_big - nm / 2 - 0.5) / std::sqrt(var);
  out.p = std::min(1.0, 2 * normal_sf(z));
  return out;
}

RatioInterval ratio_interval(const std::vector<double>& a, const std::vector<double>& b,
                             double level) {
  RatioInterval out;
  const std::size_t n = a.size(), m = b.size();
  if (n == 0 || m == 0) {
    out.reason = "no samples";
    return out;
  }
  for (const auto* xs : {&a, &b}) {
    for (double x : *xs) {
      if (!(x > 0) || !std::isfinite(x)) {
        out.reason = "a sample is not a positive number";
        return out;
      }
    }
  }
  out.ratio = median_of(b) / median_of(a);
  // k: the largest rank with P(U <= k - 1) <= (1 - level) / 2.
  const double tail = (1 - level) / 2;
  std::size_t k = 0;
  double coverage = 0;
  if (n <= kExactLimit && m <= kExactLimit) {
    const std::vector<double> counts = u_counts(n, m);
    const double total = std::accumulate(counts.begin(), counts.end(), 0.0);
    double below = 0;  // P(U <= k - 1)
    for (std::size_t next = 1; next <= counts.size(); ++next) {
      const double with = below + counts[next - 1] / total;  // P(U <= next - 1)
      if (with > tail) break;
      k = next;
      below = with;
    }
    coverage = 1 - 2 * below;
  } else {
    const double nm = static_cast<double>(n * m);
    const double sd = std::sqrt(nm * static_cast<double>(n + m + 1) / 12.0);
    const double z = 1.959963984540054;  // 97.5 % point of the normal
    k = static_cast<std::size_t>(std::max(0.0, std::floor(nm / 2 - z * sd)));
    coverage = level;  // approximately
  }
  if (k == 0) {
    out.reason = std::to_string(n) + " and " + std::to_string(m) +
                 " repetitions: no interval from pairwise ratios reaches " + fmt_pct(level) +
                 " (at least 4 and 4 are needed)";
    return out;
  }
  std::vector<double> d;
  d.reserve(n * m);
  for (double x : a) {
    for (double y : b) d.push_back(std::log(y) - std::log(x));
  }
  std::sort(d.begin(), d.end());
  out.available = true;
  out.low = std::exp(d[k - 1]);
  out.high = std::exp(d[n * m - k]);
  out.coverage = coverage;
  return out;
}

}  // namespace allocbench
