// nnt/quadratic/taylor_model.hpp — the second-order Taylor model of an MLP at θ₀ (COURSE.md D1,
// "from any model"): with δ = θ − θ₀, for every example a and output i (index a·k + i),
//   z_ai(θ₀ + δ) ≈ z_ai(θ₀) + J_ai δ + ½ δᵀ H_ai δ,   J = ∂z/∂θ, H_ai = ∇²_θ z_ai at θ₀,
// a quadratic_model in δ with Φ = Jᵀ, Ψ_ai = H_ai, ε = 1 and targets y − z(θ₀). J and H_ai are
// exact (mlp/derivatives.hpp); the dense Hessians cost k·N·P² memory, so this is for small
// models. A two-layer ReLU net is exact while no unit changes sign (σ″ = 0 off the kink): D2's net.
#pragma once

#include "../core/error.hpp"
#include "../core/types.hpp"
#include "../mlp/derivatives.hpp"
#include "quadratic_model.hpp"

namespace nnt {

/// A quadratic_model in δ = θ − θ₀ with its expansion point θ₀ and z(θ₀), so that outputs and
/// targets can be given in θ and Y directly.
template <class S = double>
struct taylor_model {
  quadratic_model<S> model;  ///< in δ = θ − θ₀, ε = 1
  Vector<S> theta0;          ///< expansion point
  Vector<S> z0;              ///< z(θ₀), flattened a·k + i

  /// Model outputs at θ (not δ), flattened a·k + i.
  Vector<S> outputs(const const_vector_ref<S>& theta) const {
    require_size("theta", theta0.size(), theta.size());
    return z0 + model.outputs(theta - theta0);
  }
  /// The quadratic model's targets for outputs Y (k × N): y − z(θ₀), flattened a·k + i.
  Vector<S> targets(const const_matrix_ref<S>& Y) const {
    require_size("Y.size()", z0.size(), Y.size());
    require_finite("Y", Y);
    const Matrix<S> y = Y;
    return Eigen::Map<const Vector<S>>(y.data(), y.size()) - z0;
  }
};

/// The second-order Taylor model of `net` at its current parameters on the inputs X (d × N).
template <class S>
taylor_model<S> second_order_taylor_model(const mlp<S>& net, const matrix_arg<S>& X) {
  const Matrix<S> Z = net.forward(X);
  return {quadratic_model<S>(per_example_jacobian(net, X).transpose(),
                             per_example_output_hessians(net, X), S(1)),
          net.parameters(), Eigen::Map<const Vector<S>>(Z.data(), Z.size())};
}

}  // namespace nnt
