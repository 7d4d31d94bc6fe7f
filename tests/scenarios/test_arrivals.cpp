// The arrival process of open_loop: Poisson at the asked rate. Fixed seeds, so each check is
// deterministic; the thresholds are the usual critical values, which a correct generator
// passes for all but a few seeds in a thousand.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "scenarios/arrivals.hpp"

namespace allocbench {
namespace {

std::vector<double> gaps(double rate, std::uint64_t seed, std::size_t n) {
  PoissonArrivals a(rate, seed);
  std::vector<double> v(n);
  for (auto& g : v) g = a.next_gap();
  return v;
}

TEST(PoissonArrivals, MeanRateIsTheAskedRate) {
  const double rate = 2.5e5;  // per second, say
  const auto v = gaps(rate, 42, 200'000);
  double sum = 0;
  for (double g : v) sum += g;
  const double mean = sum / static_cast<double>(v.size());
  // The standard error of the mean of n exponential gaps is mean / sqrt(n): 0.22 % here.
  EXPECT_NEAR(mean * rate, 1.0, 0.01);
  EXPECT_DOUBLE_EQ(PoissonArrivals(rate, 1).mean_gap(), 1.0 / rate);
}

// Kolmogorov-Smirnov against Exp(rate): D < 1.63 / sqrt(n) is the 1 % critical value.
TEST(PoissonArrivals, GapsAreExponentialKolmogorovSmirnov) {
  const double rate = 1000;
  auto v = gaps(rate, 7, 50'000);
  std::sort(v.begin(), v.end());
  const auto n = static_cast<double>(v.size());
  double d = 0;
  for (std::size_t i = 0; i < v.size(); ++i) {
    const double f = 1 - std::exp(-rate * v[i]);
    d = std::max({d, std::abs(f - static_cast<double>(i) / n),
                  std::abs(static_cast<double>(i + 1) / n - f)});
  }
  EXPECT_LT(d, 1.63 / std::sqrt(n)) << "KS statistic";
}

// Chi-square over 20 equiprobable bins of Exp(rate): 19 degrees of freedom, 0.1 % critical
// value 43.82. A gap distribution of the right mean but the wrong shape (uniform, say) fails.
TEST(PoissonArrivals, GapsAreExponentialChiSquare) {
  const double rate = 3.0;
  const std::size_t n = 100'000, bins = 20;
  std::vector<double> count(bins, 0);
  PoissonArrivals a(rate, 2024);
  for (std::size_t i = 0; i < n; ++i) {
    const double u = 1 - std::exp(-rate * a.next_gap());  // the CDF: uniform if exponential
    count[std::min(bins - 1, static_cast<std::size_t>(u * bins))] += 1;
  }
  const double expect = static_cast<double>(n) / bins;
  double chi2 = 0;
  for (double c : count) chi2 += (c - expect) * (c - expect) / expect;
  EXPECT_LT(chi2, 43.82);

  // The same test rejects uniform gaps of the same mean: the check has teeth.
  SplitMix64 rng(2024);
  std::vector<double> wrong(bins, 0);
  for (std::size_t i = 0; i < n; ++i) {
    const double g = rng.unit() * 2 / rate;
    const double u = 1 - std::exp(-rate * g);
    wrong[std::min(bins - 1, static_cast<std::size_t>(u * bins))] += 1;
  }
  double chi2_wrong = 0;
  for (double c : wrong) chi2_wrong += (c - expect) * (c - expect) / expect;
  EXPECT_GT(chi2_wrong, 1000);
}

// Counts in fixed windows of a Poisson process have variance equal to their mean.
TEST(PoissonArrivals, CountsPerWindowAreDispersedAsPoisson) {
  const double rate = 10;  // 10 arrivals per unit window on average
  PoissonArrivals a(rate, 99);
  std::vector<double> counts(20'000, 0);
  double t = a.next_gap();
  while (t < static_cast<double>(counts.size())) {
    counts[static_cast<std::size_t>(t)] += 1;
    t += a.next_gap();
  }
  double mean = 0, var = 0;
  for (double c : counts) mean += c;
  mean /= static_cast<double>(counts.size());
  for (double c : counts) var += (c - mean) * (c - mean);
  var /= static_cast<double>(counts.size() - 1);
  EXPECT_NEAR(mean, rate, 0.1);
  EXPECT_NEAR(var / mean, 1.0, 0.05);
}

TEST(PoissonArrivals, SeededAndRepeatable) {
  EXPECT_EQ(gaps(5, 11, 100), gaps(5, 11, 100));
  EXPECT_NE(gaps(5, 11, 100), gaps(5, 12, 100));
  EXPECT_THROW(PoissonArrivals(0, 1), std::invalid_argument);
  EXPECT_THROW(PoissonArrivals(-1, 1), std::invalid_argument);
}

}  // namespace
}  // namespace allocbench
