// examples/common/fits.hpp — small least-squares fits the examples share (reproduce.hpp has the
// log–log slope): slope_through_origin, the slope of y = a·x fitted without an intercept.
#pragma once

#include <cstddef>
#include <vector>

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

}  // namespace nnt_examples
