// nnt/experiments/two_layer_relu_gd.hpp — linear convergence of wide two-layer ReLU nets (COURSE.md
// N5; Du, Zhai, Poczós & Singh 2019): u(x) = (1/√m) Σ_r a_r relu(w_rᵀx), a_r = ±1 fixed, w_r ~ N(0,
// I), the first layer trained by gradient descent (dynamics/optimizers.hpp) with a small rate η on
// L = ½‖u − y‖² over the n examples (t = η·steps approximates gradient flow). At infinite width the
// first-layer NTK is H^∞_ij = x_iᵀx_j (π − θ_ij)/(2π) = x_iᵀx_j E relu′(u)relu′(v) (the ReLU closed
// form, core/activation.hpp); λ₀ = λ_min(H^∞). For m large, ‖y − u(t)‖² ≤ e^{−λ₀t}‖y − u(0)‖² and
// the relative change ‖W(t) − W(0)‖_F/‖W(0)‖_F shrinks like 1/√m.
#pragma once

#include "../core/activation.hpp"
#include "../core/error.hpp"
#include "../core/gaussian_pair.hpp"
#include "../core/random.hpp"
#include "../core/status.hpp"
#include "../core/types.hpp"
#include "../dynamics/optimizers.hpp"

#include <Eigen/Eigenvalues>

#include <cmath>
#include <cstdint>
#include <vector>

namespace nnt {

/// H^∞ of the inputs X (d × n): x_iᵀx_j (π − θ_ij)/(2π), θ from the exact distances (a zero input
/// gives a zero row).
template <class DX>
Matrix<double> two_layer_relu_gram(const Eigen::MatrixBase<DX>& X_) {
  const Matrix<double> X = X_;
  require_at_least<Index>("X.cols()", X.cols(), 1);
  require_finite("X", X);
  const Index n = X.cols();
  Matrix<double> H(n, n);
  const Vector<double> sq = X.colwise().squaredNorm().transpose();
  for (Index j = 0; j < n; ++j)
    for (Index i = 0; i <= j; ++i) {
      const double k12 = X.col(i).dot(X.col(j));
      const gaussian_pair<double> p{sq(i), sq(j), k12, (X.col(i) - X.col(j)).squaredNorm(),
                                    sq(j) - sq(i)};
      H(i, j) = H(j, i) = k12 * activations::relu{}
                                    .gaussian_pair_moments(
                                        rounded_gaussian_pair(p.k11, p.k22, p.k12, p.dist, p.diff))
                                    .dd12;
    }
  return H;
}

/// The first-layer objective of u = (1/√m) relu(W X)ᵀ a with a fixed: θ = vec(W) (m × d,
/// column-major), L = ½‖u − y‖², ∇_W L = (1/√m) diag(a) (1[WX > 0] ⊙ (1 eᵀ)) Xᵀ, e = u − y.
template <class S = double>
class two_layer_relu_objective {
 public:
  /// Takes X (d × n), y (n) and the fixed second layer a (m ≥ 1 entries, ±1 in the course); shapes
  /// are checked (nnt::invalid_argument). θ then has m·d entries.
  two_layer_relu_objective(Matrix<S> X, Vector<S> y, Vector<S> a)
      : X_(std::move(X)), y_(std::move(y)), a_(std::move(a)) {
    require_size("y", X_.cols(), y_.size());
    require_at_least<Index>("a.size()", a_.size(), 1);
    scale_ = S(1) / std::sqrt(S(a_.size()));
  }
  /// u(x_i) for θ = vec(W).
  Vector<S> outputs(const Vector<S>& theta) const {
    const Eigen::Map<const Matrix<S>> W(theta.data(), a_.size(), X_.rows());
    return scale_ * ((W * X_).cwiseMax(S(0)).transpose() * a_);
  }
  /// L(θ).
  S value(const Vector<S>& theta) const { return S(0.5) * (outputs(theta) - y_).squaredNorm(); }
  /// L(θ) and its gradient.
  S value_and_gradient(const Vector<S>& theta, Vector<S>& gradient) const {
    const Eigen::Map<const Matrix<S>> W(theta.data(), a_.size(), X_.rows());
    const Matrix<S> Z = W * X_;  // m × n pre-activations
    const Vector<S> e = scale_ * (Z.cwiseMax(S(0)).transpose() * a_) - y_;
    const Matrix<S> mask = (Z.array() > S(0)).template cast<S>().matrix();
    gradient.resize(theta.size());
    Eigen::Map<Matrix<S>>(gradient.data(), a_.size(), X_.rows()).noalias() =
        scale_ * (a_.asDiagonal() * (mask * e.asDiagonal()) * X_.transpose());
    return S(0.5) * e.squaredNorm();
  }

