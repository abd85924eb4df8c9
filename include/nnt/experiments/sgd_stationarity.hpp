// nnt/experiments/sgd_stationarity.hpp — fluctuation–dissipation relations of stationary SGD
// (COURSE.md D6; Yaida 2018) on least squares L(θ) = (1/2N) Σ_n (x_nᵀθ − y_n)², minibatches of B
// drawn with replacement (unbiased g), heavy-ball momentum v′ = μv − ηg, θ′ = θ + v′ —
// dynamics/optimizers.hpp's sgd, observed at every step. At stationarity:
//   plain     ⟨θ·∇L⟩ = (η/2)⟨‖g‖²⟩                      (from ⟨‖θ′‖²⟩ = ⟨‖θ‖²⟩)
//   momentum  ⟨θ·∇L⟩ = (η⟨‖g‖²⟩ − 2μ⟨v·g⟩)/(2(1 − μ))   (derived here: stationarity of
//             ⟨‖θ‖²⟩, ⟨θ·v⟩, ⟨‖v‖²⟩ gives η⟨θ·g⟩ = ½(1 + μ)⟨‖v‖²⟩ and
//             (1 − μ²)⟨‖v‖²⟩ = η²⟨‖g‖²⟩ − 2μη⟨v·g⟩).
// Averages are over time after a burn-in, with standard errors from batch means (the series are
// autocorrelated), so each relation is checked as difference / standard error.
#pragma once

#include "../core/error.hpp"
#include "../core/status.hpp"
#include "../core/types.hpp"
#include "../dynamics/optimizers.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <span>
#include <vector>

namespace nnt {

/// Options of sgd_stationarity(): the SGD run and how its time averages are split into batches.
struct sgd_stationarity_options {
  double eta = 0.05;       ///< SGD rate η (finite, > 0)
  double momentum = 0.0;   ///< μ ∈ [0, 0.999] (checked)
  Index batch = 1;         ///< B, drawn with replacement
  Index burn_in = 20000;   ///< steps discarded before averaging (≥ 0)
  Index steps = 200000;    ///< averaged steps after the burn-in (≥ batches; cut to a multiple)
  Index batches = 50;      ///< batch means for the standard errors
  std::uint64_t seed = 1;  ///< seed of the minibatch draws (sgd's seed)
};

/// The measured averages of sgd_stationarity() and the test of the stationarity relation.
struct sgd_stationarity_result {
  double theta_dot_grad = 0;        ///< ⟨θ·∇L⟩
  double grad_sq = 0;               ///< ⟨‖g‖²⟩ (uncentred: tr C̃)
  double v_dot_g = 0;               ///< ⟨v·g⟩ (0 without momentum)
  double rhs = 0;                   ///< the relation's right side from the measured averages
  double difference = 0;            ///< ⟨θ·∇L⟩ − rhs
  double standard_error = 0;        ///< of the difference, by batch means
  nnt::status status = status::ok;  ///< diverged if θ left the finite range
};

/// L(θ) = (1/2N) Σ_n (x_nᵀθ − y_n)² as a minibatch_objective (the batch loss is the mean over it).
template <class S = double>
class least_squares_objective {
 public:
  /// Takes X (d × N, one example per column, N ≥ 1) and y (N entries), finite; shapes, θ's size
  /// and batch indices are checked (nnt::invalid_argument).
  least_squares_objective(Matrix<S> X, Vector<S> y) : X_(std::move(X)), y_(std::move(y)) {
    require_examples_and_targets(X_, y_);
  }
  /// N, the number of examples (batch indices lie in [0, N)).
  Index examples() const { return X_.cols(); }
  /// L(θ).
  S value(const Vector<S>& theta) const {
    require_size("theta", X_.rows(), theta.size());
    return S(0.5) * (X_.transpose() * theta - y_).squaredNorm() / S(X_.cols());
  }
  /// L(θ), and ∇L = (1/N) X(Xᵀθ − y) into g.
  S value_and_gradient(const Vector<S>& theta, Vector<S>& g) const {
    require_size("theta", X_.rows(), theta.size());
    const Vector<S> r = X_.transpose() * theta - y_;
    g.noalias() = X_ * r / S(X_.cols());
    return S(0.5) * r.squaredNorm() / S(X_.cols());
  }
  /// The loss and gradient of the examples in batch (repeats allowed: draws with replacement).
  S value_and_gradient(const Vector<S>& theta, Vector<S>& g, std::span<const Index> batch) const {
    require_size("theta", X_.rows(), theta.size());
    require_batch_indices(batch, X_.cols());
    g.setZero(X_.rows());
    S loss = 0;
    for (const Index n : batch) {
      const S r = X_.col(n).dot(theta) - y_(n);
      g += r * X_.col(n);
      loss += S(0.5) * r * r;
    }
    g /= S(batch.size());
    return loss / S(batch.size());
  }

