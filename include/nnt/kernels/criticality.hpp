// nnt/kernels/criticality.hpp — criticality of deep infinite-width networks (COURSE.md N1;
// Roberts, Yaida & Hanin, "The Principles of Deep Learning Theory", ch. 5; Schoenholz et al. 2017).
// Single-input recursion K′ = C_b + C_w E_K[σ²], u ~ N(0, K), with
//   χ∥ = dK′/dK = (C_w/2) E_K[(σ²)″] = C_w (E_K[σ′²] + E_K[σσ″]),   χ⊥ = C_w E_K[σ′²].
// Critical: χ∥ = χ⊥ = 1 at the fixed point K*. Since χ∥ − χ⊥ = C_w E[σσ″], a critical point with
// K* > 0 is a root of E_K[σσ″] = 0, with C_w = 1/E_K[σ′²] and C_b = K − C_w E_K[σ²] ≥ 0 — a 1-D
// root search (critical_points). K* = 0 (σ(0) = 0, C_b = 0, C_w = 1/σ′(0)²) is critical only if
// the fixed point attracts from above: K′ = K + a K² + … with a < 0 (tanh, erf), reported as `stable`.
// Expectations: closed forms for ReLU/leaky ReLU/identity; otherwise composite 10-point
// Gauss–Legendre in x = √K z over |x| ≤ 9√K with panels no wider than min(½, √K/4), which resolves
// σ's features at scale 1 for any K (a fixed Gauss–Hermite rule does not: at K ≈ 70 its 256 nodes
// put a spurious root of E[σσ″] into GELU; checked against mpmath quad).
// Off criticality the approach to K* is exponential with correlation length ξ = −1/ln χ.
#pragma once

#include "../core/activation.hpp"
#include "../core/error.hpp"
#include "../core/status.hpp"
#include "layer.hpp"

#include <Eigen/Eigenvalues>

#include <algorithm>
#include <cmath>
#include <numbers>
#include <limits>
#include <vector>

