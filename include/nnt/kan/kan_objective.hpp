// nnt/kan/kan_objective.hpp — a KAN, a data set and the loss
//   L(θ) = ½ mean_n ‖KAN_θ(x_n) − y_n‖² + λ (μ₁ Σ_l Σ_{j,i} |φ_{j,i}|₁ + μ₂ Σ_l S_l)
// (kan/regularization.hpp) as an nnt::objective of θ, so the optimizers of dynamics/optimizers.hpp
// (Adam, L-BFGS, …) train it.
#pragma once

#include "../core/concepts.hpp"
#include "../core/error.hpp"
#include "kan.hpp"
#include "regularization.hpp"

namespace nnt {

/// L(θ) = ½ mean_n ‖KAN_θ(x_n) − y_n‖² + R(θ) of a copied kan on fixed data, as an nnt::objective.
template <class S = double>
class kan_objective {
 public:
  /// Copies the network (its parameters are the θ of each call) and the data (X d × N, Y n_L × N).
  kan_objective(kan<S> net, const matrix_arg<S>& X, const matrix_arg<S>& Y,
                kan_regularization reg = {})
      : net_(std::move(net)), X_(X), Y_(Y), reg_(reg) {
    require_rows("X", net_.widths().front(), X_.rows());
    require_shape("Y", net_.widths().back(), X_.cols(), Y_);
    require_finite("X", X_);
    require_finite("Y", Y_);
    require_finite("lambda", reg_.lambda);
    require_nonnegative("lambda", reg_.lambda);
    require_finite("mu1", reg_.mu1);
    require_nonnegative("mu1", reg_.mu1);
    require_finite("mu2", reg_.mu2);
    require_nonnegative("mu2", reg_.mu2);
  }

  /// The number of parameters P.
  Index dimension() const { return net_.parameter_count(); }
  /// The network, with the parameters of the last evaluation.
  const kan<S>& network() const { return net_; }
  /// Mutable network (e.g. for update_grids()); each evaluation overwrites its parameters.
  kan<S>& network() { return net_; }

  /// L(θ).
  S value(const Vector<S>& theta) { return evaluate(theta, nullptr); }
  /// L(θ), and ∇L(θ) into gradient.
  S value_and_gradient(const Vector<S>& theta, Vector<S>& gradient) {
    return evaluate(theta, &gradient);
  }

 private:
  S evaluate(const Vector<S>& theta, Vector<S>* gradient) {
    net_.set_parameters(theta);
    const Matrix<S>& Z = net_.forward(X_, ws_);
    const S n = S(double(X_.cols()));
    residual_ = (Z - Y_) / n;
    S loss = S(0.5) * (Z - Y_).squaredNorm() / n;
    if (gradient) net_.backward(ws_, residual_, *gradient);
    if (reg_.lambda > 0) {
      Vector<S> scratch = Vector<S>::Zero(theta.size());
      loss += add_regularization(net_, ws_, reg_, gradient ? *gradient : scratch);
    }
    return loss;
  }

  kan<S> net_;
  Matrix<S> X_, Y_, residual_;
  kan_regularization reg_;
  kan_workspace<S> ws_;
};

}  // namespace nnt
