// The statistics behind CIs, noise flags and compare's verdicts, against values with a known
// source: textbook examples, values that follow from counting arrangements by hand, and values
// computed independently with scipy 1.10.1 (scipy.stats.mannwhitneyu, scipy.stats.binom) on
// the development VM: `/usr/bin/python3 -c "from scipy import stats; ..."` as quoted per test.
#include <gtest/gtest.h>

#include <cmath>

#include "harness/report/statistics.hpp"

namespace allocbench {
namespace {

TEST(Statistics, MannWhitneyTextbookExample) {
  // Conover's ages example, as used in scipy.stats.mannwhitneyu's documentation:
  // males [19, 22, 16, 29, 24], females [20, 11, 17, 12]: U1 = 17, exact two-sided p = 1/9.
  const MannWhitney r = mann_whitney({19, 22, 16, 29, 24}, {20, 11, 17, 12});
  EXPECT_DOUBLE_EQ(r.u_a, 17);
  EXPECT_NEAR(r.p, 0.1111111111111111, 1e-12);
  EXPECT_EQ(r.method, "exact");
}

TEST(Statistics, MannWhitneyCompleteSeparationByCounting) {
  // Fully separated samples of 3 and 3: U = 0 in 1 of C(6, 3) = 20 arrangements, so the
  // two-sided p is 2/20 = 0.1: three repetitions per side can never reach alpha = 0.05.
  EXPECT_NEAR(mann_whitney({1, 2, 3}, {4, 5, 6}).p, 0.1, 1e-12);
  EXPECT_NEAR(min_two_sided_p(3, 3), 0.1, 1e-12);
  // 4 and 4: 2 / C(8, 4) = 2/70 = 0.028571...: the fewest equal repetitions that can.
  EXPECT_NEAR(mann_whitney({1, 2, 3, 4}, {5, 6, 7, 8}).p, 2.0 / 70, 1e-12);
  EXPECT_NEAR(min_two_sided_p(4, 4), 2.0 / 70, 1e-12);
  EXPECT_DOUBLE_EQ(mann_whitney({5, 6, 7, 8}, {1, 2, 3, 4}).u_a, 16);
  // The null distribution of U for 2 and 2: counts 1, 1, 2, 1, 1 over C(4, 2) = 6.
  EXPECT_NEAR(mann_whitney_cdf(2, 2, 0), 1.0 / 6, 1e-12);
  EXPECT_NEAR(mann_whitney_cdf(2, 2, 2), 4.0 / 6, 1e-12);
  EXPECT_NEAR(mann_whitney_cdf(2, 2, 4), 1.0, 1e-12);
}

TEST(Statistics, MannWhitneyTiesUseTheCorrectedNormalApproximation) {
  // scipy: stats.mannwhitneyu([1,2,2,3,4,4,5], [3,4,4,5,6,7,7,8], method="asymptotic")
  //   -> statistic 8.0, pvalue 0.02228731901455301 (tie and continuity corrected).
  const MannWhitney r = mann_whitney({1, 2, 2, 3, 4, 4, 5}, {3, 4, 4, 5, 6, 7, 7, 8});
  EXPECT_DOUBLE_EQ(r.u_a, 8);
  EXPECT_NEAR(r.p, 0.02228731901455301, 1e-12);
  EXPECT_NE(r.method.find("normal"), std::string::npos);
  // Identical samples: no evidence of a difference at all.
  EXPECT_DOUBLE_EQ(mann_whitney({5, 5, 5}, {5, 5, 5}).p, 1.0);
}

TEST(Statistics, MannWhitneyTenPercentShiftOverNineRepetitions) {
  // scipy: a = [10.1,10.4,9.8,10.0,10.3,9.9,10.2,10.05,10.15], b = 0.9 a, method="exact"
  //   -> statistic 81.0, pvalue 4.113533525298231e-05 (= 2 / C(18, 9)).
  const std::vector<double> a = {10.1, 10.4, 9.8, 10.0, 10.3, 9.9, 10.2, 10.05, 10.15};
  std::vector<double> b;
  for (double x : a) b.push_back(0.9 * x);
  const MannWhitney r = mann_whitney(a, b);
  EXPECT_DOUBLE_EQ(r.u_a, 81);
  EXPECT_NEAR(r.p, 4.113533525298231e-05, 1e-15);
}

TEST(Statistics, MedianIntervalFromOrderStatistics) {
  // Binomial tables (Conover, Table A3; scipy: 1 - 2 * stats.binom.cdf(j - 1, n, 0.5)):
  // n = 10 -> [x_(2), x_(9)], coverage 0.978515625; n = 20 -> [x_(6), x_(15)], 0.95861053...
  std::vector<double> ten;
  for (int i = 1; i <= 10; ++i) ten.push_back(i * 10.0);
  const MedianInterval a = median_interval(ten);
  ASSERT_TRUE(a.available) << a.reason;
  EXPECT_EQ(a.rank, 2u);
  EXPECT_DOUBLE_EQ(a.low, 20);
  EXPECT_DOUBLE_EQ(a.high, 90);
  EXPECT_NEAR(a.coverage, 0.978515625, 1e-12);
  std::vector<double> twenty;
  for (int i = 20; i >= 1; --i) twenty.push_back(i);  // order of the input does not matter
  const MedianInterval b = median_interval(twenty);
  ASSERT_TRUE(b.available);
  EXPECT_DOUBLE_EQ(b.low, 6);
  EXPECT_DOUBLE_EQ(b.high, 15);
  EXPECT_NEAR(b.coverage, 0.9586105346679688, 1e-12);
  // n = 6 is the smallest with a 95 % interval: [min, max] covers 1 - 2/64 = 0.96875.
  const MedianInterval six = median_interval({3, 1, 2, 6, 5, 4});
  ASSERT_TRUE(six.available);
  EXPECT_DOUBLE_EQ(six.low, 1);
  EXPECT_DOUBLE_EQ(six.high, 6);
  EXPECT_NEAR(six.coverage, 0.96875, 1e-12);
  // n = 5: [min, max] covers only 1 - 2/32 = 93.75 %: unavailable, and it says so.
  const MedianInterval five = median_interval({1, 2, 3, 4, 5});
  EXPECT_FALSE(five.available);
  EXPECT_NE(five.reason.find("93.8 %"), std::string::npos) << five.reason;
  EXPECT_NE(five.reason.find("6 are needed"), std::string::npos) << five.reason;
}

TEST(Statistics, RatioIntervalFromPairwiseRatios) {
  // Computed independently in Python by enumerating all C(11, 5) arrangements for the null
  // distribution of U (k = 4, coverage 1 - 2 * 7/462 = 0.96969...) and sorting the 30 pairwise
  // log ratios: CI [1.0576923076923, 1.1386138613861], ratio of medians 1.0940594059406.
  const std::vector<double> a = {100, 104, 98, 101, 103};
  const std::vector<double> b = {110, 112, 109, 115, 111, 108};
  const RatioInterval r = ratio_interval(a, b);
  ASSERT_TRUE(r.available) << r.reason;
  EXPECT_NEAR(r.ratio, 1.0940594059405941, 1e-12);
  EXPECT_NEAR(r.low, 1.0576923076923082, 1e-12);
  EXPECT_NEAR(r.high, 1.1386138613861385, 1e-12);
  EXPECT_NEAR(r.coverage, 0.9696969696969697, 1e-12);
  // 3 and 3: the extreme pairwise ratios cover only 1 - 2/20 = 90 %: unavailable.
  EXPECT_FALSE(ratio_interval({1, 2, 3}, {4, 5, 6}).available);
  // A report against itself: the interval holds 1.
  const RatioInterval self = ratio_interval(a, a);
  EXPECT_DOUBLE_EQ(self.ratio, 1);
  EXPECT_LT(self.low, 1);
  EXPECT_GT(self.high, 1);
}

TEST(Statistics, CoefficientOfVariation) {
  // Sample standard deviation of {2, 4, 4, 4, 5, 5, 7, 9} is sqrt(32 / 7); mean 5.
  EXPECT_NEAR(*coefficient_of_variation({2, 4, 4, 4, 5, 5, 7, 9}), std::sqrt(32.0 / 7) / 5, 1e-12);
  EXPECT_FALSE(coefficient_of_variation({3}).has_value());
}

}  // namespace
}  // namespace allocbench
