// examples/common/distribution_tests.hpp — comparing a Monte-Carlo sample with a distribution:
// the normal CDF and density, the one-sample Kolmogorov–Smirnov test (statistic D and asymptotic
// p-value), and a density histogram to plot against the density.
#pragma once

#include <algorithm>
#include <cmath>
#include <numbers>
#include <utility>
#include <vector>

namespace nnt_examples {

inline double normal_cdf(double x, double mean, double var) {
  return 0.5 * std::erfc(-(x - mean) / std::sqrt(2 * var));
}

inline double normal_pdf(double x, double mean, double var) {
  return std::exp(-(x - mean) * (x - mean) / (2 * var)) / std::sqrt(2 * std::numbers::pi * var);
}

struct ks_result {
  double statistic;  ///< D = sup |F_M − F|
  double p_value;    ///< asymptotic, Q_KS((√M + 0.12 + 0.11/√M) D) (Stephens 1970)
};

/// One-sample Kolmogorov–Smirnov test of the sample x against the continuous CDF F.
template <class CDF>
ks_result kolmogorov_smirnov(std::vector<double> x, const CDF& F) {
  std::sort(x.begin(), x.end());
  const double M = double(x.size());
  double D = 0;
  for (std::size_t i = 0; i < x.size(); ++i) {
    const double Fi = F(x[i]);
    D = std::max({D, Fi - double(i) / M, double(i + 1) / M - Fi});
  }
  const double lambda = (std::sqrt(M) + 0.12 + 0.11 / std::sqrt(M)) * D;
  double p = 0;
  for (int k = 1; k <= 100; ++k)
    p += 2 * ((k % 2) ? 1 : -1) * std::exp(-2.0 * k * k * lambda * lambda);
  return {D, std::clamp(p, 0.0, 1.0)};
}

/// The test against N(mean, var).
inline ks_result kolmogorov_smirnov_normal(std::vector<double> x, double mean, double var) {
  return kolmogorov_smirnov(std::move(x), [&](double v) { return normal_cdf(v, mean, var); });
}

/// Density histogram of x on [lo, hi) with `bins` equal bins: the bin centres and, per bin, the
/// fraction of all of x in it divided by the bin width (values outside [lo, hi) are counted in
/// the total only).
struct density_histogram {
  std::vector<double> centre, density;
  density_histogram(const std::vector<double>& x, double lo, double hi, int bins)
      : centre(bins), density(bins, 0.0) {
    const double w = (hi - lo) / bins;
    for (double v : x) {
      const double b = std::floor((v - lo) / w);
      if (b >= 0 && b < bins) density[std::size_t(b)] += 1.0 / (double(x.size()) * w);
    }
    for (int b = 0; b < bins; ++b) centre[b] = lo + (b + 0.5) * w;
  }
};

}  // namespace nnt_examples
