// nnt/experiments/edge_of_stability.hpp — full-batch gradient descent at a fixed rate η on an MLP
// with the sharpness λ_max(∇²L(θ_t)) tracked along the way (COURSE.md D3; Cohen et al. 2021): the
// run is dynamics/optimizers.hpp's gradient_descent on an mlp_objective, whose record callback
// computes the top eigenvalue of the exact Hessian operator (mlp/derivatives.hpp R-operator,
// curvature/eigenpairs.hpp Lanczos) every sharpness_every steps. At the edge of stability the
// sharpness rises to ≈ 2/η and hovers there while the loss keeps falling non-monotonically.
#pragma once

#include "../core/error.hpp"
#include "../core/status.hpp"
#include "../curvature/eigenpairs.hpp"
#include "../dynamics/optimizers.hpp"
#include "../mlp/derivatives.hpp"
#include "../mlp/mlp_objective.hpp"

#include <cmath>
#include <limits>
#include <vector>

namespace nnt {

/// Options of gradient_descent_sharpness(): the GD rate and budget, and the sharpness schedule.
struct edge_of_stability_options {
  double eta = 0.1;    ///< the fixed GD rate η (finite, > 0); the stability threshold is 2/η
  Index steps = 4000;  ///< GD steps to run (≥ 1; the run stops earlier on divergence)
  Index sharpness_every = 50;  ///< Lanczos every this many steps (and at the last)
  eigen_options lanczos{};     ///< of the sharpness computations
};

/// The loss and sharpness curves of gradient_descent_sharpness().
struct edge_of_stability_result {
  std::vector<double> step, loss;  ///< every step
  std::vector<double> sharpness_step, sharpness;
  /// \var step
  /// The iterations t = 0, 1, … of the run (as doubles), aligned with loss.
  /// \var sharpness_step
  /// The iterations whose sharpness was computed: t = 0, multiples of sharpness_every, steps.
  /// \var sharpness
  /// λ_max(∇²L(θ_t)) at those iterations (top Lanczos eigenvalue).
  double threshold = 0;  ///< 2/η
  /// the gradient descent's status (diverged: non-finite loss); not_converged when a sharpness
  /// computation did not converge (its NaN is dropped and the run stops there).
  nnt::status status = status::ok;
};

/// GD on loss(net(X), Y) from net's parameters, with the sharpness every sharpness_every steps.
template <class S, class Loss>
requires loss_function<Loss, S> edge_of_stability_result
gradient_descent_sharpness(const mlp<S>& net, const Loss& loss, const matrix_arg<S>& X,
                           const matrix_arg<S>& Y, const edge_of_stability_options& o = {}) {
  require_finite("eta", o.eta);
  require_positive("eta", o.eta);
  require_at_least<Index>("steps", o.steps, 1);
  require_at_least<Index>("sharpness_every", o.sharpness_every, 1);
  edge_of_stability_result r;
  r.threshold = 2 / o.eta;
  mlp_objective<S, Loss> f(net, loss, X, Y);
  mlp<S> at = net;
  bool lanczos_failed = false;
  auto sharpness = [&](const Vector<S>& theta, Index t) -> double {
    if (t % o.sharpness_every != 0 && t != o.steps) return std::numeric_limits<double>::quiet_NaN();
    at.set_parameters(theta);
    const hessian_operator<S, Loss> H(at, loss, X, Y);
    const auto top = top_eigenpairs(H, 3, o.lanczos);  // k = 3 keeps Spectra's Krylov space healthy
    if (top.status != status::ok) {
      lanczos_failed = true;
      return std::numeric_limits<double>::quiet_NaN();
    }
    return double(top.values(0));
  };
  const auto gd =
      gradient_descent(f, net.parameters(), o.eta,
                       {.stop = {.max_iterations = o.steps},
                        .record_every = 1,
                        .record = sharpness,
                        .observer = [&](const optimizer_state<S>&) { return !lanczos_failed; }});
  for (std::size_t k = 0; k < gd.iteration.size(); ++k) {
    r.step.push_back(double(gd.iteration[k]));
    r.loss.push_back(gd.loss[k]);
    if (std::isfinite(gd.recorded[k])) {
      r.sharpness_step.push_back(double(gd.iteration[k]));
      r.sharpness.push_back(gd.recorded[k]);
    }
  }
  r.status = lanczos_failed ? status::not_converged : gd.status;
  return r;
}

}  // namespace nnt
