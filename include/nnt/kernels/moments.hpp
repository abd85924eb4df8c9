// nnt/kernels/moments.hpp — the Gaussian expectations a kernel layer needs from any activation:
// for (u, v) ~ N(0, [[k11, k12], [k12, k22]]) the moments E σ(u)σ(v), E σ(u)², E σ(v)²,
// E(σ(u) − σ(v))², E σ(v)² − E σ(u)² and E σ′(u)σ′(v) (kernels/closed_form.hpp's pair_moments).
// identity, ReLU, leaky ReLU and erf use the closed forms; every other activation of
// core/activation.hpp uses the 2-D Gauss–Hermite rule of `order` (core/quadrature.hpp) with the
// pair's Cholesky factor built from its angle (u = √k11 z₁, v = √k22 (cos θ z₁ + sin θ z₂), θ from
// dist and diff, so the factor itself is exact for near-duplicates). Accuracy of that path: geometric
// in √order for these smooth activations, at a rate falling with the variance (moment_quadrature
// below; checked in tests/kernels against 400-point rules and 10⁶-sample Monte Carlo); the distance is
// summed pointwise as E(σ(u) − σ(v))², so its relative error is ~ε/√(dist/k) (1e-9 for dist/k =
// 1e-14), not the ε·k/dist of E σ² + E σ² − 2E σσ; diff is the difference of the two 1-D
// moments (absolute error ε·k). Cost: 2n² activation evaluations per pair (8192 at order 64).
#pragma once

#include "../core/activation.hpp"
#include "../core/quadrature.hpp"
#include "closed_form.hpp"

#include <algorithm>
#include <cmath>
#include <vector>

namespace nnt {

/// Activations whose moments have a closed form here (no quadrature needed).
inline bool has_closed_form_moments(const activation& sigma) {
  switch (sigma.kind()) {
    case activation_kind::identity:
    case activation_kind::relu:
    case activation_kind::leaky_relu:
    case activation_kind::erf: return true;
    default: return false;
  }
}

/// Gauss–Hermite rules for the quadrature path: a fixed order, or (order 0, the default) a ladder
/// chosen per pair by the larger variance k: the smallest of 64, 128, 192, 256 with order ≥ 96k.
/// tanh's poles at ±iπ/(2√k) make the error fall like exp(−3.8√(n/k)) (measured: k = 1.3 gives
/// 6e-9 at n = 64, 1e-13 at n = 128), so the ladder keeps ~1e-12 up to k ≈ 2.7 and ~1e-10 at k = 4;
/// beyond that (bounded activations near a step function) accuracy falls off, like ReLU's 1/n.
template <class S = double>
class moment_quadrature {
 public:
  explicit moment_quadrature(Index order = 0) {
    require_at_least<Index>("order", order, 0);
    if (order > 0) fixed_.push_back(gauss_hermite<S>(order));
  }
  const gauss_hermite_rule<S>& rule_for(S max_variance) const {
    if (!fixed_.empty()) return fixed_.front();
    const auto& rules = ladder();
    for (const auto& r : rules)
      if (S(r.order()) >= 96 * max_variance) return r;
    return rules.back();
  }

 private:
  // Built once per program (thread-safe static initialisation).
  static const std::vector<gauss_hermite_rule<S>>& ladder() {
    static const std::vector<gauss_hermite_rule<S>> rules = [] {
      std::vector<gauss_hermite_rule<S>> r;
      for (Index n : {64, 128, 192, 256}) r.push_back(gauss_hermite<S>(n));
      return r;
    }();
    return rules;
  }
  std::vector<gauss_hermite_rule<S>> fixed_;
};

/// Pair moments of σ; the quadrature is used only when σ has no closed form.
template <class S>
pair_moments<S> activation_moments(const activation& sigma, const gaussian_pair<S>& p,
                                   const moment_quadrature<S>& quadrature) {
  switch (sigma.kind()) {
    case activation_kind::identity: return identity_moments(p);
    case activation_kind::relu: return relu_moments(p);
    case activation_kind::leaky_relu: return leaky_relu_moments(p, S(sigma.leaky_slope()));
    case activation_kind::erf: return erf_moments(p);
    default: break;
  }
  detail::require_pair(p);
  using std::sqrt;
  const gauss_hermite_rule<S>& rule = quadrature.rule_for(std::max(p.k11, p.k22));
  if (p.dist == 0 && p.diff == 0) {  // u = v: one-dimensional rule
    pair_moments<S> m{};
    const S a = sqrt(p.k11);
    for (Index i = 0; i < rule.order(); ++i) {
      const S su = sigma.value(a * rule.nodes(i)), du = sigma.derivative(a * rule.nodes(i));
      m.ss12 += rule.weights(i) * su * su;
      m.dd12 += rule.weights(i) * du * du;
    }
    m.ss11 = m.ss22 = m.ss12;
    return m;
  }
  const S a = sqrt(p.k11), b = sqrt(p.k22);
  S cos_theta = 1, sin_theta = 0;
  if (a > 0 && b > 0) {
    const auto g = detail::angle_of(p);
    cos_theta = S(1) - 2 * g.s * g.s;
    sin_theta = g.sin_theta;
  }
  const Index n = rule.order();
  pair_moments<S> m{};
  S ss11 = 0, ss22 = 0;
  for (Index i = 0; i < n; ++i) {
    const S z1 = rule.nodes(i), wi = rule.weights(i);
    const S u = a * z1;
    const S su = sigma.value(u), du = sigma.derivative(u);
    S inner_ss = 0, inner_dd = 0, inner_dist = 0;
    for (Index j = 0; j < n; ++j) {
      const S v = b * (cos_theta * z1 + sin_theta * rule.nodes(j));
      const S sv = sigma.value(v), wj = rule.weights(j);
      inner_ss += wj * sv;
      inner_dd += wj * sigma.derivative(v);
      inner_dist += wj * (su - sv) * (su - sv);
    }
    m.ss12 += wi * su * inner_ss;
    m.dd12 += wi * du * inner_dd;
    m.dist += wi * inner_dist;
    ss11 += wi * su * su;
    const S sb = sigma.value(b * z1);
    ss22 += wi * sb * sb;
  }
  m.ss11 = ss11;
  m.ss22 = ss22;
  m.diff = ss22 - ss11;
  return m;
}

}  // namespace nnt
