// nnt/core/quadrature.hpp — Gauss–Hermite quadrature for Gaussian expectations.
//
// Probabilists' rule of order n: E[f(z)], z ~ N(0,1), ≈ Σᵢ wᵢ f(zᵢ), exact for polynomials of
// degree ≤ 2n − 1, Σ wᵢ = 1. Nodes are the eigenvalues of the Jacobi matrix of the orthonormal
// Hermite polynomials (Golub & Welsch 1969; diagonal 0, off-diagonal √k), polished by Newton on
// pₙ, and the weights come from the Christoffel function wᵢ = 1 / Σ_{k<n} pₖ(zᵢ)², which keeps
// relative accuracy also for the tiny weights of the outer nodes.
//   1-D: E[f(u)], u ~ N(0, q):            u = √q z.
//   2-D: E[h(u, v)], (u, v) ~ N(0, [[q11, q12], [q12, q22]]) by the Cholesky factor:
//        u = √q11 z₁, v = (q12/√q11) z₁ + √(q22 − q12²/q11) z₂  (n² evaluations).
// Accuracy: geometric in n for analytic integrands, at a rate that falls as the variances grow
// (f(√q z) varies on the scale 1/√q): E[erf(u)erf(v)] is exact to 1e-13 at n = 64 for q ≤ 1, but
// needs n = 128 for q = 2 and n = 200 for q = 4 to reach 1e-12 (measured). Only
// algebraic for kinked ones such as ReLU, whose kink the rule does not resolve. Measured for
// E[relu(u)relu(v)] at unit variances and correlation 0.5 (tests/core/quadrature.cpp): relative
// error 1.3e-2 at n = 16, 2.8e-3 at n = 64, 7.2e-4 at n = 256, i.e. ∝ 1/n; E|u| behaves the same
// (5.2e-3 at n = 64). Reaching 1e-8 would take ~10⁶ nodes, so kinked activations
// get closed forms in kernels/closed_form.hpp.
#pragma once

#include "error.hpp"
#include "types.hpp"

#include <Eigen/Eigenvalues>

#include <algorithm>
#include <cmath>
#include <limits>

namespace nnt {

template <class S = double>
struct gauss_hermite_rule {
  Vector<S> nodes;    ///< ascending, symmetric about 0
  Vector<S> weights;  ///< positive, summing to 1 (probabilists' normalisation)
  Index order() const { return nodes.size(); }
};

namespace detail {

// Runs the orthonormal Hermite recurrence p₀ = 1, p_{k+1} = (x p_k − √k p_{k−1})/√(k+1) up to
// p_n and returns p_n/p_n′ (p_n′ = √n p_{n−1}) and the Christoffel weight 1/Σ_{k<n} p_k².
// Values are rescaled by powers of two when they grow large, so no order overflows.
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
    if (std::abs(p) > S(0x1p200)) {
      p = std::ldexp(p, -200);
      p_prev = std::ldexp(p_prev, -200);
      sum = std::ldexp(sum, -400);
      scale_exponent += 200;
    }
  }
  newton_step = p / (sqrt(S(n)) * p_prev);
  weight = std::ldexp(S(1) / sum, static_cast<int>(-2 * scale_exponent));
}

}  // namespace detail

/// The order-n probabilists' Gauss–Hermite rule in precision S (double or long double).
template <class S = double>
gauss_hermite_rule<S> gauss_hermite(Index order) {
  require_at_least<Index>("order", order, 1);
  const Index n = order;
  gauss_hermite_rule<S> rule;
  rule.nodes.resize(n);
  rule.weights.resize(n);
  if (n == 1) {
    rule.nodes(0) = 0;
    rule.weights(0) = 1;
    return rule;
  }
  Vector<S> diagonal = Vector<S>::Zero(n);
  Vector<S> off_diagonal(n - 1);
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
  // Impose the exact symmetry z ↦ −z (so odd moments vanish to rounding and the middle node of
  // an odd rule is exactly 0).
  for (Index i = 0; i < n / 2; ++i) {
    const Index j = n - 1 - i;
    const S z = (rule.nodes(j) - rule.nodes(i)) / 2;
    const S w = (rule.weights(i) + rule.weights(j)) / 2;
    rule.nodes(i) = -z;
    rule.nodes(j) = z;
    rule.weights(i) = w;
    rule.weights(j) = w;
  }
  if (n % 2 == 1) rule.nodes(n / 2) = 0;
  rule.weights /= rule.weights.sum();  // remove the O(n·eps) drift of the Christoffel sums
  return rule;
}

/// E[f(u)] for u ~ N(0, variance).
template <class S, class F>
S gaussian_expectation(const gauss_hermite_rule<S>& rule, F&& f, S variance) {
  require_finite("variance", variance);
  require_nonnegative("variance", variance);
  const S scale = std::sqrt(variance);
  S sum = 0;
  for (Index i = 0; i < rule.order(); ++i) sum += rule.weights(i) * S(f(scale * rule.nodes(i)));
  return sum;
}

/// Cholesky factor (u = a z₁, v = b z₁ + c z₂) of a 2×2 covariance, validated as PSD.
template <class S>
struct bivariate_factor {
  S a, b, c;
};

template <class S>
bivariate_factor<S> bivariate_cholesky(S q11, S q12, S q22) {
  require_covariance_2x2("q", q11, q12, q22);
  bivariate_factor<S> f{};
  if (q11 == 0) {
    f.a = 0;
    f.b = 0;
    f.c = std::sqrt(q22);
    return f;
  }
  f.a = std::sqrt(q11);
  f.b = q12 / f.a;
  f.c = std::sqrt(std::max(S(0), q22 - f.b * f.b));
  return f;
}

/// E[h(u, v)] for (u, v) ~ N(0, [[q11, q12], [q12, q22]]), with n² evaluations of h.
template <class S, class H>
S gaussian_expectation_2d(const gauss_hermite_rule<S>& rule, H&& h, S q11, S q12, S q22) {
  const auto f = bivariate_cholesky(q11, q12, q22);
  S sum = 0;
  for (Index i = 0; i < rule.order(); ++i) {
    const S z1 = rule.nodes(i);
    const S u = f.a * z1;
    S inner = 0;
    for (Index j = 0; j < rule.order(); ++j)
      inner += rule.weights(j) * S(h(u, f.b * z1 + f.c * rule.nodes(j)));
    sum += rule.weights(i) * inner;
  }
  return sum;
}

/// E[f(u) g(v)]: f is evaluated only n times (once per outer node).
template <class S, class F, class G>
S gaussian_product_expectation(const gauss_hermite_rule<S>& rule, F&& f, G&& g, S q11, S q12,
                               S q22) {
  const auto fac = bivariate_cholesky(q11, q12, q22);
  S sum = 0;
  for (Index i = 0; i < rule.order(); ++i) {
    const S z1 = rule.nodes(i);
    S inner = 0;
    for (Index j = 0; j < rule.order(); ++j)
      inner += rule.weights(j) * S(g(fac.b * z1 + fac.c * rule.nodes(j)));
    sum += rule.weights(i) * S(f(fac.a * z1)) * inner;
  }
  return sum;
}

}  // namespace nnt
