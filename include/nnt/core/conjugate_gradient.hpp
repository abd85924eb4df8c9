// nnt/core/conjugate_gradient.hpp — preconditioned conjugate gradients for A X = B with several
// right-hand sides (Hestenes–Stiefel with a preconditioner P ≈ A; Saad, "Iterative Methods for
// Sparse Linear Systems", alg. 9.1), A symmetric positive definite given as an operator. Each
// column runs its own CG (own α, β); the columns still iterating share one operator product per
// iteration, which is what matrix-free operators (kernels/kernel_operator.hpp) want. A column
// stops when ‖b − A x‖ ≤ tolerance·‖b‖; at the end (and whenever the recurrence says so) the
// residual is recomputed from A, and CG restarts from the true residual if rounding has made the
// two differ (residual replacement), so the reported residual is the true one.
#pragma once

#include "error.hpp"
#include "status.hpp"
#include "types.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

namespace nnt {

/// Operators with products on blocks of vectors: Op::block_products is true and op.apply(V, out)
/// takes N × r blocks (kernels/kernel_operator.hpp); any other linear_operator is applied column by
/// column.
template <class Op, class S>
concept block_operator_of = Op::block_products &&
    requires(const Op& op, const const_matrix_ref<S>& V, matrix_ref<S> out) {
  { op.rows() } -> std::convertible_to<Index>;
  op.apply(V, out);
};

/// The preconditioner P = I (plain conjugate gradients).
template <class S = double>
struct identity_preconditioner {
  using Scalar = S;                             ///< element type
  static constexpr bool block_products = true;  ///< apply() takes N × r blocks
  /// Z = R.
  void apply(const const_matrix_ref<S>& R, matrix_ref<S> Z) const { Z = R; }
};

/// Options of preconditioned_cg().
struct cg_options {
  double tolerance = 1e-8;  ///< stop a column at ‖b − A x‖ ≤ tolerance·‖b‖, in (0, 1)
  Index max_iterations = 1000;  ///< operator products at most (restarts included; one more
                                ///< recomputes the final residual), ≥ 1
};

/// The outcome of preconditioned_cg().
template <class S = double>
struct cg_result {
  Matrix<S> solution;           ///< X, N × r
  Vector<S> relative_residual;  ///< ‖b − A x‖ / ‖b‖ per column, recomputed from A at the end
  std::vector<S> residual_history;  ///< max over columns of the recurrence's relative residual,
                                    ///< before the first and after every iteration
  Index iterations = 0;  ///< iterations (one product with the columns still running each)
  Index restarts = 0;    ///< residual replacements (the true residual was above tolerance)
  /// ok: every column met the tolerance; not_converged: max_iterations ran out (the residuals
  /// say how far it got); singular: pᵀAp ≤ 0 (A is not positive definite, or P is not);
  /// diverged: a NaN or infinity appeared.
  nnt::status status = status::ok;
  nnt::stop_reason stop_reason = stop_reason::none;  ///< tolerance, iteration_limit, non_finite
};

namespace detail {
inline void require_cg_options(const cg_options& options) {
  require_finite("tolerance", options.tolerance);
  if (!(options.tolerance > 0 && options.tolerance < 1))
    throw_invalid_argument("tolerance", "a value in (0, 1)", format_value(options.tolerance));
  require_at_least<Index>("max_iterations", options.max_iterations, 1);
}

template <class S, class Op, class DB>
void apply_block(const Op& op, const DB& V, Matrix<S>& out) {
  out.resize(V.rows(), V.cols());
  if constexpr (block_operator_of<Op, S>) {
    op.apply(const_matrix_ref<S>(V), matrix_ref<S>(out));
  } else {
    for (Index c = 0; c < V.cols(); ++c) {
      const Vector<S> v = V.col(c);
      Vector<S> o(V.rows());
      op.apply(const_vector_ref<S>(v), vector_ref<S>(o));
      out.col(c) = o;
    }
  }
}
}  // namespace detail

/// Solves A X = B (B: N × r) by conjugate gradients preconditioned with P (P.apply(R, Z): Z ≈ A⁻¹R,
/// symmetric positive definite), from X = 0. A is a linear_operator or a block operator.
template <class Op, class DB, class Pre, class S = typename DB::Scalar>
cg_result<S> preconditioned_cg(const Op& A, const Eigen::MatrixBase<DB>& B, const Pre& P,
                               const cg_options& options = {}) {
  const Index n = A.rows(), r = B.cols();
  require_rows("B", n, B.rows());
  require_at_least<Index>("B.cols()", r, 1);
  require_finite("B", B);
  detail::require_cg_options(options);

  cg_result<S> res;
  res.solution = Matrix<S>::Zero(n, r);
  res.relative_residual = Vector<S>::Zero(r);
  // stableNorm: a residual of entries near 1e300 has a finite norm (norm() squares to inf).
  Vector<S> bnorm(r);
  for (Index c = 0; c < r; ++c) bnorm(c) = B.col(c).stableNorm();
  const S tol = S(options.tolerance);
  Matrix<S>& X = res.solution;
  Matrix<S> R = B, Q;
  auto relative = [&](Index c, S norm) { return bnorm(c) > 0 ? norm / bnorm(c) : S(0); };
  auto true_residual = [&]() {  // R = B − A X; returns whether every column meets the tolerance
    detail::apply_block<S>(A, X, Q);
    R = B - Q;
    bool all = true;
    for (Index c = 0; c < r; ++c) {
      res.relative_residual(c) = relative(c, R.col(c).stableNorm());
      all = all && res.relative_residual(c) <= tol;
    }
    return all;
  };
  Index products = 0;
  bool first = true;
  while (true) {
    // (Re)start: p = z = P⁻¹ r on the columns above tolerance.
    if (!first) {
      ++products;
      if (true_residual()) break;
      if (!res.relative_residual.allFinite()) {
        res.status = status::diverged;
        res.stop_reason = stop_reason::non_finite;
        return res;  // the residual just recomputed is the one reported
      }
      ++res.restarts;
    }
    std::vector<Index> cols;
    S worst = 0;
    for (Index c = 0; c < r; ++c) {
      const S rel = relative(c, R.col(c).stableNorm());
      worst = std::max(worst, rel);
      if (!(rel <= tol)) cols.push_back(c);
    }
    if (first) res.residual_history.push_back(worst);
    first = false;
    if (cols.empty()) break;
    if (products >= options.max_iterations) {
      res.status = status::not_converged;
      res.stop_reason = stop_reason::iteration_limit;
      break;
    }
    Matrix<S> Ra = R(Eigen::all, cols), Za(n, Index(cols.size()));
    P.apply(const_matrix_ref<S>(Ra), matrix_ref<S>(Za));
    Matrix<S> Pa = Za;
    Vector<S> rz = (Ra.cwiseProduct(Za)).colwise().sum().transpose();
    bool stop = false;
    while (!cols.empty()) {
      if (products >= options.max_iterations) {
        res.status = status::not_converged;
        res.stop_reason = stop_reason::iteration_limit;
        stop = true;
        break;
      }
      detail::apply_block<S>(A, Pa, Q);
      ++products;
      ++res.iterations;
      const Vector<S> pq = (Pa.cwiseProduct(Q)).colwise().sum().transpose();
      if (!pq.allFinite() || !rz.allFinite()) {
        res.status = status::diverged;
        res.stop_reason = stop_reason::non_finite;
        stop = true;
        break;
      }
      if (!(pq.minCoeff() > 0) || !(rz.minCoeff() > 0)) {
        res.status = status::singular;
        stop = true;
        break;
      }
      const Vector<S> alpha = rz.cwiseQuotient(pq);
      S worst = 0;
      std::vector<Index> keep;
      for (Index a = 0; a < Index(cols.size()); ++a) {
        const Index c = cols[std::size_t(a)];
        X.col(c) += alpha(a) * Pa.col(a);
        Ra.col(a) -= alpha(a) * Q.col(a);
        const S rel = relative(c, Ra.col(a).stableNorm());
        worst = std::max(worst, rel);
        if (!(rel <= tol)) keep.push_back(a);  // NaN keeps it (and stops the run below)
      }
      for (Index a = 0; a < Index(cols.size()); ++a) R.col(cols[std::size_t(a)]) = Ra.col(a);
      res.residual_history.push_back(worst);
      if (keep.size() != cols.size()) {  // drop the columns that met the tolerance
        std::vector<Index> next;
        for (Index a : keep) next.push_back(cols[std::size_t(a)]);
        const Matrix<S> Rk = Ra(Eigen::all, keep), Pk = Pa(Eigen::all, keep);
        const Vector<S> rzk = rz(keep);
        Ra = Rk;
        Pa = Pk;
        rz = rzk;
        cols = std::move(next);
        if (cols.empty()) break;
      }
      Za.resize(n, Index(cols.size()));
      P.apply(const_matrix_ref<S>(Ra), matrix_ref<S>(Za));
      const Vector<S> rz_next = (Ra.cwiseProduct(Za)).colwise().sum().transpose();
      const Vector<S> beta = rz_next.cwiseQuotient(rz);
      Pa = Za + Pa * beta.asDiagonal();
      rz = rz_next;
    }
    if (stop) break;
  }
  if (res.status != status::ok) true_residual();  // report the true residual of what we have
  if (res.status == status::ok) res.stop_reason = stop_reason::tolerance;
  if (!X.allFinite()) {
    res.status = status::diverged;
    res.stop_reason = stop_reason::non_finite;
  }
  return res;
}

/// Plain conjugate gradients (P = I) for A X = B.
template <class Op, class DB, class S = typename DB::Scalar>
cg_result<S> conjugate_gradient(const Op& A, const Eigen::MatrixBase<DB>& B,
                                const cg_options& options = {}) {
  return preconditioned_cg(A, B, identity_preconditioner<S>{}, options);
}

}  // namespace nnt
