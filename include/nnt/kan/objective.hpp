// nnt/kan/objective.hpp — a KAN, a data set and the loss
//   L(θ) = ½ mean_n ‖KAN_θ(x_n) − y_n‖² + λ (μ₁ Σ_l Σ_{j,i} |φ_{j,i}|₁ + μ₂ Σ_l S_l)
// (kan/kan.hpp for the regulariser) as an nnt::objective of θ, so the optimizers of
// dynamics/optimizers.hpp (Adam, L-BFGS, …) train it.
#pragma once

#include "../core/error.hpp"
#include "../core/objective.hpp"
#include "kan.hpp"

namespace nnt {

struct kan_regularization {
  double lambda = 0.0;  ///< overall strength λ (0: none)
  double mu1 = 1.0;     ///< weight of the L1 term
  double mu2 = 1.0;     ///< weight of the entropy term
};

template <class S = double>
class kan_objective {
 public:
  kan_objective(kan<S> net, Matrix<S> X, Matrix<S> Y, kan_regularization reg = {})
      : net_(std::move(net)), X_(std::move(X)), Y_(std::move(Y)), reg_(reg) {
    require_rows("X", net_.widths().front(), X_.rows());
    require_shape("Y", net_.widths().back(), X_.cols(), Y_);
    require_finite("X", X_);
    require_finite("Y", Y_);
    require_finite("lambda", reg_.lambda);
    require_nonnegative("lambda", reg_.lambda);
  }

  Index dimension() const { return net_.parameter_count(); }
  const kan<S>& network() const { return net_; }
  kan<S>& network() { return net_; }

  S value(const Vector<S>& theta) {
    return evaluate(theta, nullptr);
  }
  S value_and_gradient(const Vector<S>& theta, Vector<S>& gradient) { return evaluate(theta, &gradient); }

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
      loss += net_.add_regularization(ws_, reg_.lambda, reg_.mu1, reg_.mu2, gradient ? *gradient : scratch);
    }
    return loss;
  }

  kan<S> net_;
  Matrix<S> X_, Y_, residual_;
  kan_regularization reg_;
  kan_workspace<S> ws_;
};

}  // namespace nnt
