// nnt/core/scalar_math.hpp — scalar functions for every Scalar nnt supports, AutoDiffScalar
// included: erf, erfc, log1p and |x| (which AutoDiffScalar lacks) by the chain rule, and the pair
//   logistic(x) = 1/(1 + e⁻ˣ),   log1p_exp(x) = log(1 + eˣ) = max(x, 0) + log1p(e^{−|x|}),
// both without overflow or cancellation for any sign of x (losses and activations share them).
#pragma once

#include "types.hpp"

#include <cmath>
#include <numbers>
#include <type_traits>

namespace nnt::math {

using std::exp;

/// erf for any Scalar: std::erf for real types, the chain rule (2/√π)e^{−x²} for AutoDiffScalar.
template <class S>
S erf(const S& x) {
  if constexpr (autodiff_scalar<S>) {
    using V = std::remove_cvref_t<decltype(x.value())>;
    const V& v = x.value();
    const V slope = V(std::numbers::inv_sqrtpi * 2) * V(exp(-v * v));
    return S(math::erf(v), typename S::DerType(x.derivatives() * slope));
  } else {
    return std::erf(x);
  }
}

/// erfc for any Scalar (keeps relative precision in the right tail, where 1 − erf cancels).
template <class S>
S erfc(const S& x) {
  if constexpr (autodiff_scalar<S>) {
    using V = std::remove_cvref_t<decltype(x.value())>;
    const V& v = x.value();
    const V slope = V(-std::numbers::inv_sqrtpi * 2) * V(exp(-v * v));
    return S(math::erfc(v), typename S::DerType(x.derivatives() * slope));
  } else {
    return std::erfc(x);
  }
}

/// log(1 + x) for any Scalar, accurate for small |x|.
template <class S>
S log1p(const S& x) {
  if constexpr (autodiff_scalar<S>) {
    using V = std::remove_cvref_t<decltype(x.value())>;
    const V& v = x.value();
    const V slope = V(1) / V(V(1) + v);
    return S(math::log1p(v), typename S::DerType(x.derivatives() * slope));
  } else {
    return std::log1p(x);
  }
}

/// |x| by a branch on the sign: Eigen's abs() of a nested AutoDiffScalar does not compile.
template <class S>
S abs(const S& x) {
  return scalar_value(x) < 0 ? S(-x) : x;
}

/// A zero that carries x's derivative layout (AutoDiffScalar needs it to stay coherent): 0 for
/// plain floating point (x − x would be NaN at x = ±∞), x − x otherwise.
template <class S>
S zero_like(const S& x) {
  if constexpr (std::is_floating_point_v<S>)
    return S(0);
  else
    return S(x - x);
}

/// 1/(1 + e⁻ˣ): no cancellation for either sign (e⁻ˣ = inf gives the correct 0).
template <class S>
S logistic(const S& x) {
  return S(1.0 / S(1.0 + S(exp(-x))));
}

/// log(1 + eˣ) = max(x, 0) + log1p(e^{−|x|}): no overflow, full precision for x ≪ 0.
template <class S>
S log1p_exp(const S& x) {
  if (scalar_value(x) > 0) return S(x + math::log1p(S(exp(-x))));
  return math::log1p(S(exp(x)));
}

}  // namespace nnt::math
