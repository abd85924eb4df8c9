// examples/common/fits.hpp — small least-squares fits the examples share (reproduce.hpp has the
// log–log slope): slope_through_origin, the slope of y = a·x fitted without an intercept;
// loglog_slope_with_se and weighted_loglog_slope, log–log slopes with their standard errors from
// per-point standard errors.
#pragma once

#include <cmath>
#include <cstddef>
#include <vector>

#include "reproduce.hpp"

namespace nnt_examples {

/// argmin_a Σ (y_i − a x_i)² = Σ x_i y_i / Σ x_i².
inline double slope_through_origin(const std::vector<double>& x, const std::vector<double>& y) {
  double sxy = 0, sxx = 0;
  for (std::size_t i = 0; i < x.size(); ++i) {
    sxy += x[i] * y[i];
    sxx += x[i] * x[i];
  }
  return sxy / sxx;
}

struct slope_estimate {
  double slope;
  double standard_error;  ///< from the points' own standard errors (delta method: σ_log y = se/y)
};

/// loglog_slope (ordinary least squares of log y on log x) and its SE from independent per-point
/// SEs of log y: Var = Σ(log x_i − x̄)² se_i² / (Σ(log x_i − x̄)²)².
inline slope_estimate loglog_slope_with_se(const std::vector<double>& x,
                                           const std::vector<double>& y,
                                           const std::vector<double>& log_se) {
  double mx = 0, sxx = 0, var = 0;
  for (double xi : x) mx += std::log(xi) / double(x.size());
  for (std::size_t i = 0; i < x.size(); ++i) {
    const double dx = std::log(x[i]) - mx;
    sxx += dx * dx;
    var += dx * dx * log_se[i] * log_se[i];
  }
  return {loglog_slope(x, y), std::sqrt(var) / sxx};
}

/// Weighted least squares of log y on log x, weights (y/se)²: points whose mean is uncertain (a
/// heavy-tailed Monte-Carlo average) count less, and the slope's SE is 1/√(Σ w (log x − x̄_w)²).
/// NaN in, NaN out.
inline slope_estimate weighted_loglog_slope(const std::vector<double>& x,
                                            const std::vector<double>& y,
                                            const std::vector<double>& se) {
  double sw = 0, mx = 0, my = 0;
  std::vector<double> w(x.size());
  for (std::size_t i = 0; i < x.size(); ++i) {
    w[i] = (y[i] / se[i]) * (y[i] / se[i]);
    sw += w[i];
    mx += w[i] * std::log(x[i]);
    my += w[i] * std::log(y[i]);
  }
  mx /= sw;
  my /= sw;
  double sxy = 0, sxx = 0;
  for (std::size_t i = 0; i < x.size(); ++i) {
    sxy += w[i] * (std::log(x[i]) - mx) * (std::log(y[i]) - my);
    sxx += w[i] * (std::log(x[i]) - mx) * (std::log(x[i]) - mx);
  }
  return {sxy / sxx, 1 / std::sqrt(sxx)};
}

}  // namespace nnt_examples