 private:
  Matrix<S> X_;
  Vector<S> y_, a_;
  S scale_;
};

/// Options of two_layer_relu_training(): width, rate, budget, recording stride and seed.
struct two_layer_relu_options {
  Index width = 1000;       ///< m
  double eta = 0.01;        ///< GD rate (t = η·steps)
  Index steps = 2000;       ///< GD steps, a fixed budget (≥ 1)
  Index record_every = 10;  ///< record every this many steps (≥ 1), and the last
  std::uint64_t seed = 1;   ///< seeds W(0) ~ N(0, 1) entrywise and the signs a_r = ±1
};

/// The loss curve of two_layer_relu_training() against the e^{−λ₀t} bound, and the weight motion.
struct two_layer_relu_result {
  double lambda0 = 0;           ///< λ_min(H^∞)
  std::vector<double> t, loss;  ///< ‖y − u(t)‖² at the recorded times
  /// \var t
  /// The recorded times t = η·step, from t = 0.
  std::vector<double> bound;          ///< e^{−λ₀t}‖y − u(0)‖²
  double relative_weight_change = 0;  ///< ‖W(T) − W(0)‖_F / ‖W(0)‖_F
  double max_neuron_move = 0;         ///< max_r ‖w_r(T) − w_r(0)‖
  nnt::status status = status::ok;    ///< the gradient descent's (diverged: non-finite loss)
};

/// Trains the first layer of the two-layer ReLU net on (X, y) by gradient_descent and records the
/// loss against the e^{−λ₀t} bound.
template <class DX, class DY>
two_layer_relu_result two_layer_relu_training(const Eigen::MatrixBase<DX>& X_,
                                              const Eigen::MatrixBase<DY>& y_,
                                              const two_layer_relu_options& o = {}) {
  const Matrix<double> X = X_;
  const Vector<double> y = y_;
  require_examples_and_targets(X, y);
  require_in_range<Index, Index>("width", o.width, 1, Index(1) << 30);
  require_finite("eta", o.eta);
  require_positive("eta", o.eta);
  require_at_least<Index>("steps", o.steps, 1);
  require_at_least<Index>("record_every", o.record_every, 1);
  const Index m = o.width, d = X.rows();
  require_allocation("width (W has m × d entries)", checked_product("width", m, d),
                     3 * sizeof(double));
  two_layer_relu_result r;
  r.lambda0 =
      Eigen::SelfAdjointEigenSolver<Matrix<double>>(two_layer_relu_gram(X), Eigen::EigenvaluesOnly)
          .eigenvalues()(0);
  random_generator rng(o.seed);
  Matrix<double> W0(m, d);
  rng.fill_normal(W0);
  Vector<double> a(m);
  for (Index k = 0; k < m; ++k) a(k) = rng.uniform() < 0.5 ? -1.0 : 1.0;
  two_layer_relu_objective<double> f(X, y, a);
  const Vector<double> theta0 = Eigen::Map<const Vector<double>>(W0.data(), W0.size());
  const auto gd = gradient_descent(
      f, theta0, o.eta, {.stop = {.max_iterations = o.steps}, .record_every = o.record_every});
  r.status = gd.status;
  const double loss0 = 2 * gd.loss.front();
  for (std::size_t k = 0; k < gd.iteration.size(); ++k) {
    const double t = o.eta * double(gd.iteration[k]);
    r.t.push_back(t);
    r.loss.push_back(2 * gd.loss[k]);
    r.bound.push_back(std::exp(-r.lambda0 * t) * loss0);
  }
  const Eigen::Map<const Matrix<double>> W(gd.theta.data(), m, d);
  r.relative_weight_change = (W - W0).norm() / W0.norm();
  r.max_neuron_move = (W - W0).rowwise().norm().maxCoeff();
  return r;
}

}  // namespace nnt
