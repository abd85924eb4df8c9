// nnt/curvature/lanczos.hpp — Lanczos tridiagonalisation A Q = Q T + β q eᵀ with full (twice
// iterated) reorthogonalisation, and stochastic Lanczos quadrature (SLQ; Lin, Saad & Yang 2016,
// Ghorbani et al. 2019): for each Rademacher probe q₁ = z/‖z‖, T = YΘYᵀ gives Ritz nodes θ_j and
// weights τ_j = Y_{1j}² with Σ_j τ_j f(θ_j) ≈ q₁ᵀ f(A) q₁ (exact for polynomials of degree ≤ 2m −
// 1). The density is the probe average of Σ_j τ_j N(t; θ_j, σ²); spectral masses and the trace
// n·mean(Σ_j τ_j θ_j) come from the raw nodes, with standard errors over the probes.
#pragma once

#include "../core/concepts.hpp"
#include "../core/error.hpp"
#include "../core/random.hpp"
#include "../core/status.hpp"
#include "../core/types.hpp"

#include <Eigen/Eigenvalues>

#include <algorithm>
#include <cmath>
#include <limits>
#include <numbers>

namespace nnt {

/// The Lanczos decomposition A Q = Q T + β q eᵀ from lanczos(): T tridiagonal (alpha, beta), Q.
template <class S = double>
struct lanczos_result {
  Vector<S> alpha;  ///< diagonal of T (length m)
  Vector<S> beta;   ///< off-diagonal of T (length m − 1)
  Matrix<S> basis;  ///< n × m orthonormal Q
  Index steps = 0;  ///< m; smaller than requested after an invariant subspace was found
  /// ok with stop_reason iteration_limit (all steps taken) or invariant_subspace (T is exact);
  /// diverged (non_finite) when the operator produced a NaN or infinity.
  nnt::status status = status::ok;
  /// iteration_limit (all min(steps, n) steps), invariant_subspace (‖w‖ ≤ 64ε·max(|α_m|, 1) after
  /// reorthogonalisation) or non_finite (then steps counts only the finite columns).
  nnt::stop_reason stop_reason = stop_reason::iteration_limit;
};

/// m = min(steps, n) Lanczos steps from `start` (nonzero, finite).
template <class Op>
requires linear_operator<Op> lanczos_result<operator_scalar_t<Op>> lanczos(
    const Op& op, const vector_arg<operator_scalar_t<Op>>& start, Index steps) {
  using S = operator_scalar_t<Op>;
  const Index n = op.rows();
  require_at_least<Index>("op.rows()", n, 1);
  require_size("start", n, start.size());
  require_finite("start", start);
  require_at_least<Index>("steps", steps, 1);
  const S norm = start.stableNorm();  // norm() underflows to 0 for a start of entries 1e-300
  require_positive("start.norm()", norm);
  const Index m_max = std::min(steps, n);
  require_allocation("steps (the basis has n × steps entries)", checked_product("steps", n, m_max),
                     sizeof(S));
  lanczos_result<S> r;
  r.basis.resize(n, m_max);
  r.alpha.resize(m_max);
  r.beta.resize(std::max<Index>(m_max - 1, 0));
  r.basis.col(0) = start / norm;
  Vector<S> w(n);
  Index m = 0;
  S scale = 0;  // max_j ‖A q_j‖ so far
  for (; m < m_max; ++m) {
    op.apply(r.basis.col(m), w);
    // ‖T‖ estimate for the breakdown test: relative to the operator's own scale, so a tiny
    // (but nonzero) operator is not mistaken for an invariant subspace.
    scale = std::max(scale, S(w.stableNorm()));  // norm() overflows for entries ≳ 1e154
    if (!w.allFinite()) {
      r.status = status::diverged;
      r.stop_reason = stop_reason::non_finite;
      break;
    }
    r.alpha(m) = r.basis.col(m).dot(w);
    for (int pass = 0; pass < 2; ++pass)  // "twice is enough" (Kahan–Parlett)
      w.noalias() -= r.basis.leftCols(m + 1) * (r.basis.leftCols(m + 1).transpose() * w);
    if (m + 1 == m_max) break;
    const S b = w.stableNorm();
    if (!(b > S(64) * std::numeric_limits<S>::epsilon() * scale)) {
      r.stop_reason = stop_reason::invariant_subspace;
      break;
    }
    r.beta(m) = b;
    r.basis.col(m + 1) = w / b;
  }
  r.steps = r.status == status::ok ? std::min(m + 1, m_max) : m;
  r.alpha.conservativeResize(r.steps);
  r.beta.conservativeResize(std::max<Index>(r.steps - 1, 0));
  r.basis.conservativeResize(n, r.steps);
  return r;
}

/// Options of spectral_density() (each is checked there; violations throw nnt::invalid_argument).
struct density_options {
  Index probes = 10;  ///< Rademacher probes (Lanczos runs), ≥ 1; standard errors need ≥ 2
  Index lanczos_steps = 80;  ///< Lanczos steps m per probe (≥ 1, capped at n): 2m − 1 exact moments
  Index grid_points = 512;  ///< points of the density grid, in [2, 2²⁴]
  double sigma = 0;         ///< Gaussian broadening (finite, ≥ 0); 0 = 1% of the Ritz-value range
  /// |θ| ≤ zero_width counts as "near zero" in the result's summary; 0 = 1e-3·max|θ|.
  double zero_width = 0;
  std::uint64_t seed = 1;  ///< seeds the probes (one random_generator(seed) for all): reproducible
};

/// A fraction of the spectrum with its standard error over the probes.
struct spectral_mass_estimate {
  double mass = 0;            ///< probe mean of Σ_j τ_j 1[lo ≤ θ_j ≤ hi], in [0, 1]
  double standard_error = 0;  ///< sd of the per-probe masses / √probes (0 for a single probe)
};

/// The SLQ spectral density from spectral_density(): broadened curve, raw Ritz nodes and weights,
/// and the trace and spectral masses estimated from them.
template <class S = double>
struct density_result {
  Vector<S> grid;     ///< from min θ − 5σ to max θ + 5σ
  Vector<S> density;  ///< ∫ density dt = 1 up to the grid's rectangle rule
  Matrix<S> nodes;    ///< Ritz values θ_j, one column per probe (NaN-padded after a breakdown)
  Matrix<S> weights;  ///< τ_j = (first component of the Ritz vector)², each column sums to 1
  /// The broadening σ used: options.sigma, or max(0.01·(max θ − min θ), 1e-12·max(|max θ|, 1)).
  S sigma = 0;
  double trace = 0;  ///< n · mean over probes of Σ_j τ_j θ_j (an estimate of tr A)
  double trace_standard_error = 0;  ///< n · sd over probes / √probes
  double zero_width = 0;            ///< the width used for the two masses below
  spectral_mass_estimate
      near_zero_mass;  ///< fraction of eigenvalues with |λ| ≤ zero_width (raw nodes)
  spectral_mass_estimate negative_mass;  ///< fraction with λ < −zero_width
  nnt::status status = status::ok;       ///< diverged when the operator produced a non-finite value
};

template <class S>
spectral_mass_estimate spectral_mass(const density_result<S>& d, double lo, double hi);

/// The SLQ estimate of the spectral density of a symmetric operator.
template <class Op>
requires linear_operator<Op> density_result<operator_scalar_t<Op>> spectral_density(
    const Op& op, const density_options& options = {}) {
  using S = operator_scalar_t<Op>;
  require_at_least<Index>("probes", options.probes, 1);
  require_at_least<Index>("lanczos_steps", options.lanczos_steps, 1);
  require_in_range<Index, Index>("grid_points", options.grid_points, 2, Index(1) << 24);
  require_finite("sigma", options.sigma);
  require_nonnegative("sigma", options.sigma);
  require_finite("zero_width", options.zero_width);
  require_nonnegative("zero_width", options.zero_width);
  const Index n = op.rows();
  require_at_least<Index>("op.rows()", n, 1);  // not blamed on lanczos_steps after m = min(…, 0)
  const Index m = std::min(options.lanczos_steps, n);
  require_allocation("probes (the Ritz nodes and weights have lanczos_steps × probes entries each)",
                     checked_product("probes", m, options.probes), 2 * sizeof(S));
  require_allocation("op.rows() (the probe vector)", n, sizeof(S));
  density_result<S> r;
  r.nodes.setConstant(m, options.probes, std::numeric_limits<S>::quiet_NaN());
  r.weights.setZero(m, options.probes);
  random_generator rng(options.seed);
  Vector<S> z(n);
  double sum = 0, sum_sq = 0;
  for (Index p = 0; p < options.probes; ++p) {
    rng.fill_rademacher(z);
    const lanczos_result<S> lz = lanczos(op, z, m);
    if (lz.status != status::ok) {
      r.status = lz.status;
      return r;
    }
    Eigen::SelfAdjointEigenSolver<Matrix<S>> es;
    es.computeFromTridiagonal(lz.alpha, lz.beta, Eigen::ComputeEigenvectors);
    r.nodes.col(p).head(lz.steps) = es.eigenvalues();
    r.weights.col(p).head(lz.steps) = es.eigenvectors().row(0).transpose().array().square();
    const double quadratic =
        double(r.weights.col(p).head(lz.steps).dot(r.nodes.col(p).head(lz.steps)));
    sum += quadratic;
    sum_sq += quadratic * quadratic;
  }
  const double P = double(options.probes), mean = sum / P;
  r.trace = double(n) * mean;
  r.trace_standard_error =
      options.probes > 1
          ? double(n) * std::sqrt(std::max(0.0, sum_sq / P - mean * mean) * P / (P - 1) / P)
          : 0.0;
  S lo = std::numeric_limits<S>::infinity(), hi = -lo;
  for (Index j = 0; j < r.nodes.size(); ++j)
    if (std::isfinite(r.nodes.data()[j])) {
      lo = std::min(lo, r.nodes.data()[j]);
      hi = std::max(hi, r.nodes.data()[j]);
    }
  const double radius = std::max(std::abs(double(lo)), std::abs(double(hi)));
  r.zero_width = options.zero_width > 0 ? options.zero_width : 1e-3 * radius;
  r.near_zero_mass = spectral_mass(r, -r.zero_width, r.zero_width);
  r.negative_mass = spectral_mass(r, -std::numeric_limits<double>::infinity(),
                                  std::nextafter(-r.zero_width, -1.0));
  r.sigma = options.sigma > 0
                ? S(options.sigma)
                : std::max(S(0.01) * (hi - lo), S(1e-12) * std::max(std::abs(hi), S(1)));
  r.grid = Vector<S>::LinSpaced(options.grid_points, lo - 5 * r.sigma, hi + 5 * r.sigma);
  r.density.setZero(options.grid_points);
  const S norm = S(1) / (r.sigma * std::sqrt(2 * std::numbers::pi_v<S>) * S(options.probes));
  for (Index p = 0; p < options.probes; ++p)
    for (Index j = 0; j < m; ++j) {
      if (!std::isfinite(r.nodes(j, p))) continue;
      r.density += (norm * r.weights(j, p)) * ((r.grid.array() - r.nodes(j, p)) / r.sigma)
                                                  .square()
                                                  .unaryExpr([](S t) { return std::exp(-t / 2); })
                                                  .matrix();
    }
  return r;
}

/// The fraction of eigenvalues in [lo, hi] (±inf allowed) from the raw Ritz nodes and weights of
/// an SLQ run, mean over probes of Σ_j τ_j 1[lo ≤ θ_j ≤ hi] — not from the broadened curve, which
/// smears a cluster at 0 over ±5σ.
template <class S>
spectral_mass_estimate spectral_mass(const density_result<S>& d, double lo, double hi) {
  if (std::isnan(lo)) throw_invalid_argument("lo", "a number", "nan");
  if (std::isnan(hi)) throw_invalid_argument("hi", "a number", "nan");
  if (!(hi >= lo))
    throw_invalid_argument("hi", "a value ≥ lo = " + format_value(lo), format_value(hi));
  require_at_least<Index>("d.nodes.cols() (probes)", d.nodes.cols(), 1);
  double sum = 0, sum_sq = 0;
  for (Index p = 0; p < d.nodes.cols(); ++p) {
    double m = 0;
    for (Index j = 0; j < d.nodes.rows(); ++j) {
      const double t = double(d.nodes(j, p));
      if (std::isfinite(t) && t >= lo && t <= hi) m += double(d.weights(j, p));
    }
    sum += m;
    sum_sq += m * m;
  }
  const double P = double(d.nodes.cols()), mean = sum / P;
  return {mean, P > 1 ? std::sqrt(std::max(0.0, sum_sq / P - mean * mean) / (P - 1)) : 0.0};
}

}  // namespace nnt
