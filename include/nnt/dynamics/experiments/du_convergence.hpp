// nnt/dynamics/experiments/du_convergence.hpp — linear convergence of wide two-layer ReLU nets
// (COURSE.md N5; Du, Zhai, Poczós & Singh 2019, "Gradient descent provably optimizes
// over-parameterized neural networks"). Model u(x) = (1/√m) Σ_r a_r relu(w_rᵀx) with a_r = ±1 fixed,
// w_r ~ N(0, I) trained by gradient descent with a small rate η on L = ½‖u − y‖² (sum over the n
// examples; t = η·steps approximates gradient flow). Gram matrix of the first-layer NTK at infinite
// width: H^∞_ij = x_iᵀx_j (π − arccos(x_iᵀx_j/‖x_i‖‖x_j‖))/(2π), λ₀ = λ_min(H^∞). For m large
// enough, ‖y − u(t)‖² ≤ e^{−λ₀t}‖y − u(0)‖² and every w_r moves O(1/√m), so the relative change
// ‖W(t) − W(0)‖_F/‖W(0)‖_F shrinks like 1/√m.
#pragma once

#include "../../core/error.hpp"
#include "../../core/random.hpp"
#include "../../core/status.hpp"
#include "../../core/types.hpp"

#include <Eigen/Eigenvalues>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <numbers>
#include <vector>

namespace nnt {

/// H^∞ of the inputs X (d × n).
inline Matrix<double> du_gram(const Matrix<double>& X) {
  require_at_least<Index>("X.cols()", X.cols(), 1);
  require_finite("X", X);
  const Index n = X.cols();
  Matrix<double> H(n, n);
  const Vector<double> norms = X.colwise().norm().transpose();
  for (Index j = 0; j < n; ++j)
    for (Index i = 0; i < n; ++i) {
      const double dot = X.col(i).dot(X.col(j));
      const double c = std::clamp(dot / (norms(i) * norms(j)), -1.0, 1.0);
      H(i, j) = dot * (std::numbers::pi - std::acos(c)) / (2 * std::numbers::pi);
    }
  return H;
}

struct du_options {
  Index width = 1000;     ///< m
  double eta = 0.01;      ///< GD rate (t = η·steps)
  Index steps = 2000;
  Index record_every = 10;
  std::uint64_t seed = 1;
};

struct du_result {
  double lambda0 = 0;               ///< λ_min(H^∞)
  std::vector<double> t, loss;      ///< ‖y − u(t)‖² at the recorded times
  std::vector<double> bound;        ///< e^{−λ₀t}‖y − u(0)‖²
  double relative_weight_change = 0;  ///< ‖W(T) − W(0)‖_F / ‖W(0)‖_F
  double max_neuron_move = 0;       ///< max_r ‖w_r(T) − w_r(0)‖
  nnt::status status = status::ok;
};

/// Trains the first layer of the two-layer ReLU net on (X, y) and records the loss against the
/// e^{−λ₀t} bound.
inline du_result du_training(const Matrix<double>& X, const Vector<double>& y, const du_options& o = {}) {
  require_examples_and_targets(X, y);
  require_at_least<Index>("width", o.width, 1);
  require_finite("eta", o.eta);
  require_positive("eta", o.eta);
  require_at_least<Index>("steps", o.steps, 1);
  require_at_least<Index>("record_every", o.record_every, 1);
  const Index m = o.width, d = X.rows();
  du_result r;
  const Matrix<double> H = du_gram(X);
  r.lambda0 = Eigen::SelfAdjointEigenSolver<Matrix<double>>(H, Eigen::EigenvaluesOnly).eigenvalues()(0);
  random_generator rng(o.seed);
  Matrix<double> W(m, d);
  rng.fill_normal(W);
  Vector<double> a(m);
  for (Index k = 0; k < m; ++k) a(k) = rng.uniform() < 0.5 ? -1.0 : 1.0;
  const Matrix<double> W0 = W;
  const double scale = 1 / std::sqrt(double(m));
  Matrix<double> Z, act;
  double loss0 = 0;
  for (Index k = 0; k <= o.steps; ++k) {
    Z.noalias() = W * X;                       // m × n pre-activations
    act = Z.cwiseMax(0.0);
    const Vector<double> u = scale * (act.transpose() * a);
    const Vector<double> e = u - y;
    const double loss = e.squaredNorm();
    if (!std::isfinite(loss)) {
      r.status = status::diverged;
      break;
    }
    if (k == 0) loss0 = loss;
    if (k % o.record_every == 0 || k == o.steps) {
      const double t = o.eta * double(k);
      r.t.push_back(t);
      r.loss.push_back(loss);
      r.bound.push_back(std::exp(-r.lambda0 * t) * loss0);
    }
    if (k == o.steps) break;
    // ∂L/∂w_r = (1/√m) a_r Σ_i e_i 1{w_rᵀx_i > 0} x_i
    const Matrix<double> mask = (Z.array() > 0).cast<double>().matrix();
    W.noalias() -= (o.eta * scale) * (a.asDiagonal() * (mask * e.asDiagonal()) * X.transpose());
  }
  r.relative_weight_change = (W - W0).norm() / W0.norm();
  r.max_neuron_move = (W - W0).rowwise().norm().maxCoeff();
  return r;
}

}  // namespace nnt
