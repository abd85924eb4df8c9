// nnt/curvature/spectrum.hpp — spectra of symmetric operators known only by v ↦ A v.
//
//   top_eigenpairs / bottom_eigenpairs  k largest / smallest eigenvalues in *algebraic* order
//       (negative curvature is the smallest, not the "largest magnitude"), by Spectra's implicitly
//       restarted Lanczos (SymEigsSolver), with the residuals ‖Av − λv‖ checked here.
//   hutchinson_trace  tr A ≈ mean of zᵀAz over Rademacher probes z (Hutchinson 1989); stops when
//       the standard error of that mean, sd/√m, is below abs_tol + rel_tol·|mean|.
//   lanczos  m steps with full reorthogonalisation: A Q = Q T + β q eᵀ, T tridiagonal.
//   spectral_density  stochastic Lanczos quadrature (Lin, Saad & Yang 2016; Ghorbani et al. 2019):
//       for each probe q₁ = z/‖z‖, T = Y Θ Yᵀ gives nodes θ_j and weights τ_j = Y_{1j}², so that
//       Σ_j τ_j f(θ_j) ≈ q₁ᵀ f(A) q₁ (exact for polynomials of degree ≤ 2m − 1); the density is the
//       probe average of Σ_j τ_j N(t; θ_j, σ²) on a grid.
// Operators are anything with rows() and apply(v, out) (core/objective.hpp: linear_operator).
#pragma once

#include "../core/error.hpp"
#include "../core/objective.hpp"
#include "../core/random.hpp"
#include "../core/status.hpp"
#include "../core/types.hpp"

#include <Eigen/Eigenvalues>
#include <Spectra/SymEigsSolver.h>

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <limits>
#include <numbers>
#include <string>

namespace nnt {

/// Presents an nnt linear_operator to Spectra (rows/cols/perform_op) and counts applications.
template <class Op, class S = double>
class spectra_operator {
 public:
  using Scalar = S;
  explicit spectra_operator(const Op& op) : op_(op), in_(op.rows()), out_(op.rows()) {}
  Index rows() const { return op_.rows(); }
  Index cols() const { return op_.rows(); }
  void perform_op(const S* x, S* y) const {
    in_ = ConstVectorMap<S>(x, rows());
    op_.apply(in_, out_);
    VectorMap<S>(y, rows()) = out_;
    ++applications_;
  }
  Index applications() const { return applications_; }

