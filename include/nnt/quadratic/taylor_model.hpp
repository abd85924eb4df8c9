// nnt/quadratic/taylor_model.hpp — the second-order Taylor model of an MLP at θ₀ (COURSE.md D1,
// "from any model"): with δ = θ − θ₀, for every example a and output i (index a·k + i),
//   z_ai(θ₀ + δ) ≈ z_ai(θ₀) + J_ai δ + ½ δᵀ H_ai δ,   J = ∂z/∂θ, H_ai = ∇²_θ z_ai at θ₀,
// which is a quadratic_model in δ with Φ = Jᵀ, Ψ_ai = H_ai, ε = 1 and targets y − z(θ₀).
// J and H_ai are exact (per_example_jacobian and the R-operator, mlp/derivatives.hpp); the dense
// Hessians cost k·N·P² memory, so this is for small models. For a two-layer ReLU net the model is
// exact while no unit changes sign (σ″ = 0 away from the kink): the frozen-activation net of D2.
#pragma once

#include "../core/error.hpp"
#include "../core/types.hpp"
#include "../mlp/derivatives.hpp"
#include "quadratic_model.hpp"

namespace nnt {

struct taylor_model {
  quadratic_model model;  ///< in δ = θ − θ₀, ε = 1
  Vector<double> theta0;  ///< expansion point
  Vector<double> z0;      ///< z(θ₀), flattened a·k + i

  /// Model outputs at θ (not δ), flattened a·k + i.
  Vector<double> outputs(const Vector<double>& theta) const {
    require_size("theta", theta0.size(), theta.size());
    return z0 + model.outputs(theta - theta0);
  }
  /// The quadratic model's targets for outputs Y (k × N): y − z(θ₀), flattened a·k + i.
  Vector<double> targets(const Matrix<double>& Y) const {
    require_size("Y.size()", z0.size(), Y.size());
    return Eigen::Map<const Vector<double>>(Y.data(), Y.size()) - z0;
  }
};

/// The second-order Taylor model of `net` at its current parameters on the inputs X (d × N).
inline taylor_model second_order_taylor_model(const mlp<double>& net, const Matrix<double>& X) {
  Matrix<double> Z = net.forward(X);
  return {quadratic_model(per_example_jacobian(net, X).transpose(), per_example_output_hessians(net, X), 1.0),
          net.parameters(), Eigen::Map<const Vector<double>>(Z.data(), Z.size())};
}

}  // namespace nnt
