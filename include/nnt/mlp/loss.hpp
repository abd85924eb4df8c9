// nnt/mlp/loss.hpp — losses on a k × N batch of outputs Z with targets Y, per example ℓ(z_a, y_a):
//   mse_loss                    ℓ = ½‖z − y‖²                     ∇ = z − y       H = I
//   binary_cross_entropy_loss   ℓ = Σᵢ softplus(zᵢ) − yᵢzᵢ        ∇ = s − y       H = diag(s(1−s))
//     (logits z, s = sigmoid(z), targets y ∈ [0,1]; equals −y log s − (1−y) log(1−s))
//   softmax_cross_entropy_loss  ℓ = (Σy)·logsumexp(z) − yᵀz       ∇ = (Σy)p − y   H = (Σy)(diag p − ppᵀ)
//     (p = softmax(z); y a probability vector (one-hot), so Σy = 1 in the usual case)
// The batch loss is the mean over examples (reduction::mean, default) or the sum; gradients and
// output Hessians carry the same 1/N. logsumexp is shifted by max z, so no overflow.
// value, gradient (dL/dZ), hessian_product (per-column H_a v_a) and output_hessian (k × k of one
// example) are what backprop, the R-operator and Gauss–Newton need.
#pragma once

#include "../core/activation.hpp"
#include "../core/error.hpp"
#include "../core/types.hpp"

#include <cmath>
#include <string>

namespace nnt {

enum class reduction { mean, sum };

namespace detail {
template <class S>
void check_loss_inputs(const Matrix<S>& Z, const matrix_arg<S>& Y) {
  require_rows("Y", Z.rows(), Y.rows());
  require_cols("Y", Z.cols(), Y.cols());
  require_finite("Y", Y);
}
// Real-typed (double for AutoDiffScalar): a constant AutoDiffScalar would carry an empty
// derivative vector, which Eigen cannot add to a full one.
template <class S>
real_type_t<S> reduction_factor(reduction r, Index N) {
  using R = real_type_t<S>;
  return r == reduction::mean && N > 0 ? R(1) / R(N) : R(1);
}
}  // namespace detail

struct mse_loss {
  reduction red = reduction::mean;

  template <class S>
  S value(const Matrix<S>& Z, const matrix_arg<S>& Y) const {
    detail::check_loss_inputs(Z, Y);
    return S(0.5 * detail::reduction_factor<S>(red, Z.cols()) * (Z - Y).squaredNorm());
  }
  template <class S>
  S value_and_gradient(const Matrix<S>& Z, const matrix_arg<S>& Y, Matrix<S>& G) const {
    detail::check_loss_inputs(Z, Y);
    const auto c = detail::reduction_factor<S>(red, Z.cols());
    G = c * (Z - Y);
    return S(0.5 * c * (Z - Y).squaredNorm());
  }
  template <class S>
  void hessian_product(const Matrix<S>&, const matrix_arg<S>&, const matrix_arg<S>& V, Matrix<S>& out) const {
    out = detail::reduction_factor<S>(red, V.cols()) * V;
  }
  template <class S>
  Matrix<S> output_hessian(const Matrix<S>& Z, const matrix_arg<S>&, Index) const {
    return detail::reduction_factor<S>(red, Z.cols()) * Matrix<S>::Identity(Z.rows(), Z.rows());
  }
};

struct binary_cross_entropy_loss {
  reduction red = reduction::mean;

  template <class S>
  S value(const Matrix<S>& Z, const matrix_arg<S>& Y) const {
    check(Z, Y);
    S total = 0;
    for (Index j = 0; j < Z.cols(); ++j)
      for (Index i = 0; i < Z.rows(); ++i)
        total += activation_formulas::softplus::value(Z(i, j), 0.0) - Y(i, j) * Z(i, j);
    return S(detail::reduction_factor<S>(red, Z.cols()) * total);
  }
  template <class S>
  S value_and_gradient(const Matrix<S>& Z, const matrix_arg<S>& Y, Matrix<S>& G) const {
    const S v = value(Z, Y);
    const auto c = detail::reduction_factor<S>(red, Z.cols());
    G = Z.unaryExpr([](const S& z) { return activation_formulas::sigmoid(z); });
    G = c * (G - Y);
    return v;
  }
  template <class S>
  void hessian_product(const Matrix<S>& Z, const matrix_arg<S>&, const matrix_arg<S>& V, Matrix<S>& out) const {
    const auto c = detail::reduction_factor<S>(red, Z.cols());
    out = Z.unaryExpr([](const S& z) {
             const S s = activation_formulas::sigmoid(z);
             return S(s * S(1.0 - s));
           }).cwiseProduct(V) * c;
  }
  template <class S>
  Matrix<S> output_hessian(const Matrix<S>& Z, const matrix_arg<S>&, Index a) const {
    Vector<S> d = Z.col(a).unaryExpr([](const S& z) {
      const S s = activation_formulas::sigmoid(z);
      return S(s * S(1.0 - s));
    });
    return detail::reduction_factor<S>(red, Z.cols()) * Matrix<S>(d.asDiagonal());
  }