namespace nnt {

/// E σ², E σ′², E σσ″ for u ~ N(0, K).
struct single_input_moments {
  double sigma2 = 0, dsigma2 = 0, sigma_d2sigma = 0;
};

namespace detail {

// The 10-point Gauss–Legendre rule on [−1, 1] (Golub–Welsch), built once.
struct legendre_rule {
  Eigen::Matrix<double, 10, 1> nodes, weights;
};
inline const legendre_rule& legendre10() {
  static const legendre_rule rule = [] {
    Eigen::Matrix<double, 10, 10> J = Eigen::Matrix<double, 10, 10>::Zero();
    for (int k = 1; k < 10; ++k) J(k, k - 1) = J(k - 1, k) = k / std::sqrt(4.0 * k * k - 1);
    Eigen::SelfAdjointEigenSolver<Eigen::Matrix<double, 10, 10>> eig(J);
    legendre_rule r;
    r.nodes = eig.eigenvalues();
    r.weights = 2 * eig.eigenvectors().row(0).transpose().array().square();
    return r;
  }();
  return rule;
}

}  // namespace detail

inline single_input_moments gaussian_moments(const activation& sigma, double K) {
  require_finite("K", K);
  require_nonnegative("K", K);
  single_input_moments m;
  switch (sigma.kind()) {
    case activation_kind::identity: return {K, 1.0, 0.0};
    case activation_kind::relu: return {K / 2, K > 0 ? 0.5 : 0.0, 0.0};
    case activation_kind::leaky_relu: {
      const double a = sigma.leaky_slope();
      return {(1 + a * a) * K / 2, K > 0 ? (1 + a * a) / 2 : 0.0, 0.0};
    }
    default: break;
  }
  if (K == 0) {
    const double v = sigma.value(0.0), d = sigma.derivative(0.0);
    return {v * v, d * d, v * sigma.second_derivative(0.0)};
  }
  const auto& gl = detail::legendre10();
  const double s = std::sqrt(K), half_width = 9 * s, h = std::min(0.5, s / 4);
  const Index panels = static_cast<Index>(std::ceil(2 * half_width / h));
  const double w_panel = 2 * half_width / double(panels);
  const double norm = 1 / std::sqrt(2 * std::numbers::pi * K);
  for (Index p = 0; p < panels; ++p) {
    const double centre = -half_width + (double(p) + 0.5) * w_panel;
    for (int i = 0; i < 10; ++i) {
      const double x = centre + 0.5 * w_panel * gl.nodes(i);
      const double w = 0.5 * w_panel * gl.weights(i) * norm * std::exp(-x * x / (2 * K));
      const double v = sigma.value(x), d = sigma.derivative(x);
      m.sigma2 += w * v * v;
      m.dsigma2 += w * d * d;
      m.sigma_d2sigma += w * v * sigma.second_derivative(x);
    }
  }
  return m;
}

/// χ∥ and χ⊥ at variance K.
struct susceptibilities {
  double parallel = 0, perpendicular = 0;
};

inline susceptibilities susceptibilities_at(const activation& sigma, double C_w, double K) {
  require_finite("C_w", C_w);
  require_positive("C_w", C_w);
  const auto m = gaussian_moments(sigma, K);
  return {C_w * (m.dsigma2 + m.sigma_d2sigma), C_w * m.dsigma2};
}

/// Correlation length −1/ln χ of the exponential approach ~ χ^l (infinite at χ = 1).
inline double correlation_length(double chi) {
  require_finite("chi", chi);
  require_positive("chi", chi);
  if (chi >= 1) return std::numeric_limits<double>::infinity();
  return -1.0 / std::log(chi);
}

struct fixed_point_result {
  double K_star = 0;
  double chi_parallel = 0, chi_perpendicular = 0;
  Index iterations = 0;
  nnt::status status = status::not_converged;
};

/// The fixed point K* = C_b + C_w E_{K*}[σ²] reached from K_start: the recursion, then Newton on
/// F(K) = C_b + C_w E_K σ² − K (F′ = χ∥ − 1) once it is close. At criticality the recursion moves
/// only like 1/l, so a power-law approach can end as not_converged (the last iterate is returned);
/// diverged if K leaves the double range.
inline fixed_point_result fixed_point(const activation& sigma, double C_w, double C_b,
                                      double K_start = 1.0, double tolerance = 1e-13,
                                      Index max_iterations = 100000) {
  require_finite("C_w", C_w);
  require_positive("C_w", C_w);
  require_finite("C_b", C_b);
  require_nonnegative("C_b", C_b);
  require_finite("K_start", K_start);
  require_nonnegative("K_start", K_start);
  require_positive("tolerance", tolerance);
  require_at_least<Index>("max_iterations", max_iterations, 1);
  fixed_point_result r;
  double K = K_start;
  auto next = [&](double k) { return C_b + C_w * gaussian_moments(sigma, k).sigma2; };
  for (Index it = 1; it <= max_iterations; ++it) {
    double Kn = next(K);
    r.iterations = it;
    if (!std::isfinite(Kn) || Kn > 1e300) {
      r.K_star = Kn;
      r.status = status::diverged;
      return r;
    }
    const auto chi = susceptibilities_at(sigma, C_w, Kn);
    // Newton step when the map is contracting and we are close: converges quadratically.
    if (std::abs(chi.parallel - 1) > 1e-3 && std::abs(Kn - K) < 1e-3 * (1 + Kn)) {
      const double F = next(Kn) - Kn;
      const double Kp = std::max(0.0, Kn - F / (chi.parallel - 1));
      if (std::abs(next(Kp) - Kp) <= std::abs(F)) Kn = Kp;
    }
    const bool done = std::abs(Kn - K) <= tolerance * (1 + Kn) && std::abs(next(Kn) - Kn) <= tolerance * (1 + Kn);
    K = Kn;
    if (done) {
      r.status = status::ok;
      break;
    }
  }
  r.K_star = K;
  const auto chi = susceptibilities_at(sigma, C_w, K);
  r.chi_parallel = chi.parallel;
  r.chi_perpendicular = chi.perpendicular;
  return r;
}

/// A critical initialisation (χ∥ = χ⊥ = 1 at K*).
struct critical_point {
  double K_star = 0, C_w = 0, C_b = 0;
  bool stable = true;  ///< K* = 0 only: whether the fixed point attracts (K′ − K ≈ aK², a < 0)
  double residual = 0;  ///< max(|χ∥ − 1|, |χ⊥ − 1|, |C_b + C_w E σ² − K*|)
};

/// All critical points with K* in [0, K_max]: the K* = 0 class when σ(0) = 0, σ′(0) ≠ 0, and every
/// root of E_K[σσ″] = 0 on a logarithmic grid of `grid` points in [K_min, K_max], refined by
/// bisection to machine precision, kept when C_b ≥ 0. An empty result means there is none.
inline std::vector<critical_point> critical_points(const activation& sigma, double K_max = 100.0,
                                                   double K_min = 1e-6, Index grid = 2000) {
  require_finite("K_max", K_max);
  require_positive("K_min", K_min);
  require_in_range("K_max", K_max, K_min, 1e6);
  require_at_least<Index>("grid", grid, 2);
  std::vector<critical_point> out;
  auto residual_of = [&](critical_point& p) {
    const auto m = gaussian_moments(sigma, p.K_star);
    const auto chi = susceptibilities_at(sigma, p.C_w, p.K_star);
    p.residual = std::max({std::abs(chi.parallel - 1), std::abs(chi.perpendicular - 1),
                           std::abs(p.C_b + p.C_w * m.sigma2 - p.K_star)});
  };
  const double s0 = sigma.value(0.0), d0 = sigma.derivative(0.0);
  if (s0 == 0 && d0 != 0 && sigma.kind() != activation_kind::relu &&
      sigma.kind() != activation_kind::leaky_relu && sigma.kind() != activation_kind::identity) {
    critical_point p;
    p.C_w = 1 / (d0 * d0);
    const double k = 1e-3;  // K′ − K ≈ a K²: the sign of a from a small K
    p.stable = p.C_w * gaussian_moments(sigma, k).sigma2 - k < 0;
    residual_of(p);
    out.push_back(p);
  }
  auto h = [&](double K) { return gaussian_moments(sigma, K).sigma_d2sigma; };
  const double ratio = std::pow(K_max / K_min, 1.0 / double(grid - 1));
  double a = K_min, ha = h(a);
  for (Index i = 1; i < grid; ++i) {
    const double b = K_min * std::pow(ratio, double(i)), hb = h(b);
    if ((ha < 0) != (hb < 0) && ha != 0) {
      double lo = a, hi = b, hlo = ha;
      for (int it = 0; it < 200 && hi - lo > 4 * std::numeric_limits<double>::epsilon() * hi; ++it) {
        const double mid = 0.5 * (lo + hi), hm = h(mid);
        if ((hm < 0) == (hlo < 0)) {
          lo = mid;
          hlo = hm;
        } else {
          hi = mid;
        }
      }
      critical_point p;
      p.K_star = 0.5 * (lo + hi);
      const auto m = gaussian_moments(sigma, p.K_star);
      p.C_w = 1 / m.dsigma2;
      p.C_b = p.K_star - p.C_w * m.sigma2;
      if (p.C_b >= -1e-12 * p.K_star) {
        p.C_b = std::max(p.C_b, 0.0);
        residual_of(p);
        out.push_back(p);
      }
    }
    a = b;
    ha = hb;
  }
  return out;
}

/// K^{(l)} for l = 1..depth for one pair of inputs, starting from the first layer's entry K^{(1)}
/// (= C_b + C_w xᵀx′/d): each further layer applies σ then dense(C_w, C_b) (NTK parameterisation,
/// so t12 is Θ^{(l)}).
inline std::vector<kernel_entry<double>> kernel_depth_profile(const activation& sigma, double C_w,
                                                              double C_b, const kernel_entry<double>& first,
                                                              Index depth) {
  require_at_least<Index>("depth", depth, 1);
  const kernel_network layer{nonlinearity(sigma), dense(C_w, C_b)};
  const step_quadratures<double> rules(layer);
  std::vector<kernel_entry<double>> out{first};
  for (Index l = 1; l < depth; ++l) {
    kernel_entry<double> e = out.back();
    for (std::size_t s = 0; s < 2; ++s) e = apply_step(layer.steps()[s], e, 1, rules[s]);
    out.push_back(e);
  }
  return out;
}

}  // namespace nnt
