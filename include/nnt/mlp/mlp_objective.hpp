// nnt/mlp/mlp_objective.hpp — an MLP, a loss and a data set as an nnt::objective of θ
// (core/concepts.hpp): value(θ) = L(θ) = loss(net_θ(X), Y), value_and_gradient by backprop, hvp by
// the R-operator (mlp/derivatives.hpp), and value_and_gradient(θ, g, batch) on a subset of the
// examples for minibatch SGD — the adaptor through which optimizers, integrators and curvature
// tools work on networks without knowing about them.
#pragma once

#include "../core/concepts.hpp"
#include "derivatives.hpp"

#include <span>
#include <string>

namespace nnt {

/// L(θ) = loss(net_θ(X), Y) as an nnt::objective and minibatch_objective (value,
/// value_and_gradient, hvp, minibatch value_and_gradient); every call loads θ into its own copy of
/// the network, so it is not thread-safe.
template <class S, class Loss>
requires loss_function<Loss, S>
class mlp_objective {
 public:
  /// Copies the network (its parameters are the θ of each call), the loss and the data.
  mlp_objective(mlp<S> net, Loss loss, const matrix_arg<S>& X, const matrix_arg<S>& Y)
      : net_(std::move(net)), loss_(std::move(loss)), X_(X), Y_(Y) {
    detail::require_batch(net_, X_);
    loss_.value(net_.forward(X_), Y_);  // validates Y's shape and values
  }

  /// The number of parameters P.
  Index dimension() const { return net_.parameter_count(); }
  /// The network, with the parameters of the last evaluation.
  const mlp<S>& network() const { return net_; }

  /// L(θ).
  S value(const Vector<S>& theta) {
    net_.set_parameters(theta);
    return loss_.value(net_.forward(X_, ws_.fwd), Y_);
  }
  /// L(θ), and ∇L(θ) into gradient.
  S value_and_gradient(const Vector<S>& theta, Vector<S>& gradient) {
    net_.set_parameters(theta);
    return loss_and_gradient(net_, loss_, X_, Y_, gradient, ws_);
  }
  /// Number of examples (columns of X), for minibatch optimizers.
  Index examples() const { return X_.cols(); }

  /// Loss and gradient on the examples `batch` only (the loss's reduction applies to the batch).
  S value_and_gradient(const Vector<S>& theta, Vector<S>& gradient, std::span<const Index> batch) {
    require_batch_indices(batch, X_.cols());
    Xb_.resize(X_.rows(), static_cast<Index>(batch.size()));
    Yb_.resize(Y_.rows(), static_cast<Index>(batch.size()));
    for (std::size_t j = 0; j < batch.size(); ++j) {
      Xb_.col(Index(j)) = X_.col(batch[j]);
      Yb_.col(Index(j)) = Y_.col(batch[j]);
    }
    net_.set_parameters(theta);
    return loss_and_gradient(net_, loss_, Xb_, Yb_, gradient, ws_);
  }

  /// out = ∇²L(θ) v.
  void hvp(const Vector<S>& theta, const Vector<S>& v, Vector<S>& out) {
    net_.set_parameters(theta);
    hessian_vector_product(net_, loss_, X_, Y_, v, out, ws_);
  }

 private:
  mlp<S> net_;
  Loss loss_;
  Matrix<S> X_, Y_, Xb_, Yb_;
  derivative_workspace<S> ws_;
};

}  // namespace nnt
