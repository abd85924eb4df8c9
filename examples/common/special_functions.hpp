// examples/common/special_functions.hpp — the digamma ψ and trigamma ψ′ functions (exact means
// and variances of log-χ² variables: E ln χ²_n = ψ(n/2) + ln 2, Var ln χ²_n = ψ′(n/2)).
#pragma once

#include <cmath>

namespace nnt_examples {

/// ψ(x), x > 0: recurrence ψ(x) = ψ(x + 1) − 1/x to x ≥ 6, then the asymptotic series
/// (error < 1e-12).
inline double digamma(double x) {
  double r = 0;
  for (; x < 6; x += 1) r -= 1 / x;
  const double x2 = 1 / (x * x);
  return r + std::log(x) - 0.5 / x - x2 * (1.0 / 12 - x2 * (1.0 / 120 - x2 / 252));
}

/// ψ′(x), x > 0: recurrence ψ′(x) = ψ′(x + 1) + 1/x² to x ≥ 6, then the asymptotic series.
inline double trigamma(double x) {
  double r = 0;
  for (; x < 6; x += 1) r += 1 / (x * x);
  const double x2 = 1 / (x * x);
  return r + 1 / x + x2 / 2 + x2 / x * (1.0 / 6 - x2 * (1.0 / 30 - x2 / 42));
}

}  // namespace nnt_examples
