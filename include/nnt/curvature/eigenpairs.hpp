// nnt/curvature/eigenpairs.hpp — the k algebraically largest or smallest eigenpairs of a symmetric
// linear_operator known only by v ↦ A v (core/concepts.hpp), by Spectra's implicitly restarted
// Lanczos (SymEigsSolver). "Smallest" is algebraic: negative curvature comes first, never the
// largest magnitude. Residuals ‖Av − λv‖ are recomputed here and checked; status::ok only if they
// pass. The Scalar is the operator's (float, double, long double).
#pragma once

#include "../core/concepts.hpp"
#include "../core/error.hpp"
#include "../core/random.hpp"
#include "../core/status.hpp"
#include "../core/stopping.hpp"
#include "../core/types.hpp"

#include <Spectra/SymEigsSolver.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>

namespace nnt {

/// Presents an nnt linear_operator to Spectra (rows/cols/perform_op) without copying vectors, and
/// counts applications.
template <class Op>
class spectra_operator {
 public:
  using Scalar = operator_scalar_t<Op>;  ///< the operator's Scalar (float, double, long double)
  /// Wraps op by reference: op must outlive this adapter.
  explicit spectra_operator(const Op& op) : op_(op) {}
  /// Dimension n of the operator, op.rows().
  Index rows() const { return op_.rows(); }
  /// Also op.rows(): the operator is square.
  Index cols() const { return op_.rows(); }
  /// y = A x on Spectra's raw buffers of rows() entries.
  void perform_op(const Scalar* x, Scalar* y) const {
    op_.apply(ConstVectorMap<Scalar>(x, rows()), VectorMap<Scalar>(y, rows()));
    ++applications_;
  }
  /// Number of perform_op() calls so far (each is one op.apply()).
  Index applications() const { return applications_; }

