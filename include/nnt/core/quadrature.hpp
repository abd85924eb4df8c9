// nnt/core/quadrature.hpp — nnt's one engine for Gaussian expectations E f(u), u ~ N(0, K), and
// E h(u, v) over a Gaussian pair (core/gaussian_pair.hpp):
//   Gauss–Hermite (probabilists'): E f(z) ≈ Σ wᵢ f(zᵢ), exact for degree ≤ 2n − 1 (Golub & Welsch
//     1969, nodes polished by Newton, weights from the orthonormal recurrence); the 2-D rule uses
//     u = √k11 z₁, v = √k22 (cos θ z₁ + sin θ z₂) with θ from the pair's carried distance;
//   composite Gauss–Legendre (10 points per panel) for f with features at scale 1 near 0: panels
//     ≤ ½ wide near 0, ≤ √K/4 (the Gaussian's scale) and geometrically graded far out, so the work
//     is bounded for every K ≥ 0 (at most ~3.5·10⁴ evaluations, even at K = 1e300).
// Orders for activation moments come from measured ladders (core/activation.hpp, tests/kernels).
#pragma once

#include "error.hpp"
#include "gaussian_pair.hpp"
#include "types.hpp"

#include <Eigen/Eigenvalues>

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <memory>
#include <mutex>
#include <numbers>

