// nnt/kernels/regression.hpp — kernel regression with a given Gram matrix (COURSE.md N4, N6).
//   kernel ridge / GP posterior:  f*(X*) = Y (K + λI)⁻¹ K(X, X*),
//                                 var(x*) = k(x*, x*) − k*ᵀ (K + λI)⁻¹ k*   (λ = noise variance)
//     by one Cholesky factorisation; if it fails, jitter 1e-12·tr(K)/N is added and grown ×10 up to
//     1e-6·tr(K)/N (reported); beyond that status::singular and no predictions (never NaNs).
//     The regulariser λ may be given relative to tr(K)/N.
//   RKHS norm² of the interpolant of y:  yᵀ K⁻¹ y.
//   Infinite-width training (Jacot et al. 2018; Lee et al. 2019), MSE loss ½‖f − y‖², f₀ = 0:
//     mean   f_t(X*) = Θ(X*, X) Θ⁻¹ (I − e^{−ηΘt}) Y
//     cov    K** + T K Tᵀ − (T K*ᵀ + K* Tᵀ),   T = Θ(X*, X) Θ⁻¹ (I − e^{−ηΘt}), K* = K(X*, X)
//     (gradient descent: (I − ηΘ)^t instead of e^{−ηΘt}), from one eigendecomposition Θ = UΛUᵀ:
//     Θ⁻¹(I − e^{−ηΘt}) = U diag((1 − e^{−ηλt})/λ) Uᵀ, whose λ → 0 limit ηt needs no inverse.
// Conventions: Y is k × N (outputs × examples), Gram matrices N × N, cross matrices N × M
// (K(X, X*), as kernel_gram(net, X, X*) returns them).
#pragma once

#include "../core/error.hpp"
#include "../core/status.hpp"
#include "../core/types.hpp"

#include <Eigen/Cholesky>
#include <Eigen/Eigenvalues>

#include <cmath>

