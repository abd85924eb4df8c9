// nnt/kernels/regression.hpp — kernel regression with given Gram matrices (COURSE.md N4, N6); Y is
// k × N (outputs × examples), Grams N × N (symmetric), cross matrices N × M = K(X, X*):
//   kernel ridge / GP posterior  f* = Y (K + λI)⁻¹ K(X, X*), var = k(x*, x*) − k*ᵀ(K + λI)⁻¹k*, by
//     one Cholesky factorisation, with jitter 1e-12…1e-6·tr(K)/N added (and reported) if it fails,
//     else status::singular;  rkhs_norm_squared: yᵀK⁻¹y of the minimum-norm interpolant;
//   infinite_width_training  gradient flow / descent of an infinite-width net on ½‖f − y‖², f₀ = 0
//     (Jacot et al. 2018; Lee et al. 2019): mean Θ*Θ⁻¹(I − e^{−ηΘt})Y and, with the NNGP blocks,
//     the NTK-GP covariance K** + TKTᵀ − (TK*ᵀ + K*Tᵀ), T = Θ*Θ⁻¹(I − e^{−ηΘt}), from Θ = UΛUᵀ
//     (Θ⁻¹(I − e^{−ηΘt}) = U diag((1 − e^{−ηλt})/λ) Uᵀ, whose λ → 0 limit ηt needs no inverse).
#pragma once

#include "../core/detail/thread_stable_product.hpp"
#include "../core/error.hpp"
#include "../core/status.hpp"
#include "../core/types.hpp"

#include <Eigen/Cholesky>
#include <Eigen/Eigenvalues>

#include <cmath>
#include <limits>
#include <string>
#include <type_traits>