namespace nnt {

/// Largest Gauss–Hermite order nnt builds (its nodes reach ±√(4n); weights underflow beyond).
inline constexpr Index max_gauss_hermite_order = 4096;

/// A probabilists' Gauss–Hermite rule: E f(z) ≈ Σ wᵢ f(zᵢ) for z ~ N(0, 1), exact for polynomials
/// of degree ≤ 2n − 1 (build with gauss_hermite() or cached_gauss_hermite()).
template <class S = double>
struct gauss_hermite_rule {
  Vector<S> nodes;    ///< ascending, symmetric about 0
  Vector<S> weights;  ///< positive, summing to 1 (probabilists' normalisation)
  /// The number of nodes n.
  Index order() const { return nodes.size(); }
};

/// A Gauss–Legendre rule on [−1, 1]: ∫ f ≈ Σ wᵢ f(xᵢ), exact for degree ≤ 2n − 1
/// (gauss_legendre()).
template <class S = double>
struct gauss_legendre_rule {
  Vector<S> nodes;    ///< ascending in [−1, 1]
  Vector<S> weights;  ///< summing to 2
  /// The number of nodes n.
  Index order() const { return nodes.size(); }
};

namespace detail {

// The orthonormal Hermite recurrence p₀ = 1, p_{k+1} = (x p_k − √k p_{k−1})/√(k+1) up to p_n:
// returns p_n/p_n′ (p_n′ = √n p_{n−1}) and the Christoffel weight 1/Σ_{k<n} p_k². Values are
// rescaled by powers of two when they grow large, so no order overflows.
template <class S>
void hermite_newton_and_weight(const S& x, Index n, S& newton_step, S& weight) {
  using std::sqrt;
  S p_prev = 0, p = 1, sum = 1;
  long scale_exponent = 0;  // true sum = sum · 2^{2·scale_exponent}
  for (Index k = 0; k + 1 <= n; ++k) {
    const S p_next = (x * p - sqrt(S(k)) * p_prev) / sqrt(S(k + 1));
    p_prev = p;
    p = p_next;
    if (k + 1 < n) sum += p * p;
    // 2^(max_exponent/4): p² and the sum stay representable in every type (2^32 in float).
    constexpr int step = std::numeric_limits<S>::max_exponent / 4;
    if (std::abs(p) > std::ldexp(S(1), step)) {
      p = std::ldexp(p, -step);
      p_prev = std::ldexp(p_prev, -step);
      sum = std::ldexp(sum, -2 * step);
      scale_exponent += step;
    }
  }
  newton_step = p / (sqrt(S(n)) * p_prev);
  weight = std::ldexp(S(1) / sum, static_cast<int>(-2 * scale_exponent));
}

}  // namespace detail

/// The order-n probabilists' Gauss–Hermite rule in precision S (float, double or long double).
template <class S = double>
gauss_hermite_rule<S> gauss_hermite(Index order) {
  require_in_range<Index, Index>("order", order, 1, max_gauss_hermite_order);
  const Index n = order;
  gauss_hermite_rule<S> rule;
  rule.nodes.setZero(n);
  rule.weights.setOnes(n);
  if (n == 1) return rule;
  Vector<S> diagonal = Vector<S>::Zero(n), off_diagonal(n - 1);
  for (Index k = 1; k < n; ++k) off_diagonal(k - 1) = std::sqrt(S(k));
  Eigen::SelfAdjointEigenSolver<Matrix<S>> solver;
  solver.computeFromTridiagonal(diagonal, off_diagonal, Eigen::EigenvaluesOnly);
  rule.nodes = solver.eigenvalues();  // ascending
  for (Index i = 0; i < n; ++i) {
    S x = rule.nodes(i), step = 0, weight = 0;
    for (int iteration = 0; iteration < 8; ++iteration) {
      detail::hermite_newton_and_weight(x, n, step, weight);
      x -= step;
      if (std::abs(step) <= 4 * std::numeric_limits<S>::epsilon() * (1 + std::abs(x))) break;
    }
    detail::hermite_newton_and_weight(x, n, step, weight);
    rule.nodes(i) = x;
    rule.weights(i) = weight;
  }
  // The exact symmetry z ↦ −z: odd moments vanish to rounding, the middle node of odd rules is 0.
  for (Index i = 0; i < n / 2; ++i) {
    const Index j = n - 1 - i;
    const S z = (rule.nodes(j) - rule.nodes(i)) / 2, w = (rule.weights(i) + rule.weights(j)) / 2;
    rule.nodes(i) = -z;
    rule.nodes(j) = z;
    rule.weights(i) = rule.weights(j) = w;
  }
  if (n % 2 == 1) rule.nodes(n / 2) = 0;
  rule.weights /= rule.weights.sum();  // remove the O(n·eps) drift of the Christoffel sums
  return rule;
}

/// The order-n Gauss–Hermite rule, built once per (S, n) and shared (thread-safe); for hot loops.
template <class S = double>
const gauss_hermite_rule<S>& cached_gauss_hermite(Index order) {
  static std::mutex guard;
  static std::map<Index, std::unique_ptr<const gauss_hermite_rule<S>>> rules;
  const std::lock_guard<std::mutex> lock(guard);
  auto& slot = rules[order];
  if (!slot) slot = std::make_unique<const gauss_hermite_rule<S>>(gauss_hermite<S>(order));
  return *slot;
}

/// The order-n Gauss–Legendre rule on [−1, 1] (Golub–Welsch: Jacobi matrix k/√(4k² − 1)).
template <class S = double>
gauss_legendre_rule<S> gauss_legendre(Index order) {
  require_in_range<Index, Index>("order", order, 1, 1024);
  const Index n = order;
  Matrix<S> J = Matrix<S>::Zero(n, n);
  for (Index k = 1; k < n; ++k) J(k, k - 1) = J(k - 1, k) = S(k) / std::sqrt(S(4 * k * k - 1));
  Eigen::SelfAdjointEigenSolver<Matrix<S>> eig(J);
  gauss_legendre_rule<S> r;
  r.nodes = eig.eigenvalues();
  r.weights = 2 * eig.eigenvectors().row(0).transpose().array().square();
  return r;
}

/// E[f(u)] for u ~ N(0, variance) by a Gauss–Hermite rule (f smooth on the scale √variance).
template <class S, class F>
S gaussian_expectation(const gauss_hermite_rule<S>& rule, F&& f, S variance) {
  require_finite("variance", variance);
  require_nonnegative("variance", variance);
  const S scale = std::sqrt(variance);
  S sum = 0;
  for (Index i = 0; i < rule.order(); ++i) sum += rule.weights(i) * S(f(scale * rule.nodes(i)));
  return sum;
}

/// The factor (u = a z₁, v = b z₁ + c z₂) of a 2×2 covariance, z₁, z₂ independent standard normals.
template <class S>
struct bivariate_factor {
  S a, b, c;
  /// \var a
  /// u = a z₁: a = √q11 (≥ 0).
  /// \var b
  /// Coefficient of z₁ in v: b = q12/a (0 when a = 0).
  /// \var c
  /// Coefficient of z₂ in v: c = √(q22 − b²) (≥ 0).
};

/// The Cholesky factor of [[q11, q12], [q12, q22]], validated as PSD.
template <class S>
bivariate_factor<S> bivariate_cholesky(S q11, S q12, S q22) {
  require_covariance_2x2("q", q11, q12, q22);
  if (q11 == 0) return {S(0), S(0), std::sqrt(q22)};
  const S a = std::sqrt(q11), b = q12 / a;
  return {a, b, std::sqrt(std::max(S(0), q22 - b * b))};
}

/// The factor of a Gaussian pair from its angle: b = √k22 cos θ, c = √k22 sin θ, exact for
/// near-duplicates (θ from the carried distance, core/gaussian_pair.hpp).
template <class S>
bivariate_factor<S> bivariate_factor_of(const gaussian_pair<S>& p) {
  require_gaussian_pair(p);
  using std::sqrt;
  const S a = sqrt(p.k11), b = sqrt(p.k22);
  if (!(a > 0 && b > 0)) return {a, S(0), b};
  const auto g = angle_of(p);
  return {a, b * g.cos_theta(), b * g.sin_theta};
}

/// Σᵢ wᵢ Σⱼ wⱼ inner(outer(uᵢ), v_ij) ≈ E inner(outer(u), v) for (u, v) with factor f: outer runs n
/// times (cache σ(u) there), inner n² times. The result type is inner's (a scalar or an Eigen
/// array).
template <class S, class Outer, class Inner>
auto gaussian_expectation_2d(const gauss_hermite_rule<S>& rule, const bivariate_factor<S>& f,
                             Outer&& outer, Inner&& inner) {
  const Index n = rule.order();
  using T = std::decay_t<decltype(inner(outer(S(0)), S(0)))>;
  T sum = T(S(0) * inner(outer(S(0)), S(0)));
  for (Index i = 0; i < n; ++i) {
    const S z1 = rule.nodes(i);
    const auto o = outer(f.a * z1);
    T inner_sum = T(rule.weights(0) * inner(o, f.b * z1 + f.c * rule.nodes(0)));
    for (Index j = 1; j < n; ++j)
      inner_sum += rule.weights(j) * inner(o, f.b * z1 + f.c * rule.nodes(j));
    sum += rule.weights(i) * inner_sum;
  }
  return sum;
}

/// E[h(u, v)] for (u, v) ~ N(0, [[q11, q12], [q12, q22]]), with n² evaluations of h.
template <class S, class H>
S gaussian_expectation_2d(const gauss_hermite_rule<S>& rule, H&& h, S q11, S q12, S q22) {
  return gaussian_expectation_2d(
      rule, bivariate_cholesky(q11, q12, q22), [](S u) { return u; },
      [&](S u, S v) { return S(h(u, v)); });
}

/// E[f(u) g(v)] for (u, v) ~ N(0, [[q11, q12], [q12, q22]]): f runs n times, g n² times.
template <class S, class F, class G>
S gaussian_product_expectation(const gauss_hermite_rule<S>& rule, F&& f, G&& g, S q11, S q12,
                               S q22) {
  return gaussian_expectation_2d(
      rule, bivariate_cholesky(q11, q12, q22), [&](S u) { return S(f(u)); },
      [&](S fu, S v) { return S(fu * S(g(v))); });
}

/// E[f(u)] for u ~ N(0, K) by composite 10-point Gauss–Legendre, for f with its features at scale
/// ~1 near 0 and smooth on the scale |u| far out (activation functions and their products): panels
/// of width min(½, √K/4) for |u| ≤ 48, geometrically growing (×1.25, capped at √K/4) beyond, up to
/// |u| = 9√K (the tail beyond holds e^{−40.5} of the mass). f may return a scalar or an Eigen
/// array of several integrands. Accuracy ~1e-15 relative for the activations of core/activation.hpp
/// (tests/core/quadrature.cpp against mpmath); the work is bounded for every K.
template <class S, class F>
auto gaussian_expectation_composite(F&& f, S K) {
  require_finite("K", K);
  require_nonnegative("K", K);
  using T = std::decay_t<decltype(f(S(0)))>;
  if (K == 0) return T(f(S(0)));
  static const gauss_legendre_rule<S> gl = gauss_legendre<S>(10);
  using std::exp;
  using std::sqrt;
  const S s = sqrt(K), reach = 9 * s, near = std::min(reach, S(48));
  const S norm = S(1) / (s * sqrt(2 * std::numbers::pi_v<S>));
  T sum = T(S(0) * f(S(0)));
  auto panel = [&](S lo, S hi) {  // both signs at once: [lo, hi] and [−hi, −lo]
    const S half = (hi - lo) / 2, mid = (hi + lo) / 2;
    for (Index i = 0; i < gl.order(); ++i) {
      const S x = mid + half * gl.nodes(i);
      const S w = half * gl.weights(i) * norm * exp(-(x / s) * (x / s) / 2);
      sum += w * (f(x) + f(-x));
    }
  };
  const S h_near = std::min(S(0.5), s / 4);
  const Index near_panels = std::max<Index>(1, Index(std::ceil(near / h_near)));
  for (Index p = 0; p < near_panels; ++p)
    panel(near * S(p) / S(near_panels), near * S(p + 1) / S(near_panels));
  for (S lo = near; lo < reach;) {
    const S hi = std::min(reach, lo + std::min(S(0.25) * lo, s / 4));
    panel(lo, hi);
    lo = hi;
  }
  return sum;
}

}  // namespace nnt