 private:
  const Op& op_;
  mutable Vector<S> in_, out_;
  mutable Index applications_ = 0;
};

struct eigen_options {
  Index ncv = 0;               ///< Lanczos basis size; 0 = min(n, max(2k + 1, 20))
  Index max_restarts = 1000;
  double tolerance = 1e-10;    ///< Spectra's rule: ‖Av − λv‖ < tolerance·max(|λ|, eps^{2/3})
  std::uint64_t seed = 1;      ///< start vector
};

template <class S = double>
struct eigen_result {
  Vector<S> values;      ///< sorted: descending for top, ascending for bottom
  Matrix<S> vectors;     ///< unit columns
  Vector<S> residuals;   ///< ‖A v − λ v‖ per pair, recomputed here
  status state = status::not_converged;
  Index operator_applications = 0;  ///< including the k residual checks
  Index restarts = 0;
};

namespace detail {

template <class S, class Op>
eigen_result<S> run_spectra(const Op& op, Index k, Index ncv, const eigen_options& options,
                            Spectra::SortRule rule, std::uint64_t stream) {
  const Index n = op.rows();
  spectra_operator<Op, S> adapted(op);
  Spectra::SymEigsSolver<spectra_operator<Op, S>> solver(adapted, k, ncv);
  // A stream of its own, so the start vector never coincides with data a caller drew from the
  // same seed (a start vector that is an eigenvector makes Spectra 1.0 report garbage as success).
  auto rng = random_generator::for_task(options.seed, stream);
  Vector<S> start(n);
  rng.fill_normal(start);
  solver.init(start.data());
  eigen_result<S> result;
  // A non-finite operator (e.g. the Hessian of a diverged run) makes Spectra's inner eigensolver
  // throw: report it as a status instead.
  bool threw = false;
  try {
    solver.compute(rule, options.max_restarts, S(options.tolerance), rule);
  } catch (const std::runtime_error&) {
    threw = true;
  }
  if (threw) {
    result.values.resize(0);
    result.vectors.resize(n, 0);
    result.residuals.resize(0);
    result.operator_applications = adapted.applications();
    result.state = status::diverged;
    return result;
  }
  result.restarts = solver.num_iterations();
  const bool converged = solver.info() == Spectra::CompInfo::Successful;
  if (converged) {
    result.values = solver.eigenvalues();
    result.vectors = solver.eigenvectors();
  } else {
    result.values.resize(0);
    result.vectors.resize(n, 0);
  }
  result.residuals.resize(result.values.size());
  Vector<S> Av;
  for (Index j = 0; j < result.values.size(); ++j) {
    op.apply(result.vectors.col(j), Av);
    result.residuals(j) = (Av - result.values(j) * result.vectors.col(j)).norm();
  }
  result.operator_applications = adapted.applications() + result.values.size();
  // Spectra judges convergence by its Ritz estimates; the true residuals are checked here too,
  // with 10x slack on Spectra's rule and a rounding floor of 100·eps·max|λ|.
  const S eps = std::numeric_limits<S>::epsilon();
  const S scale = result.values.size() ? S(result.values.cwiseAbs().maxCoeff()) : S(0);
  bool residuals_ok = true;
  for (Index j = 0; j < result.values.size(); ++j) {
    const S allowed = std::max(S(10 * options.tolerance) *
                                   std::max(std::abs(result.values(j)), std::pow(eps, S(2) / 3)),
                               S(100) * eps * scale);
    if (!(result.residuals(j) <= allowed)) residuals_ok = false;
  }
  result.state = !converged || !residuals_ok ? status::not_converged
                 : !result.values.allFinite() ? status::diverged
                                              : status::ok;
  return result;
}

template <class S, class Op>
eigen_result<S> extreme_eigenpairs(const Op& op, Index k, const eigen_options& options,
                                   Spectra::SortRule rule) {
  const Index n = op.rows();
  if (n < 2) throw_invalid_argument("op.rows()", "at least 2", std::to_string(n));
  if (k < 1 || k > n - 1)
    throw_invalid_argument("k", "a count in [1, " + std::to_string(n - 1) + "]", std::to_string(k));
  Index ncv = options.ncv > 0 ? options.ncv : std::min(n, std::max<Index>(2 * k + 1, 20));
  if (ncv <= k || ncv > n)
    throw_invalid_argument("ncv", "a value in [" + std::to_string(k + 1) + ", " +
                                      std::to_string(n) + "]", std::to_string(ncv));
  require_positive("tolerance", options.tolerance);
  require_at_least<Index>("max_restarts", options.max_restarts, 1);

  eigen_result<S> result;
  Index applications = 0;
  // A second start vector is tried when the first run's residuals fail the check below.
  for (std::uint64_t attempt = 0; attempt < 2; ++attempt) {
    result = detail::run_spectra<S>(op, k, ncv, options, rule, 0x5eed + attempt);
    applications += result.operator_applications;
    if (result.state != status::not_converged || result.values.size() == 0) break;
  }
  result.operator_applications = applications;
  return result;
}

}  // namespace detail

/// The k algebraically largest eigenpairs of a symmetric operator, descending.
template <class S = double, class Op>
  requires linear_operator<Op, S>
eigen_result<S> top_eigenpairs(const Op& op, Index k, const eigen_options& options = {}) {
  return detail::extreme_eigenpairs<S>(op, k, options, Spectra::SortRule::LargestAlge);
}

/// The k algebraically smallest eigenpairs of a symmetric operator, ascending.
template <class S = double, class Op>
  requires linear_operator<Op, S>
eigen_result<S> bottom_eigenpairs(const Op& op, Index k, const eigen_options& options = {}) {
  auto r = detail::extreme_eigenpairs<S>(op, k, options, Spectra::SortRule::SmallestAlge);
  return r;
}

struct trace_options {
  Index min_probes = 10;        ///< the standard error needs a few probes to mean anything
  Index max_probes = 10000;
  double relative_tolerance = 1e-2;
  double absolute_tolerance = 0;
  std::uint64_t seed = 1;
};

struct trace_result {
  double estimate = 0;
  double standard_error = 0;  ///< sd of zᵀAz over probes / √probes
  Index probes = 0;
  status state = status::not_converged;
};

/// Hutchinson's estimator with Rademacher probes and a stopping rule on its standard error.
template <class S = double, class Op>
  requires linear_operator<Op, S>
trace_result hutchinson_trace(const Op& op, const trace_options& options = {}) {
  require_at_least<Index>("min_probes", options.min_probes, 2);
  require_at_least<Index>("max_probes", options.max_probes, options.min_probes);
  require_nonnegative("relative_tolerance", options.relative_tolerance);
  require_nonnegative("absolute_tolerance", options.absolute_tolerance);
  random_generator rng(options.seed);
  const Index n = op.rows();
  Vector<S> z(n), Az;
  trace_result r;
  double mean = 0, m2 = 0;  // Welford's running mean and sum of squared deviations
  for (Index m = 1; m <= options.max_probes; ++m) {
    rng.fill_rademacher(z);
    op.apply(z, Az);
    const double sample = static_cast<double>(z.dot(Az));
    if (!std::isfinite(sample)) {
      r.state = status::diverged;
      r.probes = m;
      return r;
    }
    const double delta = sample - mean;
    mean += delta / double(m);
    m2 += delta * (sample - mean);
    r.probes = m;
    r.estimate = mean;
    r.standard_error = m > 1 ? std::sqrt(m2 / double(m - 1) / double(m)) : 0.0;
    if (m >= options.min_probes &&
        r.standard_error <= options.absolute_tolerance + options.relative_tolerance * std::abs(mean)) {
      r.state = status::ok;
      return r;
    }
  }
  r.state = status::not_converged;
  return r;
}

template <class S = double>
struct lanczos_result {
  Vector<S> alpha;  ///< diagonal of T (length m)
  Vector<S> beta;   ///< off-diagonal of T (length m − 1)
  Matrix<S> basis;  ///< n × m orthonormal Q
  Index steps = 0;  ///< m; smaller than requested after an invariant subspace was found
};

/// m Lanczos steps from `start` with full (twice-iterated) Gram–Schmidt reorthogonalisation.
template <class S = double, class Op>
  requires linear_operator<Op, S>
lanczos_result<S> lanczos(const Op& op, const vector_arg<S>& start, Index steps) {
  const Index n = op.rows();
  require_size("start", n, start.size());
  require_finite("start", start);
  require_at_least<Index>("steps", steps, 1);
  const S norm = start.norm();
  require_positive("start.norm()", norm);
  const Index m_max = std::min(steps, n);
  lanczos_result<S> r;
  r.basis.resize(n, m_max);
  r.alpha.resize(m_max);
  r.beta.resize(std::max<Index>(m_max - 1, 0));
  r.basis.col(0) = start / norm;
  Vector<S> w;
  Index m = 0;
  for (; m < m_max; ++m) {
    op.apply(r.basis.col(m), w);
    r.alpha(m) = r.basis.col(m).dot(w);
    for (int pass = 0; pass < 2; ++pass)  // "twice is enough" (Kahan–Parlett)
      w.noalias() -= r.basis.leftCols(m + 1) * (r.basis.leftCols(m + 1).transpose() * w);
    if (m + 1 == m_max) break;
    const S b = w.norm();
    // Breakdown: the Krylov space is invariant; T is exact on it.
    if (!(b > S(64) * std::numeric_limits<S>::epsilon() * std::max(std::abs(r.alpha(m)), S(1)))) break;
    r.beta(m) = b;
    r.basis.col(m + 1) = w / b;
  }
  r.steps = std::min(m + 1, m_max);
  r.alpha.conservativeResize(r.steps);
  r.beta.conservativeResize(r.steps - 1);
  r.basis.conservativeResize(n, r.steps);
  return r;
}

struct density_options {
  Index probes = 10;
  Index lanczos_steps = 80;
  Index grid_points = 512;
  double sigma = 0;  ///< Gaussian broadening; 0 = 1% of the Ritz-value range
  std::uint64_t seed = 1;
};

template <class S = double>
struct density_result {
  Vector<S> grid;     ///< from min θ − 5σ to max θ + 5σ
  Vector<S> density;  ///< ∫ density dt = 1 up to the grid's rectangle rule
  Matrix<S> nodes;    ///< Ritz values θ_j, one column per probe (padded with NaN after breakdown)
  Matrix<S> weights;  ///< τ_j = (first component of the Ritz vector)², each column sums to 1
  S sigma = 0;
  status state = status::ok;
};

/// Stochastic Lanczos quadrature estimate of the spectral density of a symmetric operator.
template <class S = double, class Op>
  requires linear_operator<Op, S>
density_result<S> spectral_density(const Op& op, const density_options& options = {}) {
  require_at_least<Index>("probes", options.probes, 1);
  require_at_least<Index>("lanczos_steps", options.lanczos_steps, 1);
  require_at_least<Index>("grid_points", options.grid_points, 2);
  require_nonnegative("sigma", options.sigma);
  const Index n = op.rows(), m = std::min(options.lanczos_steps, n);
  density_result<S> r;
  r.nodes.setConstant(m, options.probes, std::numeric_limits<S>::quiet_NaN());
  r.weights.setZero(m, options.probes);
  random_generator rng(options.seed);
  Vector<S> z(n);
  for (Index p = 0; p < options.probes; ++p) {
    rng.fill_rademacher(z);
    const lanczos_result<S> lz = lanczos<S>(op, z, m);
    if (!lz.alpha.allFinite() || !lz.beta.allFinite()) {
      r.state = status::diverged;
      return r;
    }
    Eigen::SelfAdjointEigenSolver<Matrix<S>> es;
    es.computeFromTridiagonal(lz.alpha, lz.beta, Eigen::ComputeEigenvectors);
    r.nodes.col(p).head(lz.steps) = es.eigenvalues();
    r.weights.col(p).head(lz.steps) = es.eigenvectors().row(0).transpose().array().square();
  }
  S lo = std::numeric_limits<S>::infinity(), hi = -lo;
  for (Index j = 0; j < r.nodes.size(); ++j)
    if (std::isfinite(r.nodes.data()[j])) {
      lo = std::min(lo, r.nodes.data()[j]);
      hi = std::max(hi, r.nodes.data()[j]);
    }
  r.sigma = options.sigma > 0 ? S(options.sigma) : std::max(S(0.01) * (hi - lo), S(1e-12) * std::max(std::abs(hi), S(1)));
  r.grid = Vector<S>::LinSpaced(options.grid_points, lo - 5 * r.sigma, hi + 5 * r.sigma);
  r.density.setZero(options.grid_points);
  const S norm = S(1) / (r.sigma * std::sqrt(2 * std::numbers::pi_v<S>) * S(options.probes));
  for (Index p = 0; p < options.probes; ++p)
    for (Index j = 0; j < m; ++j) {
      if (!std::isfinite(r.nodes(j, p))) continue;
      r.density += (norm * r.weights(j, p)) *
                   ((r.grid.array() - r.nodes(j, p)) / r.sigma).square().unaryExpr(
                       [](S t) { return std::exp(-t / 2); }).matrix();
    }
  return r;
}

}  // namespace nnt