 private:
  const Op& op_;
  mutable Index applications_ = 0;
};

/// Options of top_eigenpairs() and bottom_eigenpairs().
struct eigen_options {
  Index ncv = 0;  ///< Lanczos basis size; 0 = min(n, max(2k + 1, 20))
  /// Spectra's test ‖Av − λv‖ < tolerance·max(|λ|, ε^{2/3}) on its Ritz estimates, at most
  /// max_iterations restarts; the recomputed residuals must then pass 10× that (or 100ε·max|λ|).
  solver_stopping stop = {.max_iterations = 1000, .tolerance = 1e-10};
  std::uint64_t seed = 1;  ///< start vector (a stream of its own: random_generator::for_task)
};

/// Eigenpairs from top_eigenpairs() / bottom_eigenpairs(), with their recomputed residuals.
template <class S = double>
struct eigen_result {
  Vector<S> values;  ///< sorted (descending for top, ascending for bottom); the converged ones only
  Matrix<S> vectors;    ///< unit columns, one per value
  Vector<S> residuals;  ///< ‖A v − λ v‖ per pair, recomputed here
  /// ok (Spectra converged and every recomputed residual passed), not_converged (restarts used up
  /// or a residual failed, after a second start vector), diverged (non-finite operator or values).
  nnt::status status = status::not_converged;
  /// tolerance (ok), iteration_limit (restarts used up), residual_check (Spectra converged but a
  /// recomputed residual failed), non_finite.
  nnt::stop_reason stop_reason = stop_reason::none;
  Index operator_applications = 0;  ///< including the residual checks
  Index restarts = 0;  ///< Spectra's restarts, summed over both start vectors when a second ran
};

namespace detail {

// op/σ: Spectra squares norms internally, so an operator of scale 1e200 came back as eigenvalues 0
// with success, and one of scale 1e-200 as a failure. Run it on an O(1) operator, scale back.
template <class Op, class S>
struct scaled_operator {
  using Scalar = S;
  const Op& op;
  S inverse_scale;
  Index rows() const { return op.rows(); }
  void apply(const const_vector_ref<S>& v, vector_ref<S> out) const {
    op.apply(v, out);
    out *= inverse_scale;
  }
};

template <class S, class Op>
eigen_result<S> run_spectra(const Op& op, Index k, Index ncv, const eigen_options& options,
                            Spectra::SortRule rule, std::uint64_t stream) {
  const Index n = op.rows();
  // A stream of its own, so the start vector never coincides with data a caller drew from the
  // same seed (a start vector that is an eigenvector makes Spectra 1.0 report garbage as success).
  auto rng = random_generator::for_task(options.seed, stream);
  Vector<S> start(n);
  rng.fill_normal(start);
  eigen_result<S> result;
  result.vectors.resize(n, 0);
  // The scale σ = ‖A s‖/‖s‖ of a random s: between the smallest and largest |λ|, and for a random
  // s close to the largest (an O(1) operator is all Spectra needs). 0 (A s = 0) or a σ whose
  // inverse overflows leaves the operator as it is.
  Vector<S> As(n);
  op.apply(start, As);
  S sigma = As.stableNorm() / start.stableNorm();
  if (!std::isfinite(double(sigma))) {
    result.operator_applications = 1;
    result.status = status::diverged;
    result.stop_reason = stop_reason::non_finite;
    return result;
  }
  if (!(sigma > 0) || !std::isfinite(double(S(1) / sigma))) sigma = S(1);
  const scaled_operator<Op, S> normalised{op, S(1) / sigma};
  spectra_operator<scaled_operator<Op, S>> adapted(normalised);
  Spectra::SymEigsSolver<spectra_operator<scaled_operator<Op, S>>> solver(adapted, k, ncv);
  solver.init(start.data());
  // A non-finite operator (the Hessian of a diverged run) makes Spectra's inner eigensolver throw.
  bool threw = false;
  try {
    solver.compute(rule, options.stop.max_iterations, S(options.stop.tolerance), rule);
  } catch (const std::runtime_error&) {
    threw = true;
  }
  result.operator_applications = 1 + adapted.applications();
  if (threw) {
    result.status = status::diverged;
    result.stop_reason = stop_reason::non_finite;
    return result;
  }
  result.restarts = solver.num_iterations();
  const bool converged = solver.info() == Spectra::CompInfo::Successful;
  // the converged ones (fewer than k when not converged), back on the operator's scale
  result.values = sigma * solver.eigenvalues();
  result.vectors = solver.eigenvectors();
  result.residuals.resize(result.values.size());
  Vector<S> Av(n);
  for (Index j = 0; j < result.values.size(); ++j) {
    op.apply(result.vectors.col(j), Av);
    // stableNorm: norm() overflows to inf for residual entries ≳ 1e154 (an operator of that scale)
    result.residuals(j) = (Av - result.values(j) * result.vectors.col(j)).stableNorm();
  }
  result.operator_applications += result.values.size();
  const S eps = std::numeric_limits<S>::epsilon();
  const S scale = result.values.size() ? S(result.values.cwiseAbs().maxCoeff()) : S(0);
  bool residuals_ok = true;
  for (Index j = 0; j < result.values.size(); ++j) {
    const S allowed = std::max(S(10 * options.stop.tolerance) *
                                   std::max(std::abs(result.values(j)), std::pow(eps, S(2) / 3)),
                               S(100) * eps * scale);
    if (!(result.residuals(j) <= allowed)) residuals_ok = false;
  }
  if (!result.values.allFinite() || !result.residuals.allFinite()) {
    result.status = status::diverged;
    result.stop_reason = stop_reason::non_finite;
  } else if (!converged || !residuals_ok) {
    result.status = status::not_converged;
    result.stop_reason = converged ? stop_reason::residual_check : stop_reason::iteration_limit;
  } else {
    result.status = status::ok;
    result.stop_reason = stop_reason::tolerance;
  }
  return result;
}

template <class Op>
auto extreme_eigenpairs(const Op& op, Index k, const eigen_options& options,
                        Spectra::SortRule rule) {
  using S = operator_scalar_t<Op>;
  const Index n = op.rows();
  if (n < 2) throw_invalid_argument("op.rows()", "at least 2", std::to_string(n));
  if (k < 1 || k > n - 1)
    throw_invalid_argument("k", "a count in [1, " + std::to_string(n - 1) + "]", std::to_string(k));
  const Index ncv = options.ncv > 0 ? options.ncv : std::min(n, std::max<Index>(2 * k + 1, 20));
  if (ncv <= k || ncv > n)
    throw_invalid_argument("ncv",
                           "a value in [" + std::to_string(k + 1) + ", " + std::to_string(n) + "]",
                           std::to_string(ncv));
  require_stopping(options.stop);
  require_positive("stop.tolerance", options.stop.tolerance);
  require_allocation("ncv (the Lanczos basis has n × ncv entries)", checked_product("ncv", n, ncv),
                     sizeof(S));
  eigen_result<S> result;
  Index applications = 0, restarts = 0;
  // A second start vector is tried when the first run's residuals fail the check.
  for (std::uint64_t attempt = 0; attempt < 2; ++attempt) {
    result = run_spectra<S>(op, k, ncv, options, rule, 0x5eed + attempt);
    applications += result.operator_applications;
    restarts += result.restarts;
    if (result.status != status::not_converged || result.values.size() == 0) break;
  }
  result.operator_applications = applications;
  result.restarts = restarts;
  return result;
}

}  // namespace detail

/// The k algebraically largest eigenpairs of a symmetric operator, descending.
template <class Op>
requires linear_operator<Op> eigen_result<operator_scalar_t<Op>> top_eigenpairs(
    const Op& op, Index k, const eigen_options& options = {}) {
  return detail::extreme_eigenpairs(op, k, options, Spectra::SortRule::LargestAlge);
}

/// The k algebraically smallest eigenpairs of a symmetric operator, ascending.
template <class Op>
requires linear_operator<Op> eigen_result<operator_scalar_t<Op>> bottom_eigenpairs(
    const Op& op, Index k, const eigen_options& options = {}) {
  return detail::extreme_eigenpairs(op, k, options, Spectra::SortRule::SmallestAlge);
}

}  // namespace nnt
