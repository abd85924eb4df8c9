// Shared helpers for nnt's tests: finite-difference references and exception-message matchers.
#pragma once

#include <catch2/catch.hpp>

#include <cmath>
#include <limits>
#include <string>

namespace nnt_test {

/// Central difference (f(x+h) − f(x−h)) / 2h in long double. Truncation error h²|f‴|/6,
/// rounding error ≈ eps_ld·|f|/h; h = 1e-6 balances them near 1e-12·(|f‴| + |f|) for x86's
/// 64-bit-mantissa long double (eps_ld ≈ 1.1e-19).
template <class F>
long double central_difference(F&& f, long double x, long double h = 1e-6L) {
  return (f(x + h) - f(x - h)) / (2 * h);
}

/// |a − b| / max(|b|, floor): relative error with an absolute floor near zero.
inline double relative_error(long double a, long double b, long double floor = 1.0L) {
  return static_cast<double>(std::fabs(a - b) / std::max(std::fabs(b), floor));
}

/// Matches an nnt::invalid_argument whose what() equals `message` exactly.
inline Catch::Matchers::Exception::ExceptionMessageMatcher message(const std::string& text) {
  return Catch::Matchers::Message(text);
}

}  // namespace nnt_test

/// CHECK that `expr` throws nnt::invalid_argument with exactly `text` as its message.
#define NNT_CHECK_INVALID(expr, text) \
  CHECK_THROWS_MATCHES(expr, nnt::invalid_argument, nnt_test::message(text))
