// nnt/kernels/moments.hpp — the Gaussian pair moments of any activation (core/gaussian_pair.hpp's
// pair_moments: E σ(u)σ(v), E σ′(u)σ′(v), E(σ(u) − σ(v))², …) that a kernel layer needs: the
// activation's closed form where it has one (core/activation.hpp), otherwise the 2-D Gauss–Hermite
// rule of core/quadrature.hpp with the pair's angle factor and an order from the activation's
// measured ladder (or a fixed order). The distance is summed pointwise as E(σ(u) − σ(v))², so it
// keeps relative precision ~ε/√(dist/k) for near-duplicates; diff is the difference of the 1-D
// moments. Accuracy and ladders: tests/kernels/moments.cpp (against mpmath).
#pragma once

#include "../core/activation.hpp"
#include "../core/gaussian_pair.hpp"
#include "../core/quadrature.hpp"

#include <algorithm>
#include <cmath>
#include <type_traits>

namespace nnt {

/// The Gauss–Hermite rule for a pair whose larger variance is k: the first rung of σ's ladder with
/// max_variance ≥ k (its last rung beyond the ladder), or the fixed order when one was given.
template <class S = double>
class moment_quadrature {
 public:
  /// order 0 (default): σ's ladder; order > 0: that order for every pair.
  explicit moment_quadrature(Index order = 0) : order_(order) {
    require_in_range<Index, Index>("order", order, 0, max_gauss_hermite_order);
  }
  /// The rule for activation σ at largest variance k.
  const gauss_hermite_rule<S>& rule_for(const activation& sigma, S max_variance) const {
    if (order_ > 0) return cached_gauss_hermite<S>(order_);
    const int order = sigma.visit([&](auto act) {
      if constexpr (requires { decltype(act)::hermite_ladder; }) {
        for (const hermite_rung& r : decltype(act)::hermite_ladder)
          if (double(max_variance) <= r.max_variance) return r.order;
        return decltype(act)::hermite_ladder.back().order;
      } else {
        return 256;  // activations without a measured ladder (softsign: σ″ is kinked)
      }
    });
    return cached_gauss_hermite<S>(order);
  }
  /// The fixed order given at construction; 0 when the rule follows σ's ladder.
  Index fixed_order() const { return order_; }

 private:
  Index order_;
};

/// Pair moments of σ over p: the closed form when σ has one, otherwise quadrature.
template <class S>
pair_moments<S> activation_moments(
    const activation& sigma, const gaussian_pair<S>& p,
    const moment_quadrature<S>& quadrature = moment_quadrature<S>()) {
  return sigma.visit([&](auto act) -> pair_moments<S> {
    if constexpr (activations::has_closed_form_pair_moments<decltype(act), S>) {
      return act.gaussian_pair_moments(p);
    } else {
      require_gaussian_pair(p);
      const gauss_hermite_rule<S>& rule = quadrature.rule_for(sigma, std::max(p.k11, p.k22));
      using A = Eigen::Array<S, 4, 1>;
      pair_moments<S> m{};
      if (p.dist == 0 && p.diff == 0) {  // u = v: the one-dimensional rule
        const S a = std::sqrt(p.k11);
        for (Index i = 0; i < rule.order(); ++i) {
          const S su = act.value(a * rule.nodes(i)), du = act.derivative(a * rule.nodes(i));
          m.ss12 += rule.weights(i) * su * su;
          m.dd12 += rule.weights(i) * du * du;
        }
        m.ss11 = m.ss22 = m.ss12;
        return m;
      }
      struct at_u {
        S value, derivative;
      };
      // (E σσ, E σ′σ′, E(σu − σv)²) in one sweep (4th lane unused: padding for a packet-sized
      // accumulator); σ(u) and σ′(u) once per outer node.
      const A sums = gaussian_expectation_2d(
          rule, bivariate_factor_of(p),
          [&](S u) {
            return at_u{act.value(u), act.derivative(u)};
          },
          [&](const at_u& u, S v) {
            const S sv = act.value(v);
            return A(u.value * sv, u.derivative * act.derivative(v),
                     (u.value - sv) * (u.value - sv), S(0));
          });
      const S b = std::sqrt(p.k22), a = std::sqrt(p.k11);
      S ss11 = 0, ss22 = 0;
      for (Index i = 0; i < rule.order(); ++i) {
        const S su = act.value(a * rule.nodes(i)), sv = act.value(b * rule.nodes(i));
        ss11 += rule.weights(i) * su * su;
        ss22 += rule.weights(i) * sv * sv;
      }
      m.ss12 = sums(0);
      m.dd12 = sums(1);
      m.dist = sums(2);
      m.ss11 = ss11;
      m.ss22 = ss22;
      m.diff = ss22 - ss11;
      return m;
    }
  });
}

/// E σ(u)², E σ′(u)², E σ(u)σ″(u) for u ~ N(0, K): the closed form when σ has one, otherwise the
/// composite Gauss–Legendre rule of core/quadrature.hpp (bounded work for every K ≥ 0).
template <class S = double>
single_input_moments<S> single_input_gaussian_moments(const activation& sigma,
                                                      std::type_identity_t<S> K) {
  require_finite("K", K);
  require_nonnegative("K", K);
  return sigma.visit([&](auto act) -> single_input_moments<S> {
    if constexpr (activations::has_closed_form_single_moments<decltype(act), S>) {
      return act.gaussian_moments(K);
    } else {
      using A = Eigen::Array<S, 3, 1>;
      const A m = gaussian_expectation_composite(
          [&](S x) {
            const S v = act.value(x);
            return A(v * v, act.derivative(x) * act.derivative(x), v * act.second_derivative(x));
          },
          K);
      return {m(0), m(1), m(2)};
    }
  });
}

}  // namespace nnt
