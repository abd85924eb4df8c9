// nnt/dynamics/experiments/edge_of_stability.hpp — full-batch gradient descent at a fixed rate η
// on an MLP, with the sharpness λ_max(∇²L(θ_t)) tracked along the way (COURSE.md D3; Cohen et al.
// 2021, "Gradient descent on neural networks typically occurs at the edge of stability"). The
// sharpness is the top eigenvalue of the exact Hessian operator (mlp/derivatives.hpp R-operator,
// curvature/spectrum.hpp Lanczos); at the edge of stability it rises to ≈ 2/η and hovers there
// while the loss keeps falling non-monotonically. A diverged run (non-finite loss) ends with
// status::diverged.
#pragma once

#include "../../core/error.hpp"
#include "../../core/status.hpp"
#include "../../curvature/spectrum.hpp"
#include "../../mlp/derivatives.hpp"

#include <cmath>
#include <vector>

namespace nnt {

struct edge_of_stability_options {
  double eta = 0.1;
  Index steps = 4000;
  Index sharpness_every = 50;  ///< Lanczos every this many steps (and at the last)
};

struct edge_of_stability_result {
  std::vector<double> step, loss;            ///< every step
  std::vector<double> sharpness_step, sharpness;
  double threshold = 0;                      ///< 2/η
  nnt::status status = status::ok;
};

template <class S, class Loss>
edge_of_stability_result gradient_descent_sharpness(mlp<S> net, const Loss& loss, const Matrix<S>& X, const Matrix<S>& Y,
                                                    const edge_of_stability_options& o = {}) {
  require_finite("eta", o.eta);
  require_positive("eta", o.eta);
  require_at_least<Index>("steps", o.steps, 1);
  require_at_least<Index>("sharpness_every", o.sharpness_every, 1);
  edge_of_stability_result r;
  r.threshold = 2 / o.eta;
  Vector<S> g;
  for (Index t = 0; t <= o.steps; ++t) {
    const double L = double(scalar_value(loss_and_gradient(net, loss, X, Y, g)));
    if (!std::isfinite(L) || !g.allFinite()) {
      r.status = status::diverged;
      break;
    }
    r.step.push_back(double(t));
    r.loss.push_back(L);
    if (t % o.sharpness_every == 0 || t == o.steps) {
      const hessian_operator<S, Loss> H(net, loss, X, Y);
      const auto top = top_eigenpairs<S>(H, 3);  // k = 3 keeps Spectra's Krylov space healthy
      if (top.state != status::ok) {
        r.status = top.state;
        break;
      }
      r.sharpness_step.push_back(double(t));
      r.sharpness.push_back(double(top.values(0)));
    }
    if (t == o.steps) break;
    net.parameters() -= S(o.eta) * g;
  }
  return r;
}

}  // namespace nnt
