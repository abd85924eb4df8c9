// examples/common/stats.hpp — summaries of independent Monte-Carlo units shared by the examples:
// mean, unbiased variance, standard error s/√n, median, geometric mean. A NaN anywhere makes
// every summary NaN (so it fails any claim), except median_ignoring_nan, whose name says it.
#pragma once

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

namespace nnt_examples {

inline double mean(const std::vector<double>& v) {
  if (v.empty()) return std::numeric_limits<double>::quiet_NaN();
  double s = 0;
  for (double x : v) s += x;
  return s / double(v.size());
}

/// Unbiased sample variance Σ(x − x̄)²/(n − 1); NaN for n < 2.
inline double sample_variance(const std::vector<double>& v) {
  if (v.size() < 2) return std::numeric_limits<double>::quiet_NaN();
  const double m = mean(v);
  double s = 0;
  for (double x : v) s += (x - m) * (x - m);
  return s / double(v.size() - 1);
}

/// Standard error of the mean of independent units, s/√n.
inline double standard_error(const std::vector<double>& v) {
  return std::sqrt(sample_variance(v) / double(v.size()));
}

/// exp(mean log x): the average of quantities that scale multiplicatively (losses, rates).
inline double geometric_mean(const std::vector<double>& v) {
  std::vector<double> logs;
  for (double x : v) logs.push_back(std::log(x));
  return std::exp(mean(logs));
}

inline double median(std::vector<double> v) {
  if (v.empty()) return std::numeric_limits<double>::quiet_NaN();
  for (double x : v)
    if (std::isnan(x)) return x;
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/// Median of the non-NaN entries, for data where NaN means "did not happen" (a phase boundary
/// not reached); NaN when every entry is NaN.
inline double median_ignoring_nan(std::vector<double> v) {
  std::erase_if(v, [](double x) { return std::isnan(x); });
  return median(std::move(v));
}

}  // namespace nnt_examples