namespace nnt {

struct ridge_options {
  double ridge = 0.0;         ///< λ ≥ 0
  bool relative = false;      ///< λ is relative to tr(K)/N
  bool allow_jitter = true;   ///< add jitter if the factorisation fails
};

/// A fitted kernel ridge regressor (or GP posterior).
template <class S = double>
struct kernel_ridge_model {
  Eigen::LLT<Matrix<S>> factor;  ///< of K + (λ + jitter) I
  Matrix<S> alpha;               ///< (K + λI)⁻¹ Yᵀ: N × k (representer coefficients)
  S ridge = 0;                   ///< λ actually used (absolute)
  S jitter = 0;                  ///< added on top of λ to make the factorisation succeed
  nnt::status status = status::ok;
};

namespace detail {

template <class S>
void require_gram(std::string_view name, const Matrix<S>& K) {
  require_at_least<Index>(std::string(name) + ".rows()", K.rows(), 1);
  require_shape(name, K.rows(), K.rows(), K);
  require_finite(name, K);
}

}  // namespace detail

/// Fits f*(x) = Σ_a α_a k(x, x_a) with α = (K + λI)⁻¹ Yᵀ.
template <class S>
kernel_ridge_model<S> kernel_ridge_fit(const Matrix<S>& K, const Matrix<S>& Y, const ridge_options& o = {}) {
  detail::require_gram("K", K);
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
  S jitter = S(1e-12) * (scale > 0 ? scale : S(1));
  const S max_jitter = S(1e-6) * (scale > 0 ? scale : S(1));
  // LLT reports NumericalIssue on a non-positive pivot; a positive but tiny one is caught by the
  // diagonal ratio test (pivots below ε·max make the solve meaningless).
  auto ok = [&] {
    if (m.factor.info() != Eigen::Success) return false;
    const auto d = m.factor.matrixLLT().diagonal().cwiseAbs2();
    return d.minCoeff() > std::numeric_limits<S>::epsilon() * d.maxCoeff();
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

/// Predictions Y (K + λI)⁻¹ K(X, X*): k × M. Empty when the model's status is not ok.
template <class S>
Matrix<S> kernel_ridge_predict(const kernel_ridge_model<S>& m, const Matrix<S>& K_cross) {
  if (m.status != status::ok) return {};
  require_rows("K_cross", m.alpha.rows(), K_cross.rows());
  require_finite("K_cross", K_cross);
  return (K_cross.transpose() * m.alpha).transpose();
}

/// GP posterior mean (k × M) and variance (M) with noise variance λ = options.ridge.
template <class S = double>
struct gp_posterior {
  Matrix<S> mean;
  Vector<S> variance;
  S jitter = 0;
  nnt::status status = status::ok;
};

template <class S>
gp_posterior<S> gp_posterior_predict(const Matrix<S>& K, const Matrix<S>& K_cross, const Vector<S>& K_test_diagonal,
                                     const Matrix<S>& Y, const ridge_options& o = {}) {
  require_rows("K_cross", K.rows(), K_cross.rows());
  require_size("K_test_diagonal", K_cross.cols(), K_test_diagonal.size());
  require_finite("K_test_diagonal", K_test_diagonal);
  const auto m = kernel_ridge_fit(K, Y, o);
  gp_posterior<S> g;
  g.jitter = m.jitter;
  g.status = m.status;
  if (m.status != status::ok) return g;
  g.mean = kernel_ridge_predict(m, K_cross);
  const Matrix<S> V = m.factor.matrixL().solve(K_cross);  // L⁻¹ k*
  g.variance = (K_test_diagonal - V.colwise().squaredNorm().transpose()).cwiseMax(S(0));
  return g;
}

/// RKHS norm² yᵀK⁻¹y of the minimum-norm interpolant of y (one output row); status in `status`.
template <class S>
S rkhs_norm_squared(const Matrix<S>& K, const Vector<S>& y, nnt::status* status = nullptr) {
  const auto m = kernel_ridge_fit(K, Matrix<S>(y.transpose()), ridge_options{});
  if (status) *status = m.status;
  if (m.status != status::ok) return std::numeric_limits<S>::quiet_NaN();
  return y.dot(m.alpha.col(0));
}

enum class training_mode { gradient_flow, gradient_descent };

template <class S = double>
struct infinite_width_prediction {
  Matrix<S> mean;        ///< k × M
  Matrix<S> covariance;  ///< M × M (empty unless the NNGP matrices were given)
  nnt::status status = status::ok;  ///< diverged if some |1 − ηλ| > 1 (gradient descent)
};

/// Prediction of the infinite-width network trained on (X, Y) for time t (flow: t continuous,
/// descent: t steps) with learning rate η. theta: Θ(X, X) (N × N); theta_cross: Θ(X, X*) (N × M).
/// Optional NNGP matrices K(X, X), K(X, X*), K(X*, X*) add the covariance of the NTK-GP.
template <class S>
infinite_width_prediction<S> infinite_width_training(const Matrix<S>& theta, const Matrix<S>& theta_cross,
                                                     const Matrix<S>& Y, S eta, S t,
                                                     training_mode mode = training_mode::gradient_flow,
                                                     const Matrix<S>* K = nullptr,
                                                     const Matrix<S>* K_cross = nullptr,
                                                     const Matrix<S>* K_test = nullptr) {
  detail::require_gram("theta", theta);
  const Index N = theta.rows();
  require_rows("theta_cross", N, theta_cross.rows());
  require_finite("theta_cross", theta_cross);
  require_cols("Y", N, Y.cols());
  require_finite("Y", Y);
  require_finite("eta", eta);
  require_positive("eta", eta);
  require_finite("t", t);
  require_nonnegative("t", t);
  if (mode == training_mode::gradient_descent && t != std::floor(t))
    throw_invalid_argument("t", "a whole number of gradient-descent steps", format_value(t));
  const Index M = theta_cross.cols();
  if (K || K_cross || K_test) {
    if (!(K && K_cross && K_test))
      throw_invalid_argument("K, K_cross, K_test", "all three NNGP matrices or none", "only some");
    require_shape("K", N, N, *K);
    require_shape("K_cross", N, M, *K_cross);
    require_shape("K_test", M, M, *K_test);
  }
  Eigen::SelfAdjointEigenSolver<Matrix<S>> eig(theta);
  const Vector<S>& lambda = eig.eigenvalues();
  Vector<S> g(N);
  infinite_width_prediction<S> r;
  for (Index i = 0; i < N; ++i) {
    const S l = lambda(i);
    if (mode == training_mode::gradient_flow) {
      const S x = eta * l * t;
      g(i) = std::abs(x) < S(1e-8) ? eta * t * (1 - x / 2) : -std::expm1(-x) / l;
    } else {
      // (1 − qᵗ)/λ with q = 1 − ηλ; expm1/log1p keep it accurate when ηλ is small.
      const S x = eta * l, q = 1 - x;
      if (std::abs(q) > 1) r.status = status::diverged;
      if (std::abs(x) < S(1e-8)) g(i) = eta * t;
      else if (q > 0) g(i) = -std::expm1(t * std::log1p(-x)) / l;
      else g(i) = (1 - std::pow(q, t)) / l;
    }
  }
  const Matrix<S> T = theta_cross.transpose() * eig.eigenvectors() * g.asDiagonal() *
                      eig.eigenvectors().transpose();  // M × N
  r.mean = Y * T.transpose();
  if (K) {
    const Matrix<S> TK = T * (*K);
    r.covariance = *K_test + TK * T.transpose() - T * (*K_cross) - K_cross->transpose() * T.transpose();
    r.covariance = (r.covariance + r.covariance.transpose()) / 2;
  }
  if (r.status == status::ok && !r.mean.allFinite()) r.status = status::diverged;
  return r;
}

}  // namespace nnt