namespace nnt {

/// The ridge λ of kernel_ridge_fit(), gp_posterior_predict(): K + λI is factored by Cholesky.
struct ridge_options {
  double ridge = 0.0;        ///< λ ≥ 0
  bool relative = false;     ///< λ is relative to tr(K)/N
  bool allow_jitter = true;  ///< add jitter if the factorisation fails
};

/// A fitted kernel ridge regressor (or GP posterior).
template <class S = double>
struct kernel_ridge_model {
  Eigen::LLT<Matrix<S>> factor;  ///< of K + (λ + jitter) I
  Matrix<S> alpha;  ///< (K + λI)⁻¹ Yᵀ: N × k (representer coefficients); empty unless ok
  S ridge = 0;      ///< λ actually used (absolute)
  S jitter = 0;     ///< added on top of λ to make the factorisation succeed
  nnt::status status =
      status::ok;  ///< singular when K + λI is not positive definite even with jitter
};

namespace detail {

/// "K: expected a symmetric matrix, got |K(0, 1) − K(1, 0)| = 0.5": every Gram is read as
/// symmetric.
template <class S>
void require_gram(std::string_view name, const const_matrix_ref<S>& K) {
  require_at_least<Index>(std::string(name) + ".rows()", K.rows(), 1);
  require_shape(name, K.rows(), K.rows(), K);
  require_finite(name, K);
  const S scale = K.cwiseAbs().maxCoeff(),
          allowed = S(64) * std::numeric_limits<S>::epsilon() * scale;
  for (Index j = 0; j < K.cols(); ++j)
    for (Index i = 0; i < j; ++i)
      if (!(std::abs(K(i, j) - K(j, i)) <= allowed)) {
        // Built with append: `"|" + std::string(name)` trips GCC 12's -Wstringop-overflow false
        // positive (GCC bug 105651) under -O2 -Werror.
        std::string got(1, '|');
        got.append(name)
            .append("(")
            .append(std::to_string(i))
            .append(", ")
            .append(std::to_string(j))
            .append(") − ");
        got.append(name)
            .append("(")
            .append(std::to_string(j))
            .append(", ")
            .append(std::to_string(i))
            .append(")| = ");
        got.append(format_value(std::abs(K(i, j) - K(j, i))));
        throw_invalid_argument(name, "a symmetric matrix", got);
      }
}

// The jitter policy of a failed Cholesky of K + λI, shared by ridge_fit and
// distributed_kernel_ridge: jitter first…last (×10 per retry) relative to the mean diagonal
// tr(K)/N (or 1 when that is not positive).
template <class S>
struct jitter_ladder {
  S first, last;
  explicit jitter_ladder(S mean_diagonal)
      : first(S(1e-12) * (mean_diagonal > 0 ? mean_diagonal : S(1))),
        last(S(1e-6) * (mean_diagonal > 0 ? mean_diagonal : S(1))) {}
};

// A factor whose squared pivots (L's diagonal squared) all exceed ε·max is usable; a positive but
// tiny pivot makes the solve meaningless.
template <class S, class D>
bool usable_pivots(const Eigen::MatrixBase<D>& pivots) {
  const auto p = pivots.cwiseAbs2();
  return p.minCoeff() > std::numeric_limits<S>::epsilon() * p.maxCoeff();
}

template <class S>
kernel_ridge_model<S> ridge_fit(const const_matrix_ref<S>& K, const const_matrix_ref<S>& Y,
                                const ridge_options& o) {
  require_gram<S>("K", K);
  require_cols("Y", K.rows(), Y.cols());
  require_finite("Y", Y);
  require_finite("ridge", o.ridge);
  require_nonnegative("ridge", o.ridge);
  const Index N = K.rows();
  const S scale = K.trace() / S(N);
  kernel_ridge_model<S> m;
  m.ridge = S(o.ridge) * (o.relative ? scale : S(1));
  Matrix<S> A = K;
  A.diagonal().array() += m.ridge;
  m.factor.compute(A);
  const jitter_ladder<S> ladder(scale);
  S jitter = ladder.first;
  const S max_jitter = ladder.last;
  // LLT reports NumericalIssue on a non-positive pivot; a positive but tiny one is caught by the
  // pivot ratio test.
  auto ok = [&] {
    return m.factor.info() == Eigen::Success && usable_pivots<S>(m.factor.matrixLLT().diagonal());
  };
  while (!ok() && o.allow_jitter && jitter <= max_jitter) {
    m.jitter = jitter;
    A = K;
    A.diagonal().array() += m.ridge + jitter;
    m.factor.compute(A);
    jitter *= 10;
  }
  if (!ok()) {
    m.status = status::singular;
    return m;
  }
  m.alpha = m.factor.solve(Y.transpose());
  return m;
}

}  // namespace detail

/// Fits f*(x) = Σ_a α_a k(x, x_a) with α = (K + λI)⁻¹ Yᵀ.
template <class DK, class DY, class S = typename DK::Scalar>
kernel_ridge_model<S> kernel_ridge_fit(const Eigen::MatrixBase<DK>& K,
                                       const Eigen::MatrixBase<DY>& Y,
                                       const ridge_options& options = {}) {
  return detail::ridge_fit<S>(K.derived(), Y.derived(), options);
}

/// Predictions Y (K + λI)⁻¹ K(X, X*): k × M. The model must be fitted (status ok).
template <class S, class DC>
Matrix<S> kernel_ridge_predict(const kernel_ridge_model<S>& m,
                               const Eigen::MatrixBase<DC>& K_cross) {
  if (m.status != status::ok)
    throw_invalid_argument("model", "a fitted model (status ok)", std::string(to_string(m.status)));
  require_rows("K_cross", m.alpha.rows(), K_cross.rows());
  require_finite("K_cross", K_cross);
  // αᵀ K(X, X*) through the shape-only partition: the same bits on every thread count.
  Matrix<S> out;
  detail::thread_stable_product(out, m.alpha.transpose(), K_cross.derived(), S(1));
  return out;
}

/// GP posterior mean (k × M) and variance (M) with noise variance λ = options.ridge.
template <class S = double>
struct gp_posterior {
  Matrix<S> mean;  ///< Y (K + λI)⁻¹ K(X, X*): k × M
  /// k(x*, x*) − k*ᵀ(K + λI)⁻¹k* per test point (M), clamped at 0; the noise λ is not added.
  Vector<S> variance;
  S jitter = 0;  ///< added on top of λ to make the factorisation succeed (0 if not needed)
  nnt::status status = status::ok;  ///< singular: no predictions (mean and variance empty)
};

/// The GP posterior at M test points from K (N × N), K(X, X*) (N × M), k(x*, x*) (M) and Y (k × N).
template <class DK, class DC, class DD, class DY, class S = typename DK::Scalar>
gp_posterior<S> gp_posterior_predict(const Eigen::MatrixBase<DK>& K,
                                     const Eigen::MatrixBase<DC>& K_cross,
                                     const Eigen::MatrixBase<DD>& K_test_diagonal,
                                     const Eigen::MatrixBase<DY>& Y,
                                     const ridge_options& options = {}) {
  require_rows("K_cross", K.rows(), K_cross.rows());
  require_finite("K_cross", K_cross);
  require_size("K_test_diagonal", K_cross.cols(), K_test_diagonal.size());
  require_finite("K_test_diagonal", K_test_diagonal);
  const auto m = detail::ridge_fit<S>(K.derived(), Y.derived(), options);
  gp_posterior<S> g;
  g.jitter = m.jitter;
  g.status = m.status;
  if (m.status != status::ok) return g;
  g.mean = kernel_ridge_predict(m, K_cross);
  const Matrix<S> V = m.factor.matrixL().solve(K_cross.derived());  // L⁻¹ k*
  g.variance = (K_test_diagonal.derived() - V.colwise().squaredNorm().transpose()).cwiseMax(S(0));
  return g;
}

/// The outcome of rkhs_norm_squared(): the value and how K was factored.
template <class S = double>
struct rkhs_norm_result {
  S value = 0;                      ///< yᵀK⁻¹y (NaN unless ok)
  S jitter = 0;                     ///< added to K's diagonal to factor it
  nnt::status status = status::ok;  ///< singular when K is not positive definite even with jitter
};

/// The RKHS norm² yᵀK⁻¹y of the minimum-norm interpolant of y (N values).
template <class DK, class DY, class S = typename DK::Scalar>
rkhs_norm_result<S> rkhs_norm_squared(const Eigen::MatrixBase<DK>& K,
                                      const Eigen::MatrixBase<DY>& y) {
  require_size("y", K.rows(), y.size());
  const Matrix<S> Y = y.derived().transpose();
  const auto m = detail::ridge_fit<S>(K.derived(), Y, ridge_options{});
  rkhs_norm_result<S> r{std::numeric_limits<S>::quiet_NaN(), m.jitter, m.status};
  if (m.status == status::ok) r.value = Y.row(0).dot(m.alpha.col(0));
  return r;
}

/// The training dynamics of infinite_width_training(): gradient_flow (continuous time t,
/// e^{−ηΘt}) or gradient_descent (t whole steps at rate η, (I − ηΘ)ᵗ).
enum class training_mode { gradient_flow, gradient_descent };

/// The NNGP blocks K(X, X), K(X, X*), K(X*, X*) that add the NTK-GP covariance.
template <class S = double>
struct nngp_blocks {
  Matrix<S> train, cross, test;
  /// \var train
  /// K(X, X), N × N (symmetric).
  /// \var cross
  /// K(X, X*), N × M.
  /// \var test
  /// K(X*, X*), M × M (symmetric).
};

/// The outcome of infinite_width_training(): mean and (optionally) covariance at the test points.
template <class S = double>
struct infinite_width_prediction {
  Matrix<S> mean;        ///< k × M
  Matrix<S> covariance;  ///< M × M (empty unless the NNGP blocks were given)
  /// diverged if some |1 − ηλ| > 1 (gradient descent; at t = ∞ also |1 − ηλ| = 1, and then mean
  /// and covariance are NaN: the limit does not exist); singular when t = ∞ and Θ has a zero
  /// eigenvalue (λ ≤ 1e-12·λ_max); overflow when a mean entry is not finite.
  nnt::status status = status::ok;
};

namespace detail {
template <class S>
infinite_width_prediction<S> infinite_width_impl(const const_matrix_ref<S>& theta,
                                                 const const_matrix_ref<S>& theta_cross,
                                                 const const_matrix_ref<S>& Y, S eta, S t,
                                                 training_mode mode, const nngp_blocks<S>* K) {
  require_gram<S>("theta", theta);
  const Index N = theta.rows();
  require_rows("theta_cross", N, theta_cross.rows());
  require_finite("theta_cross", theta_cross);
  require_cols("Y", N, Y.cols());
  require_finite("Y", Y);
  require_finite("eta", eta);
  require_positive("eta", eta);
  if (std::isnan(t) || t < 0)
    throw_invalid_argument("t", "a non-negative time (or +inf)", format_value(t));
  if (mode == training_mode::gradient_descent && std::isfinite(t) && t != std::floor(t))
    throw_invalid_argument("t", "a whole number of gradient-descent steps", format_value(t));
  const Index M = theta_cross.cols();
  if (K) {
    require_gram<S>("K.train", K->train);
    require_shape("K.train", N, N, K->train);
    require_shape("K.cross", N, M, K->cross);
    require_finite("K.cross", K->cross);
    require_gram<S>("K.test", K->test);
    require_shape("K.test", M, M, K->test);
  }
  // Single-threaded: its Householder back-transformation is a GEMM that Eigen would split, with
  // bits that depend on the thread count (the tridiagonalisation, most of the cost, is serial).
  Eigen::SelfAdjointEigenSolver<Matrix<S>> eig;
  {
    const detail::serial_eigen_scope serial;
    eig.compute(theta);
  }
  const Vector<S>& lambda = eig.eigenvalues();
  const S largest = lambda.cwiseAbs().maxCoeff();
  Vector<S> g(N);
  infinite_width_prediction<S> r;
  for (Index i = 0; i < N; ++i) {
    const S l = lambda(i);
    if (!std::isfinite(t)) {  // converged: Θ⁻¹ on the range of Θ
      if (!(l > S(1e-12) * largest)) r.status = status::singular;
      // Descent converges only if every |1 − ηλ| < 1; otherwise there is no t = ∞ limit.
      if (mode == training_mode::gradient_descent && l > S(1e-12) * largest && !(eta * l < 2))
        r.status = status::diverged;
      g(i) = l > S(1e-12) * largest ? S(1) / l : S(0);
    } else if (mode == training_mode::gradient_flow) {
      const S x = eta * l * t;
      g(i) = std::abs(x) < S(1e-8) ? eta * t * (1 - x / 2) : -std::expm1(-x) / l;
    } else {
      // (1 − qᵗ)/λ with q = 1 − ηλ; expm1/log1p keep it accurate when ηλ is small.
      const S x = eta * l, q = 1 - x;
      // rounding-level eigenvalues of a PSD Θ (|λ| ≤ 1e-12 λ_max) are zero: no divergence there
      if (std::abs(q) > 1 && std::abs(l) > S(1e-12) * largest) r.status = status::diverged;
      if (std::abs(x) < S(1e-8))
        g(i) = eta * t;
      else if (q > 0)
        g(i) = -std::expm1(t * std::log1p(-x)) / l;
      else
        g(i) = (1 - std::pow(q, t)) / l;
    }
  }
  // T = Θ(X*, X) Q diag(g) Qᵀ, by products with the same bits on every thread count.
  Matrix<S> T, QtT;
  detail::thread_stable_product(QtT, theta_cross.transpose(), eig.eigenvectors(), S(1));
  QtT = QtT * g.asDiagonal();
  detail::thread_stable_product(T, QtT, eig.eigenvectors().transpose(), S(1));
  detail::thread_stable_product(r.mean, Y, T.transpose(), S(1));
  if (K) {
    Matrix<S> TK, TKT, TC;
    detail::thread_stable_product(TK, T, K->train, S(1));
    detail::thread_stable_product(TKT, TK, T.transpose(), S(1));
    detail::thread_stable_product(TC, T, K->cross, S(1));
    r.covariance = K->test + TKT - TC - TC.transpose();
    r.covariance = (r.covariance + r.covariance.transpose()) / 2;
  }
  if (r.status == status::ok && !r.mean.allFinite()) r.status = status::overflow;
  if (r.status == status::diverged && !std::isfinite(t)) {  // the limit does not exist: no values
    r.mean.setConstant(std::numeric_limits<S>::quiet_NaN());
    r.covariance.setConstant(std::numeric_limits<S>::quiet_NaN());
  }
  return r;
}
}  // namespace detail

/// Prediction at M test points of the infinite-width network trained on (X, Y) for time t (flow: t
/// continuous; descent: t steps; +inf: converged) at rate η. theta = Θ(X, X), theta_cross = Θ(X,
/// X*).
template <class DT, class DC, class DY, class S = typename DT::Scalar>
infinite_width_prediction<S> infinite_width_training(
    const Eigen::MatrixBase<DT>& theta, const Eigen::MatrixBase<DC>& theta_cross,
    const Eigen::MatrixBase<DY>& Y, std::type_identity_t<S> eta, std::type_identity_t<S> t,
    training_mode mode = training_mode::gradient_flow) {
  return detail::infinite_width_impl<S>(theta.derived(), theta_cross.derived(), Y.derived(), eta, t,
                                        mode, nullptr);
}

/// The same with the NTK-GP covariance from the NNGP blocks K.
template <class DT, class DC, class DY, class S = typename DT::Scalar>
infinite_width_prediction<S> infinite_width_training(
    const Eigen::MatrixBase<DT>& theta, const Eigen::MatrixBase<DC>& theta_cross,
    const Eigen::MatrixBase<DY>& Y, std::type_identity_t<S> eta, std::type_identity_t<S> t,
    training_mode mode, const nngp_blocks<std::type_identity_t<S>>& K) {
  return detail::infinite_width_impl<S>(theta.derived(), theta_cross.derived(), Y.derived(), eta, t,
                                        mode, &K);
}

}  // namespace nnt
