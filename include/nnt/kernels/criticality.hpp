// nnt/kernels/criticality.hpp — criticality of deep infinite-width networks (COURSE.md N1; Roberts,
// Yaida & Hanin ch. 5; Schoenholz et al. 2017). Single-input recursion K′ = C_b + C_w E_K[σ²] with
//   χ∥ = dK′/dK = C_w (E_K σ′² + E_K σσ″),   χ⊥ = C_w E_K σ′²;   critical: χ∥ = χ⊥ = 1 at K*.
// Since χ∥ − χ⊥ = C_w E σσ″, a critical K* > 0 is a root of E_K[σσ″] (a 1-D search) with
// C_w = 1/E σ′², C_b = K* − C_w E σ² ≥ 0; K* = 0 (σ(0) = 0) needs C_w = 1/σ′(0)². Near K* the map
// is K′ − K ≈ a(K − K*)²: attracting from the side where that moves K back (reported per side).
// Off criticality the approach is exponential with correlation length ξ = −1/ln χ.
#pragma once

#include "../core/activation.hpp"
#include "../core/error.hpp"
#include "../core/status.hpp"
#include "../core/stopping.hpp"
#include "layer.hpp"
#include "moments.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <type_traits>
#include <vector>

namespace nnt {

/// χ∥ and χ⊥ at variance K.
template <class S = double>
struct susceptibilities {
  S parallel = 0, perpendicular = 0;
  /// \var parallel
  /// χ∥ = dK′/dK = C_w(E_K σ′² + E_K σσ″), the response of the variance.
  /// \var perpendicular
  /// χ⊥ = C_w E_K σ′², the response of a small difference between two inputs.
};

/// χ∥ = C_w(E σ′² + E σσ″) and χ⊥ = C_w E σ′² at variance K ≥ 0.
template <class S = double>
susceptibilities<S> susceptibilities_at(const activation& sigma, std::type_identity_t<S> C_w,
                                        std::type_identity_t<S> K) {
  require_finite("C_w", C_w);
  require_positive("C_w", C_w);
  const auto m = single_input_gaussian_moments<S>(sigma, K);
  return {C_w * (m.dsigma2 + m.sigma_d2sigma), C_w * m.dsigma2};
}

/// Correlation length −1/ln χ of the exponential approach ~ χ^l (infinite at χ ≥ 1).
template <class S = double>
S correlation_length(std::type_identity_t<S> chi) {
  require_finite("chi", chi);
  require_positive("chi", chi);
  if (chi >= 1) return std::numeric_limits<S>::infinity();
  return -S(1) / std::log(chi);
}

/// Options of fixed_point(): the starting variance and the stopping test of the recursion.
struct fixed_point_options {
  double K_start = 1.0;  ///< K^{(1)}
  /// ok when |K_{l+1} − K_l| ≤ tolerance·(1 + K) and |F(K)| ≤ tolerance·(1 + K), F(K) = K′ − K, at
  /// most max_iterations layers (Newton on F replaces the recursion once it is close and χ∥ ≠ 1).
  solver_stopping stop = {.max_iterations = 100000, .tolerance = 1e-13};
};

/// The outcome of fixed_point(): the last iterate, its susceptibilities and how the run ended.
template <class S = double>
struct fixed_point_result {
  S K_star = 0;  ///< the last iterate
  S chi_parallel = 0, chi_perpendicular = 0;
  /// \var chi_parallel
  /// χ∥ at K_star (left 0 when the run diverged).
  /// \var chi_perpendicular
  /// χ⊥ at K_star (left 0 when the run diverged).
  Index iterations = 0;  ///< layers applied (recursion steps), ≤ stop.max_iterations
  /// ok; not_converged at the budget (a critical, power-law approach moves only like 1/l);
  /// diverged when K leaves the range (K > 1e300 or not finite).
  nnt::status status = status::not_converged;
  /// tolerance (ok), iteration_limit (not_converged) or divergence_bound (diverged).
  nnt::stop_reason stop_reason = stop_reason::none;
};

/// The fixed point K* = C_b + C_w E_{K*}[σ²] reached from options.K_start.
template <class S = double>
fixed_point_result<S> fixed_point(const activation& sigma, std::type_identity_t<S> C_w,
                                  std::type_identity_t<S> C_b,
                                  const fixed_point_options& options = {}) {
  require_finite("C_w", C_w);
  require_positive("C_w", C_w);
  require_finite("C_b", C_b);
  require_nonnegative("C_b", C_b);
  require_finite("K_start", options.K_start);
  require_nonnegative("K_start", options.K_start);
  require_stopping(options.stop);
  require_positive("stop.tolerance", options.stop.tolerance);
  fixed_point_result<S> r;
  S K = S(options.K_start);
  const S tol = S(options.stop.tolerance);
  auto next = [&](S k) { return C_b + C_w * single_input_gaussian_moments<S>(sigma, k).sigma2; };
  r.stop_reason = stop_reason::iteration_limit;
  for (Index it = 1; it <= options.stop.max_iterations; ++it) {
    S Kn = next(K);
    r.iterations = it;
    if (!std::isfinite(Kn) || Kn > S(1e300)) {
      r.K_star = Kn;
      r.status = status::diverged;
      r.stop_reason = stop_reason::divergence_bound;
      return r;
    }
    const auto chi = susceptibilities_at<S>(sigma, C_w, Kn);
    // Newton on F(K) = K′ − K (F′ = χ∥ − 1) once close and the map is not marginal: quadratic.
    if (std::abs(chi.parallel - 1) > S(1e-3) && std::abs(Kn - K) < S(1e-3) * (1 + Kn)) {
      const S F = next(Kn) - Kn;
      const S Kp = std::max(S(0), Kn - F / (chi.parallel - 1));
      if (std::abs(next(Kp) - Kp) <= std::abs(F)) Kn = Kp;
    }
    const bool done =
        std::abs(Kn - K) <= tol * (1 + Kn) && std::abs(next(Kn) - Kn) <= tol * (1 + Kn);
    K = Kn;
    if (done) {
      r.status = status::ok;
      r.stop_reason = stop_reason::tolerance;
      break;
    }
  }
  r.K_star = K;
  const auto chi = susceptibilities_at<S>(sigma, C_w, K);
  r.chi_parallel = chi.parallel;
  r.chi_perpendicular = chi.perpendicular;
  return r;
}

/// A critical initialisation (χ∥ = χ⊥ = 1 at K*).
template <class S = double>
struct critical_point {
  S K_star = 0, C_w = 0, C_b = 0;
  /// K′ − K < 0 just above K* (K* + δ moves back toward K*): layers bring larger variances down.
  bool attracting_from_above = false;
  /// K′ − K > 0 just below K* (irrelevant at K* = 0, where K ≥ 0).
  bool attracting_from_below = false;
  S residual = 0;  ///< max(|χ∥ − 1|, |χ⊥ − 1|, |C_b + C_w E σ² − K*|/(1 + K*)) at the solution
  /// Attracting on both sides (at K* = 0: from above, the only side there is).
  bool attracting() const {
    return attracting_from_above && (K_star == 0 || attracting_from_below);
  }
  /// \var K_star
  /// The critical variance K* ≥ 0.
  /// \var C_w
  /// The critical weight variance 1/E_{K*}σ′² (1/σ′(0)² at K* = 0).
  /// \var C_b
  /// The bias variance K* − C_w E_{K*}σ² ≥ 0 (0 at K* = 0).
};

/// Options of critical_points(): where and how finely to search for roots K* > 0 of E_K[σσ″].
struct critical_point_options {
  double K_min = 1e-6;   ///< lower end of the search range for K* (> 0)
  double K_max = 100.0;  ///< upper end (K_min < K_max ≤ 1e6)
  Index grid = 2000;     ///< logarithmic grid of sign tests for E_K[σσ″], refined by bisection
};

/// All critical points: the K* = 0 class when σ(0) = 0 and σ′(0) ≠ 0 (for smooth σ), and every
/// root of E_K[σσ″] in [K_min, K_max] with C_b ≥ 0. Empty when there is none (e.g. softplus).
template <class S = double>
std::vector<critical_point<S>> critical_points(const activation& sigma,
                                               const critical_point_options& o = {}) {
  require_finite("K_max", o.K_max);
  require_positive("K_min", o.K_min);
  require_in_range("K_max", o.K_max, o.K_min, 1e6);
  if (!(o.K_max > o.K_min))
    throw_invalid_argument("K_max", "a value greater than K_min = " + format_value(o.K_min),
                           format_value(o.K_max));
  require_in_range<Index, Index>("grid", o.grid, 2, 1000000);
  std::vector<critical_point<S>> out;
  auto map_minus_identity = [&](const critical_point<S>& p, S K) {
    return p.C_b + p.C_w * single_input_gaussian_moments<S>(sigma, K).sigma2 - K;
  };
  auto finish = [&](critical_point<S>& p) {
    const auto m = single_input_gaussian_moments<S>(sigma, p.K_star);
    const auto chi = susceptibilities_at<S>(sigma, p.C_w, p.K_star);
    p.residual = std::max({std::abs(chi.parallel - 1), std::abs(chi.perpendicular - 1),
                           std::abs(p.C_b + p.C_w * m.sigma2 - p.K_star) / (1 + p.K_star)});
    // K′ − K ≈ a δ² ≈ 1e-6 a K*² at δ = 1e-3 K* (or δ = 1e-3 at K* = 0): far above rounding.
    const S delta = p.K_star > 0 ? S(1e-3) * p.K_star : S(1e-3);
    p.attracting_from_above = map_minus_identity(p, p.K_star + delta) < 0;
    p.attracting_from_below = p.K_star > 0 && map_minus_identity(p, p.K_star - delta) > 0;
    out.push_back(p);
  };
  const S s0 = sigma.value(S(0)), d0 = sigma.derivative(S(0));
  const bool smooth = sigma.kind() != activation_kind::relu &&
                      sigma.kind() != activation_kind::leaky_relu &&
                      sigma.kind() != activation_kind::identity;
  if (s0 == 0 && d0 != 0 && smooth) {
    critical_point<S> p;
    p.C_w = 1 / (d0 * d0);
    finish(p);
  }
  auto h = [&](S K) { return single_input_gaussian_moments<S>(sigma, K).sigma_d2sigma; };
  const double ratio = std::pow(o.K_max / o.K_min, 1.0 / double(o.grid - 1));
  S a = S(o.K_min), ha = h(a);
  for (Index i = 1; i < o.grid; ++i) {
    const S b = S(o.K_min * std::pow(ratio, double(i))), hb = h(b);
    if ((ha < 0) != (hb < 0) && ha != 0) {
      S lo = a, hi = b, hlo = ha;
      for (int it = 0; it < 200 && hi - lo > 4 * std::numeric_limits<S>::epsilon() * hi; ++it) {
        const S mid = (lo + hi) / 2, hm = h(mid);
        if ((hm < 0) == (hlo < 0)) {
          lo = mid;
          hlo = hm;
        } else {
          hi = mid;
        }
      }
      critical_point<S> p;
      p.K_star = (lo + hi) / 2;
      const auto m = single_input_gaussian_moments<S>(sigma, p.K_star);
      p.C_w = 1 / m.dsigma2;
      p.C_b = p.K_star - p.C_w * m.sigma2;
      if (p.C_b >= -S(1e-12) * p.K_star) {
        p.C_b = std::max(p.C_b, S(0));
        finish(p);
      }
    }
    a = b;
    ha = hb;
  }
  return out;
}

namespace detail {
template <class S>
std::vector<kernel_entry<S>> depth_profile_from(const activation& sigma, S C_w, S C_b,
                                                kernel_entry<S> first, Index depth) {
  require_in_range<Index, Index>("depth", depth, 1, 1000000);
  const kernel_network layer{nonlinearity(sigma), dense(double(C_w), double(C_b))};
  const step_quadratures<S> rules(layer);
  std::vector<kernel_entry<S>> out{first};
  for (Index l = 1; l < depth; ++l) {
    kernel_entry<S> e = out.back();
    for (std::size_t s = 0; s < 2; ++s) e = apply_step(layer.steps()[s], e, 1, rules[s]);
    out.push_back(e);
  }
  return out;
}
}  // namespace detail

/// K^{(l)}, Θ^{(l)} for l = 1..depth of one pair through σ → dense(C_w, C_b) layers (NTK
/// parameterisation), from the first layer's pair p = K^{(1)} (Θ^{(1)} = K^{(1)}). p must be a PSD
/// pair whose dist and diff agree with k11 + k22 − 2k12 and k22 − k11 to rounding.
template <class S>
std::vector<kernel_entry<S>> kernel_depth_profile(const activation& sigma,
                                                  std::type_identity_t<S> C_w,
                                                  std::type_identity_t<S> C_b,
                                                  const gaussian_pair<S>& first, Index depth) {
  require_finite("C_w", C_w);
  require_positive("C_w", C_w);
  require_finite("C_b", C_b);
  require_nonnegative("C_b", C_b);
  require_gaussian_pair(first);
  const S scale = first.k11 + first.k22, slack = S(64) * std::numeric_limits<S>::epsilon() * scale;
  if (!(std::abs(first.dist - (first.k11 + first.k22 - 2 * first.k12)) <= slack))
    throw_invalid_argument("first.dist", "k11 + k22 − 2k12 (to rounding)",
                           format_value(first.dist) + ", but k11 + k22 − 2k12 = " +
                               format_value(first.k11 + first.k22 - 2 * first.k12));
  if (!(std::abs(first.diff - (first.k22 - first.k11)) <= slack))
    throw_invalid_argument(
        "first.diff", "k22 − k11 (to rounding)",
        format_value(first.diff) + ", but k22 − k11 = " + format_value(first.k22 - first.k11));
  const kernel_entry<S> e{first.k11,  first.k22, first.k12, first.dist,
                          first.diff, first.k11, first.k22, first.k12};
  return detail::depth_profile_from(sigma, C_w, C_b, e, depth);
}

/// The same profile for one input of variance K^{(1)} = K (the diagonal: k11 = k22 = k12 = K).
template <class S = double>
std::vector<kernel_entry<S>> kernel_depth_profile(const activation& sigma,
                                                  std::type_identity_t<S> C_w,
                                                  std::type_identity_t<S> C_b,
                                                  std::type_identity_t<S> K, Index depth) {
  require_finite("K", K);
  require_nonnegative("K", K);
  return kernel_depth_profile<S>(sigma, C_w, C_b, gaussian_pair<S>{K, K, K, S(0), S(0)}, depth);
}

/// The same profile for two raw inputs x, x′ ∈ R^d: K^{(1)} = C_b + C_w xᵀx′/d, with the distance
/// C_w‖x − x′‖²/d summed exactly (near-duplicates keep their precision through the layers).
template <class A, class B, class S = typename A::Scalar>
std::vector<kernel_entry<S>> kernel_depth_profile(const activation& sigma,
                                                  std::type_identity_t<S> C_w,
                                                  std::type_identity_t<S> C_b,
                                                  const Eigen::MatrixBase<A>& x,
                                                  const Eigen::MatrixBase<B>& x2, Index depth) {
  require_finite("C_w", C_w);
  require_positive("C_w", C_w);
  require_finite("C_b", C_b);
  require_nonnegative("C_b", C_b);
  require_at_least<Index>("x.size()", x.size(), 1);
  require_size("x2", x.size(), x2.size());
  require_finite("x", x.derived());
  require_finite("x2", x2.derived());
  const kernel_entry<S> in = input_entry<S>(x, x2);
  const kernel_entry<S> first =
      apply_step(dense(double(C_w), double(C_b)), in, x.size(), moment_quadrature<S>());
  return detail::depth_profile_from(sigma, C_w, C_b, first, depth);
}

}  // namespace nnt