 private:
  template <class S>
  static void check(const Matrix<S>& Z, const matrix_arg<S>& Y) {
    detail::check_loss_inputs(Z, Y);
    for (Index j = 0; j < Y.cols(); ++j)
      for (Index i = 0; i < Y.rows(); ++i)
        if (!(scalar_value(Y(i, j)) >= 0 && scalar_value(Y(i, j)) <= 1))
          throw_invalid_argument("Y", "targets in [0, 1]",
                                 format_value(Y(i, j)) + " at (" + std::to_string(i) + ", " +
                                     std::to_string(j) + ")");
  }
};

struct softmax_cross_entropy_loss {
  reduction red = reduction::mean;

  /// p = softmax(z) column by column, shifted by the column maximum.
  template <class S>
  static Matrix<S> softmax(const Matrix<S>& Z) {
    using std::exp;
    Matrix<S> P(Z.rows(), Z.cols());
    for (Index j = 0; j < Z.cols(); ++j) {
      const S m = max_of(Z.col(j));
      S sum = 0;
      for (Index i = 0; i < Z.rows(); ++i) sum += (P(i, j) = exp(S(Z(i, j) - m)));
      P.col(j) /= sum;
    }
    return P;
  }
  /// logsumexp(z) = m + log Σ exp(zᵢ − m), m = max z.
  template <class S, class Derived>
  static S logsumexp(const Eigen::MatrixBase<Derived>& z) {
    using std::exp;
    using std::log;
    const S m = max_of(z);
    S sum = 0;
    for (Index i = 0; i < z.size(); ++i) sum += exp(S(z(i) - m));
    return S(m + log(sum));
  }

  template <class S>
  S value(const Matrix<S>& Z, const matrix_arg<S>& Y) const {
    check(Z, Y);
    S total = 0;
    for (Index j = 0; j < Z.cols(); ++j)
      total += Y.col(j).sum() * logsumexp<S>(Z.col(j)) - Y.col(j).dot(Z.col(j));
    return S(detail::reduction_factor<S>(red, Z.cols()) * total);
  }
  template <class S>
  S value_and_gradient(const Matrix<S>& Z, const matrix_arg<S>& Y, Matrix<S>& G) const {
    const S v = value(Z, Y);
    const auto c = detail::reduction_factor<S>(red, Z.cols());
    G = softmax(Z);
    for (Index j = 0; j < Z.cols(); ++j) G.col(j) = c * (Y.col(j).sum() * G.col(j) - Y.col(j));
    return v;
  }
  template <class S>
  void hessian_product(const Matrix<S>& Z, const matrix_arg<S>& Y, const matrix_arg<S>& V,
                       Matrix<S>& out) const {
    const auto c = detail::reduction_factor<S>(red, Z.cols());
    const Matrix<S> P = softmax(Z);
    out.resize(V.rows(), V.cols());
    for (Index j = 0; j < V.cols(); ++j) {
      const S pv = P.col(j).dot(V.col(j));
      out.col(j) = (c * Y.col(j).sum()) * (P.col(j).cwiseProduct(V.col(j)) - pv * P.col(j));
    }
  }
  template <class S>
  Matrix<S> output_hessian(const Matrix<S>& Z, const matrix_arg<S>& Y, Index a) const {
    const Matrix<S> P = softmax(Matrix<S>(Z.col(a)));
    const Vector<S> p = P.col(0);
    const auto c = detail::reduction_factor<S>(red, Z.cols()) * Y.col(a).sum();
    return c * (Matrix<S>(p.asDiagonal()) - p * p.transpose());
  }

 private:
  template <class Derived>
  static typename Derived::Scalar max_of(const Eigen::MatrixBase<Derived>& z) {
    typename Derived::Scalar m = z(0);
    for (Index i = 1; i < z.size(); ++i)
      if (scalar_value(z(i)) > scalar_value(m)) m = z(i);
    return m;
  }
  template <class S>
  static void check(const Matrix<S>& Z, const matrix_arg<S>& Y) {
    detail::check_loss_inputs(Z, Y);
    if (Z.rows() < 1) throw_invalid_argument("Z", "at least 1 row (class)", "0");
    for (Index j = 0; j < Y.cols(); ++j)
      for (Index i = 0; i < Y.rows(); ++i)
        if (!(scalar_value(Y(i, j)) >= 0))
          throw_invalid_argument("Y", "non-negative class weights (probabilities)",
                                 format_value(Y(i, j)) + " at (" + std::to_string(i) + ", " +
                                     std::to_string(j) + ")");
  }
};

}  // namespace nnt
