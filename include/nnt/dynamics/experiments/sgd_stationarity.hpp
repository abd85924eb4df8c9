// nnt/dynamics/experiments/sgd_stationarity.hpp — fluctuation–dissipation relations of stationary
// SGD (COURSE.md D6; Yaida 2018, "Fluctuation-dissipation relations for stochastic gradient
// descent") on least squares L(θ) = (1/2N) Σ_n (x_nᵀθ − y_n)², minibatches of B examples drawn
// with replacement (unbiased g), heavy-ball momentum v′ = μv − ηg, θ′ = θ + v′ (μ = 0: plain SGD).
// At stationarity, with ⟨·⟩ the stationary average:
//   plain:     ⟨θ·∇L⟩ = (η/2) ⟨‖g‖²⟩                                   (from ⟨‖θ′‖²⟩ = ⟨‖θ‖²⟩)
//   momentum:  ⟨θ·∇L⟩ = (η⟨‖g‖²⟩ − 2μ⟨v·g⟩) / (2(1 − μ))               (derived here: stationarity of
//              ⟨‖θ‖²⟩, ⟨θ·v⟩ and ⟨‖v‖²⟩ gives η⟨θ·g⟩ = ½(1 + μ)⟨‖v‖²⟩ and
//              (1 − μ²)⟨‖v‖²⟩ = η²⟨‖g‖²⟩ − 2μη⟨v·g⟩; ⟨θ·g⟩ = ⟨θ·∇L⟩ as g is unbiased given θ).
// The averages are time averages after a burn-in; their standard errors come from batch means
// (the series are autocorrelated), so each relation is checked as "difference / standard error".
#pragma once

#include "../../core/error.hpp"
#include "../../core/random.hpp"
#include "../../core/status.hpp"
#include "../../core/types.hpp"

#include <cmath>
#include <cstdint>
#include <vector>

namespace nnt {

struct sgd_stationarity_options {
  double eta = 0.05;
  double momentum = 0.0;   ///< μ ∈ [0, 1)
  Index batch = 1;         ///< B, drawn with replacement
  Index burn_in = 20000;
  Index steps = 200000;    ///< averaged steps after the burn-in
  Index batches = 50;      ///< batch means for the standard errors
  std::uint64_t seed = 1;
};

struct sgd_stationarity_result {
  double theta_dot_grad = 0;  ///< ⟨θ·∇L⟩
  double grad_sq = 0;         ///< ⟨‖g‖²⟩ (uncentred: tr C̃)
  double v_dot_g = 0;         ///< ⟨v·g⟩ (0 without momentum)
  double rhs = 0;             ///< the relation's right side from the measured averages
  double difference = 0;      ///< ⟨θ·∇L⟩ − rhs
  double standard_error = 0;  ///< of the difference, by batch means
  nnt::status status = status::ok;  ///< diverged if θ left the finite range
};

/// Runs SGD on least squares for X (d × N), y (N) from θ = 0 and measures the relation above.
inline sgd_stationarity_result sgd_stationarity(const Matrix<double>& X, const Vector<double>& y,
                                                const sgd_stationarity_options& o = {}) {
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
  random_generator rng(o.seed);
  Vector<double> theta = Vector<double>::Zero(d), v = Vector<double>::Zero(d), g(d), full(d);
  const Matrix<double> H = X * X.transpose() / double(N);  // ∇L = Hθ − b
  const Vector<double> b = X * y / double(N);
  sgd_stationarity_result r;
  const Index per_batch = o.steps / o.batches;
  std::vector<double> batch_diff;
  double sum_td = 0, sum_g2 = 0, sum_vg = 0, bt = 0, bg = 0, bv = 0;
  for (Index t = 0; t < o.burn_in + per_batch * o.batches; ++t) {
    g.setZero();
    for (Index k = 0; k < o.batch; ++k) {
      const Index n = Index(rng.uniform() * double(N)) % N;
      g += (X.col(n).dot(theta) - y(n)) * X.col(n);
    }
    g /= double(o.batch);
    if (t >= o.burn_in) {
      full.noalias() = H * theta - b;
      const double td = theta.dot(full), g2 = g.squaredNorm(), vg = v.dot(g);
      bt += td;
      bg += g2;
      bv += vg;
      if ((t - o.burn_in + 1) % per_batch == 0) {
        const double m = double(per_batch);
        const double rhs = (eta * bg / m - 2 * mu * bv / m) / (2 * (1 - mu));
        batch_diff.push_back(bt / m - rhs);
        sum_td += bt;
        sum_g2 += bg;
        sum_vg += bv;
        bt = bg = bv = 0;
      }
    }
    v = mu * v - eta * g;
    theta += v;
    if (!theta.allFinite()) {
      r.status = status::diverged;
      return r;
    }
  }
  const double total = double(per_batch * o.batches);
  r.theta_dot_grad = sum_td / total;
  r.grad_sq = sum_g2 / total;
  r.v_dot_g = sum_vg / total;
  r.rhs = (eta * r.grad_sq - 2 * mu * r.v_dot_g) / (2 * (1 - mu));
  r.difference = r.theta_dot_grad - r.rhs;
  double mean = 0, var = 0;
  for (double x : batch_diff) mean += x / double(batch_diff.size());
  for (double x : batch_diff) var += (x - mean) * (x - mean) / double(batch_diff.size() - 1);
  r.standard_error = std::sqrt(var / double(batch_diff.size()));
  return r;
}

}  // namespace nnt
