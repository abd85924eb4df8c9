// nnt/kernels/large_scale.hpp — kernel ridge regression without an N × N matrix: the coefficients
// α = (K + λI)⁻¹ Yᵀ by conjugate gradients on the matrix-free kernel_operator (core/
// conjugate_gradient.hpp), preconditioned with the Nyström preconditioner of a rank-k RPCholesky
// factor of K (kernels/partial_cholesky.hpp; the iteration count depends on the spectrum of K
// beyond its k-th eigenvalue, not on N), predictions αᵀ K(X, X*) through kernel_cross_operator,
// and GP posterior variances k(x*, x*) − k*ᵀ(K + λI)⁻¹k* by PCG solves with the columns k* as
// right-hand sides (the fit's preconditioner reused). Memory O(N·(k + d + r)). Y is k_out × N as
// in kernels/regression.hpp.
#pragma once

#include "../core/conjugate_gradient.hpp"
#include "../core/error.hpp"
#include "../core/status.hpp"
#include "../core/types.hpp"
#include "kernel_operator.hpp"
#include "partial_cholesky.hpp"

#include <algorithm>
#include <concepts>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <vector>

namespace nnt {

/// Options of kernel_ridge_pcg().
struct kernel_ridge_pcg_options {
  double ridge = 0;       ///< λ > 0 (the system K + λI)
  bool relative = false;  ///< λ is relative to tr(K)/N
  /// k of the RPCholesky preconditioner, ≤ N; 0: plain CG; −1 (default): min(500, N)
  Index preconditioner_rank = -1;
  std::uint64_t seed = 0;       ///< RPCholesky's sampling stream
  double tolerance = 1e-8;      ///< per column ‖Yᵀ − (K + λI)α‖ ≤ tolerance·‖Yᵀ‖
  Index max_iterations = 1000;  ///< operator products at most
};

/// A kernel ridge regressor fitted by kernel_ridge_pcg().
template <class S = double>
struct kernel_ridge_pcg_model {
  Matrix<S> alpha;                     ///< (K + λI)⁻¹ Yᵀ, N × k_out
  S ridge = 0;                         ///< λ used (absolute)
  partial_cholesky<S> preconditioner;  ///< the RPCholesky factor (reusable: pass it back in)
  Vector<S> relative_residual;         ///< per output, recomputed from the operator
  std::vector<S> residual_history;     ///< max relative residual before/after each iteration
  Index iterations = 0;  ///< CG iterations (operator products with the active columns)
  /// ok; not_converged (the residuals say how far it got); singular (K + λI not positive definite
  /// numerically); diverged (non-finite values); overflow (the operator's variances overflowed).
  nnt::status status = status::ok;
  nnt::stop_reason stop_reason = stop_reason::none;  ///< from the CG run
};

/// Kernel matrices kernel_ridge_pcg() solves with: symmetric PSD N × N operators with block
/// products apply(V, out), the diagonal, trace and columns (for RPCholesky) and a status —
/// kernel_operator, and distributed_kernel_operator (nnt/distributed/kernel_operator.hpp).
template <class K>
concept kernel_matrix_operator = kernel_column_source<K> &&
    requires(const K& k, const const_matrix_ref<typename K::Scalar>& v,
             matrix_ref<typename K::Scalar> out) {
  k.apply(v, out);
  { k.trace() } -> std::convertible_to<typename K::Scalar>;
  { k.status() } -> std::convertible_to<nnt::status>;
};

/// Test-by-training kernel operators kernel_ridge_predict() multiplies with: rows() = M test
/// inputs, cols() = N training inputs, apply(V, out) for V N × r — kernel_cross_operator, and
/// distributed_kernel_cross_operator.
template <class K>
concept kernel_cross_matrix_operator = requires(const K& k,
                                                const const_matrix_ref<typename K::Scalar>& v,
                                                matrix_ref<typename K::Scalar> out) {
  { k.rows() } -> std::convertible_to<Index>;
  { k.cols() } -> std::convertible_to<Index>;
  k.apply(v, out);
};

namespace detail {
// K + λI as a block operator.
template <class Op, class S = typename Op::Scalar>
struct shifted_kernel {
  static constexpr bool block_products = true;
  const Op* K;
  S ridge;
  Index rows() const { return K->rows(); }
  void apply(const const_matrix_ref<S>& V, matrix_ref<S> out) const {
    K->apply(V, out);
    out += ridge * V;
  }
};
}  // namespace detail

/// Fits α = (K + λI)⁻¹ Yᵀ by preconditioned CG on the kernel operator K (Y: k_out × N). A factor
/// from an earlier fit on the same operator may be passed to skip RPCholesky (its rank wins).
/// With a distributed_kernel_operator every rank runs the same iteration on replicated vectors
/// and the operator's products are the only communication (one MPI_Allreduce each).
template <kernel_matrix_operator Op, class DY, class S = typename Op::Scalar>
kernel_ridge_pcg_model<S> kernel_ridge_pcg(const Op& K, const Eigen::MatrixBase<DY>& Y,
                                           const kernel_ridge_pcg_options& options,
                                           const partial_cholesky<S>* factor = nullptr) {
  const Index n = K.rows();
  // An operator spread over processes (distributed_kernel_operator) has every rank run this same
  // iteration: its Y and options must agree, or the ranks' products would not meet.
  if constexpr (requires { K.require_same("tolerance", options.tolerance); }) {
    const Matrix<S> y = Y.template cast<S>();
    K.require_replicated("Y", const_matrix_ref<S>(y));
    K.require_same("ridge", options.ridge);
    K.require_same("relative", options.relative);
    K.require_same("preconditioner_rank", options.preconditioner_rank);
    K.require_same("seed", options.seed);
    K.require_same("tolerance", options.tolerance);
    K.require_same("max_iterations", options.max_iterations);
    K.require_same("factor", factor != nullptr);
  }
  require_cols("Y", n, Y.cols());
  require_at_least<Index>("Y.rows()", Y.rows(), 1);
  require_finite("Y", Y);
  require_finite("ridge", options.ridge);
  require_positive("ridge", options.ridge);
  if (!factor)
    require_in_range<Index, Index>("preconditioner_rank", options.preconditioner_rank, -1, n);
  const Index rank =
      options.preconditioner_rank < 0 ? std::min<Index>(500, n) : options.preconditioner_rank;
  if (factor) {
    require_rows("factor.factor", n, factor->factor.rows());
    if (factor->status != status::ok)
      throw_invalid_argument("factor", "a factor with status ok",
                             std::string(to_string(factor->status)));
  }
  kernel_ridge_pcg_model<S> m;
  if (K.status() != status::ok) {
    m.status = K.status();
    return m;
  }
  m.ridge = detail::absolute_ridge(options.ridge, options.relative, K.trace(), n);
  const cg_options cg{options.tolerance, options.max_iterations};
  const detail::shifted_kernel<Op> A{&K, m.ridge};
  const Matrix<S> B = Y.transpose();
  cg_result<S> r;
  if (factor || rank > 0) {
    if (factor)
      m.preconditioner = *factor;
    else
      m.preconditioner = rp_cholesky(K, {.rank = rank, .seed = options.seed});
    if (m.preconditioner.status != status::ok) {
      m.status = m.preconditioner.status;
      m.stop_reason = m.preconditioner.stop_reason;
      return m;
    }
    const nystrom_preconditioner<S> P(m.preconditioner.factor, m.ridge);
    r = preconditioned_cg(A, B, P, cg);
  } else {
    r = preconditioned_cg(A, B, identity_preconditioner<S>{}, cg);
  }
  m.alpha = std::move(r.solution);
  m.relative_residual = std::move(r.relative_residual);
  m.residual_history = std::move(r.residual_history);
  m.iterations = r.iterations;
  m.status = r.status;
  m.stop_reason = r.stop_reason;
  return m;
}

/// Predictions αᵀ K(X, X*) (k_out × M) of a fitted model at the test inputs of K_test_train =
/// kernel_cross_operator(net, X*, X) (M × N, the same net and kernel as the fit).
template <class S, kernel_cross_matrix_operator Cross>
requires std::same_as<typename Cross::Scalar, S> Matrix<S> kernel_ridge_predict(
    const kernel_ridge_pcg_model<S>& model, const Cross& K_test_train) {
  if (model.status != status::ok)
    throw_invalid_argument("model", "a fitted model (status ok)",
                           std::string(to_string(model.status)));
  require_size("K_test_train.cols()", model.alpha.rows(), K_test_train.cols());
  Matrix<S> out(K_test_train.rows(), model.alpha.cols());
  K_test_train.apply(const_matrix_ref<S>(model.alpha), matrix_ref<S>(out));
  return out.transpose();
}

/// Options of kernel_ridge_pcg_variance().
struct kernel_ridge_variance_options {
  double tolerance = 1e-8;  ///< per test input ‖k* − (K + λI)z‖ ≤ tolerance·‖k*‖, in (0, 1)
  Index max_iterations = 1000;  ///< operator products per block of test inputs, ≥ 1
  Index block = 64;  ///< test inputs solved together (right-hand sides of one PCG), ≥ 1
};

/// GP posterior variances from kernel_ridge_pcg_variance().
template <class S = double>
struct kernel_ridge_variance {
  /// k(x*, x*) − k*ᵀ(K + λI)⁻¹k* per test input (M), clamped at 0 (the noise λ is not added, as in
  /// gp_posterior_predict). With z from PCG, |error| ≤ ‖z‖·‖r‖ ≤ tolerance·‖k*‖²/λ.
  Vector<S> variance;
  Vector<S> relative_residual;  ///< ‖k* − (K + λI)z‖ / ‖k*‖ per test input
  Index iterations = 0;         ///< PCG iterations, summed over the blocks
  /// ok, or the first non-ok status of a block's PCG (not_converged, singular, diverged) or of
  /// the operators (overflow); variances of blocks that did not converge are still reported.
  nnt::status status = status::ok;
};

/// GP posterior variance at test inputs X* of a model fitted by kernel_ridge_pcg() on K:
/// K_train_test = kernel_cross_operator(net, X, X*) (N × M, the same net and kernel as K). Each
/// block of test inputs is one PCG with the columns k* = K(X, x*) as right-hand sides and the
/// model's preconditioner.
template <kernel_matrix_operator Op, class S = typename Op::Scalar>
kernel_ridge_variance<S> kernel_ridge_pcg_variance(
    const Op& K, const kernel_ridge_pcg_model<S>& model,
    const kernel_cross_operator<S>& K_train_test,
    const kernel_ridge_variance_options& options = {}) {
  if (model.status != status::ok)
    throw_invalid_argument("model", "a fitted model (status ok)",
                           std::string(to_string(model.status)));
  require_rows("model.alpha", K.rows(), model.alpha.rows());
  require_rows("K_train_test", K.rows(), K_train_test.rows());
  require_in_range<Index, Index>("block", options.block, 1, 1 << 20);
  const cg_options cg{options.tolerance, options.max_iterations};
  detail::require_cg_options(cg);  // here too: no test inputs means no PCG to check them
  const Index m = K_train_test.cols();
  kernel_ridge_variance<S> v;
  v.variance.resize(m);
  v.relative_residual.resize(m);
  if (K.status() != status::ok || K_train_test.status() != status::ok) {
    v.status = K.status() != status::ok ? K.status() : K_train_test.status();
    v.variance.setConstant(std::numeric_limits<S>::quiet_NaN());
    v.relative_residual.setConstant(std::numeric_limits<S>::quiet_NaN());
    return v;
  }
  const Vector<S> prior = K_train_test.column_diagonal();
  const detail::shifted_kernel<Op> A{&K, model.ridge};
  std::optional<nystrom_preconditioner<S>> P;  // its SVD once, for every block
  if (model.preconditioner.factor.cols() > 0) P.emplace(model.preconditioner.factor, model.ridge);
  for (Index j0 = 0; j0 < m; j0 += options.block) {
    const Index jn = std::min(options.block, m - j0);
    std::vector<Index> idx(static_cast<std::size_t>(jn));
    for (Index j = 0; j < jn; ++j) idx[std::size_t(j)] = j0 + j;
    const Matrix<S> k_star = K_train_test.columns(idx);  // N × jn
    const cg_result<S> r = P ? preconditioned_cg(A, k_star, *P, cg)
                             : preconditioned_cg(A, k_star, identity_preconditioner<S>{}, cg);
    v.iterations += r.iterations;
    if (v.status == status::ok) v.status = r.status;
    v.relative_residual.segment(j0, jn) = r.relative_residual;
    v.variance.segment(j0, jn) =
        (prior.segment(j0, jn) - k_star.cwiseProduct(r.solution).colwise().sum().transpose())
            .cwiseMax(S(0));
  }
  return v;
}

}  // namespace nnt