 private:
  Matrix<S> X_;
  Vector<S> y_;
};

/// Runs SGD on least squares for X (d × N), y (N) from θ = 0 and measures the relation above.
template <class DX, class DY>
sgd_stationarity_result sgd_stationarity(const Eigen::MatrixBase<DX>& X_,
                                         const Eigen::MatrixBase<DY>& y_,
                                         const sgd_stationarity_options& o = {}) {
  const Matrix<double> X = X_;
  const Vector<double> y = y_;
  require_examples_and_targets(X, y);
  require_finite("eta", o.eta);
  require_positive("eta", o.eta);
  require_in_range("momentum", o.momentum, 0.0, 0.999);
  require_at_least<Index>("batch", o.batch, 1);
  require_at_least<Index>("burn_in", o.burn_in, 0);
  require_at_least<Index>("batches", o.batches, 2);
  require_at_least<Index>("steps", o.steps, o.batches);
  const Index d = X.rows(), N = X.cols();
  const double mu = o.momentum, eta = o.eta;
  const Matrix<double> H = X * X.transpose() / double(N);  // ∇L = Hθ − b
  const Vector<double> b = X * y / double(N);
  const Index per_batch = o.steps / o.batches, total = o.burn_in + per_batch * o.batches;
  sgd_stationarity_result r;
  std::vector<double> batch_diff;
  double sum_td = 0, sum_g2 = 0, sum_vg = 0, bt = 0, bg = 0, bv = 0;
  Vector<double> full(d);
  auto observe = [&](const optimizer_state<double>& s) {
    if (s.iteration < o.burn_in || s.iteration >= total) return true;
    full.noalias() = H * s.theta - b;
    bt += s.theta.dot(full);
    bg += s.gradient.squaredNorm();
    bv += s.velocity ? s.velocity->dot(s.gradient) : 0.0;
    if ((s.iteration - o.burn_in + 1) % per_batch == 0) {
      const double m = double(per_batch);
      batch_diff.push_back(bt / m - (eta * bg / m - 2 * mu * bv / m) / (2 * (1 - mu)));
      sum_td += bt;
      sum_g2 += bg;
      sum_vg += bv;
      bt = bg = bv = 0;
    }
    return true;
  };
  least_squares_objective f(X, y);
  const auto run = sgd(f, Vector<double>::Zero(d), eta,
                       {.batch_size = o.batch,
                        .sampling = minibatch_sampling::with_replacement,
                        .momentum = mu,
                        .seed = o.seed,
                        .stop = {.max_iterations = total},
                        .record_every = total,
                        .observer = observe});
  if (run.status != status::ok) {
    r.status = run.status;
    return r;
  }
  const double count = double(per_batch * o.batches);
  r.theta_dot_grad = sum_td / count;
  r.grad_sq = sum_g2 / count;
  r.v_dot_g = sum_vg / count;
  r.rhs = (eta * r.grad_sq - 2 * mu * r.v_dot_g) / (2 * (1 - mu));
  r.difference = r.theta_dot_grad - r.rhs;
  double mean = 0, var = 0;
  for (double x : batch_diff) mean += x / double(batch_diff.size());
  for (double x : batch_diff) var += (x - mean) * (x - mean) / double(batch_diff.size() - 1);
  r.standard_error = std::sqrt(var / double(batch_diff.size()));
  return r;
}

}  // namespace nnt
