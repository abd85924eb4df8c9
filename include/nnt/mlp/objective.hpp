// nnt/mlp/objective.hpp — an MLP, a loss and a data set as an nnt::objective of θ.
//
// value(θ) = L(θ) = loss(net_θ(X), Y); value_and_gradient by backprop; hvp by the R-operator
// (mlp/derivatives.hpp); value_and_gradient(θ, g, batch) on a subset of the examples for
// minibatch SGD. This is the adaptor that lets optimizers, integrators and curvature tools
// work on networks without knowing about them (DESIGN.md "Shared shapes").
#pragma once

#include "../core/objective.hpp"
#include "derivatives.hpp"

#include <span>
#include <string>

namespace nnt {

template <class S, class Loss>
class mlp_objective {
 public:
  mlp_objective(mlp<S> net, Loss loss, matrix_arg<S> X, matrix_arg<S> Y)
      : net_(std::move(net)), loss_(std::move(loss)), X_(std::move(X)), Y_(std::move(Y)) {
    detail::require_batch(net_, X_);
    loss_.value(net_.forward(X_), Y_);  // validates Y's shape and values
  }

  Index dimension() const { return net_.parameter_count(); }
  const mlp<S>& network() const { return net_; }

  S value(const Vector<S>& theta) {
    net_.set_parameters(theta);
    return loss_.value(net_.forward(X_, ws_.fwd), Y_);
  }
  S value_and_gradient(const Vector<S>& theta, Vector<S>& gradient) {
    net_.set_parameters(theta);
    return loss_and_gradient(net_, loss_, X_, Y_, gradient, ws_);
  }
  /// Number of examples (columns of X), for minibatch optimizers.
  Index examples() const { return X_.cols(); }

  /// Loss and gradient on the examples `batch` only (the loss's reduction applies to the batch).
  S value_and_gradient(const Vector<S>& theta, Vector<S>& gradient, std::span<const Index> batch) {
    require_at_least<Index>("batch.size()", static_cast<Index>(batch.size()), 1);
    Xb_.resize(X_.rows(), static_cast<Index>(batch.size()));
    Yb_.resize(Y_.rows(), static_cast<Index>(batch.size()));
    for (std::size_t j = 0; j < batch.size(); ++j) {
      if (batch[j] < 0 || batch[j] >= X_.cols())
        throw_invalid_argument("batch", "indices in [0, " + std::to_string(X_.cols()) + ")",
                               std::to_string(batch[j]));
      Xb_.col(Index(j)) = X_.col(batch[j]);
      Yb_.col(Index(j)) = Y_.col(batch[j]);
    }
    net_.set_parameters(theta);
    return loss_and_gradient(net_, loss_, Xb_, Yb_, gradient, ws_);
  }

  void hvp(const Vector<S>& theta, const Vector<S>& v, Vector<S>& out) {
    net_.set_parameters(theta);
    hessian_operator<S, Loss>(net_, loss_, X_, Y_).apply(v, out);
  }

 private:
  mlp<S> net_;
  Loss loss_;
  Matrix<S> X_, Y_, Xb_, Yb_;
  derivative_workspace<S> ws_;
};

}  // namespace nnt
