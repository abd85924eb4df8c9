// nnt/mlp/loss.hpp — losses of a k × N batch of outputs Z with targets Y, L = c Σ_a ℓ(z_a, y_a),
// c = 1/N (reduction::mean, default) or 1 (sum); gradients and Hessians carry the same c:
//   mse_loss                    ℓ = ½‖z − y‖²                ∇ = z − y       H = I
//   binary_cross_entropy_loss   ℓ = Σᵢ log(1 + e^{zᵢ}) − yᵢzᵢ  ∇ = s − y       H = diag(s(1 − s))
//   softmax_cross_entropy_loss  ℓ = (Σy) logsumexp(z) − yᵀz  ∇ = (Σy)p − y   H = (Σy)(diag p − ppᵀ)
// (z logits, s = sigmoid(z), p = softmax(z); BCE targets in [0, 1], softmax targets non-negative
// class weights, one-hot in the usual case). logsumexp is shifted by max z: no overflow. Members:
// value, value_and_gradient (G = ∂L/∂Z), hessian_product (per column H_a V_a) and example_hessian
// (H_a of one example, k × k) — what backprop, the R-operator and Gauss–Newton need.
#pragma once

#include "../core/error.hpp"
#include "../core/scalar_math.hpp"
#include "../core/types.hpp"

#include <cmath>
#include <limits>
#include <string>

namespace nnt {

/// How a loss combines its N per-example terms: c = 1/N (mean) or c = 1 (sum).
enum class reduction { mean, sum };

namespace detail {
template <class DZ, class DY>
void check_loss_inputs(const Eigen::MatrixBase<DZ>& Z, const Eigen::MatrixBase<DY>& Y) {
  require_rows("Y", Z.rows(), Y.rows());
  require_cols("Y", Z.cols(), Y.cols());
  require_finite("Y", Y);
}
template <class DZ, class DV>
void check_hessian_product_inputs(const Eigen::MatrixBase<DZ>& Z, const Eigen::MatrixBase<DV>& V) {
  require_rows("V", Z.rows(), V.rows());
  require_cols("V", Z.cols(), V.cols());
}
// example_hessian(Z, Y, a): Y shaped like Z and a a column index of Z.
template <class DZ, class DY>
void check_example_inputs(const Eigen::MatrixBase<DZ>& Z, const Eigen::MatrixBase<DY>& Y, Index a) {
  require_rows("Y", Z.rows(), Y.rows());
  require_cols("Y", Z.cols(), Y.cols());
  if (a < 0 || a >= Z.cols())
    throw_invalid_argument("a", "an example index in [0, " + std::to_string(Z.cols()) + ")",
                           std::to_string(a));
}
// Real-typed (double for AutoDiffScalar): a constant AutoDiffScalar would carry an empty
// derivative vector, which Eigen cannot add to a full one.
template <class S>
real_type_t<S> reduction_factor(reduction r, Index N) {
  using R = real_type_t<S>;
  return r == reduction::mean && N > 0 ? R(1) / R(N) : R(1);
}
}  // namespace detail

/// ½‖z − y‖² per example.
struct mse_loss {
  reduction red = reduction::mean;  ///< c = 1/N (mean, default) or 1 (sum), also on G and H

  /// L(Z; Y).
  template <class DZ, class S = typename DZ::Scalar>
  S value(const Eigen::MatrixBase<DZ>& Z, const matrix_arg<S>& Y) const {
    detail::check_loss_inputs(Z, Y);
    return S(0.5 * detail::reduction_factor<S>(red, Z.cols()) * (Z - Y).squaredNorm());
  }
  /// L and G = ∂L/∂Z.
  template <class DZ, class S = typename DZ::Scalar>
  S value_and_gradient(const Eigen::MatrixBase<DZ>& Z, const matrix_arg<S>& Y, Matrix<S>& G) const {
    detail::check_loss_inputs(Z, Y);
    const auto c = detail::reduction_factor<S>(red, Z.cols());
    G = c * (Z - Y);
    return S(0.5 * c * (Z - Y).squaredNorm());
  }
  /// out_a = H_a V_a for every column a.
  template <class DZ, class S = typename DZ::Scalar>
  void hessian_product(const Eigen::MatrixBase<DZ>& Z, const matrix_arg<S>&, const matrix_arg<S>& V,
                       Matrix<S>& out) const {
    detail::check_hessian_product_inputs(Z, V);
    out = detail::reduction_factor<S>(red, V.cols()) * V;
  }
  /// H_a = ∇²_z ℓ(z_a, y_a) (times c), k × k.
  template <class DZ, class S = typename DZ::Scalar>
  Matrix<S> example_hessian(const Eigen::MatrixBase<DZ>& Z, const matrix_arg<S>& Y, Index a) const {
    detail::check_example_inputs(Z, Y, a);
    return detail::reduction_factor<S>(red, Z.cols()) * Matrix<S>::Identity(Z.rows(), Z.rows());
  }
};

/// Σᵢ log(1 + e^{zᵢ}) − yᵢzᵢ per example (logits z, targets y ∈ [0, 1]).
struct binary_cross_entropy_loss {
  reduction red = reduction::mean;  ///< c = 1/N (mean, default) or 1 (sum), also on G and H

  /// L(Z; Y).
  template <class DZ, class S = typename DZ::Scalar>
  S value(const Eigen::MatrixBase<DZ>& Z, const matrix_arg<S>& Y) const {
    check(Z, Y);
    S total = 0;
    for (Index j = 0; j < Z.cols(); ++j)
      for (Index i = 0; i < Z.rows(); ++i) total += math::log1p_exp(S(Z(i, j))) - Y(i, j) * Z(i, j);
    return S(detail::reduction_factor<S>(red, Z.cols()) * total);
  }
  /// L and G = ∂L/∂Z = c(s − y).
  template <class DZ, class S = typename DZ::Scalar>
  S value_and_gradient(const Eigen::MatrixBase<DZ>& Z, const matrix_arg<S>& Y, Matrix<S>& G) const {
    const S v = value(Z, Y);
    const auto c = detail::reduction_factor<S>(red, Z.cols());
    G = Z.unaryExpr([](const S& z) { return math::logistic(z); });
    G = c * (G - Y);
    return v;
  }
  /// out_a = H_a V_a = c s(1 − s) ⊙ V_a.
  template <class DZ, class S = typename DZ::Scalar>
  void hessian_product(const Eigen::MatrixBase<DZ>& Z, const matrix_arg<S>&, const matrix_arg<S>& V,
                       Matrix<S>& out) const {
    detail::check_hessian_product_inputs(Z, V);
    const auto c = detail::reduction_factor<S>(red, Z.cols());
    out = Z.unaryExpr([](const S& z) { return curvature(z); }).cwiseProduct(V) * c;
  }
  /// H_a = c diag(s(1 − s)).
  template <class DZ, class S = typename DZ::Scalar>
  Matrix<S> example_hessian(const Eigen::MatrixBase<DZ>& Z, const matrix_arg<S>& Y, Index a) const {
    detail::check_example_inputs(Z, Y, a);
    const Vector<S> d = Z.col(a).unaryExpr([](const S& z) { return curvature(z); });
    return detail::reduction_factor<S>(red, Z.cols()) * Matrix<S>(d.asDiagonal());
  }

 private:
  template <class S>
  static S curvature(const S& z) {
    const S s = math::logistic(z);
    return S(s * S(1.0 - s));
  }
  template <class DZ, class DY>
  static void check(const Eigen::MatrixBase<DZ>& Z, const Eigen::MatrixBase<DY>& Y) {
    detail::check_loss_inputs(Z, Y);
    for (Index j = 0; j < Y.cols(); ++j)
      for (Index i = 0; i < Y.rows(); ++i)
        if (!(scalar_value(Y(i, j)) >= 0 && scalar_value(Y(i, j)) <= 1))
          throw_invalid_argument(
              "Y", "targets in [0, 1]",
              format_value(Y(i, j)) + " at (" + std::to_string(i) + ", " + std::to_string(j) + ")");
  }
};

/// (Σy) logsumexp(z) − yᵀz per example (logits z, non-negative class weights y).
struct softmax_cross_entropy_loss {
  reduction red = reduction::mean;  ///< c = 1/N (mean, default) or 1 (sum), also on G and H

  /// p = softmax(z) column by column, shifted by the column maximum (Z needs ≥ 1 row). Its limits
  /// at infinite logits: the entries at +inf share the mass; a column of −inf only is NaN.
  template <class DZ, class S = typename DZ::Scalar>
  static Matrix<S> softmax(const Eigen::MatrixBase<DZ>& Z) {
    using std::exp;
    require_at_least<Index>("Z.rows()", Z.rows(), 1);
    Matrix<S> P(Z.rows(), Z.cols());
    for (Index j = 0; j < Z.cols(); ++j) {
      const S m = max_of(Z.col(j));
      if (scalar_value(m) == std::numeric_limits<real_type_t<S>>::infinity()) {
        for (Index i = 0; i < Z.rows(); ++i)
          P(i, j) = S(scalar_value(Z(i, j)) == scalar_value(m) ? 1.0 : 0.0);
        P.col(j) /= P.col(j).sum();
        continue;
      }
      S sum = 0;
      for (Index i = 0; i < Z.rows(); ++i) sum += (P(i, j) = exp(S(Z(i, j) - m)));
      P.col(j) /= sum;
    }
    return P;
  }
  /// logsumexp(z) = m + log Σ exp(zᵢ − m), m = max z (z needs ≥ 1 entry; ±inf at an infinite m).
  template <class S, class Derived>
  static S logsumexp(const Eigen::MatrixBase<Derived>& z) {
    using std::exp;
    using std::log;
    require_at_least<Index>("z.size()", z.size(), 1);
    const S m = max_of(z);
    if (std::isinf(double(scalar_value(m)))) return m;
    S sum = 0;
    for (Index i = 0; i < z.size(); ++i) sum += exp(S(z(i) - m));
    return S(m + log(sum));
  }

  /// L(Z; Y).
  template <class DZ, class S = typename DZ::Scalar>
  S value(const Eigen::MatrixBase<DZ>& Z, const matrix_arg<S>& Y) const {
    check(Z, Y);
    S total = 0;
    for (Index j = 0; j < Z.cols(); ++j)
      total += Y.col(j).sum() * logsumexp<S>(Z.col(j)) - Y.col(j).dot(Z.col(j));
    return S(detail::reduction_factor<S>(red, Z.cols()) * total);
  }
  /// L and G = ∂L/∂Z = c((Σy)p − y).
  template <class DZ, class S = typename DZ::Scalar>
  S value_and_gradient(const Eigen::MatrixBase<DZ>& Z, const matrix_arg<S>& Y, Matrix<S>& G) const {
    const S v = value(Z, Y);
    const auto c = detail::reduction_factor<S>(red, Z.cols());
    G = softmax(Z);
    for (Index j = 0; j < Z.cols(); ++j) G.col(j) = c * (Y.col(j).sum() * G.col(j) - Y.col(j));
    return v;
  }
  /// out_a = H_a V_a = c(Σy_a)(p_a ⊙ V_a − (p_aᵀV_a) p_a).
  template <class DZ, class S = typename DZ::Scalar>
  void hessian_product(const Eigen::MatrixBase<DZ>& Z, const matrix_arg<S>& Y,
                       const matrix_arg<S>& V, Matrix<S>& out) const {
    detail::check_hessian_product_inputs(Z, V);
    require_rows("Y", Z.rows(), Y.rows());
    require_cols("Y", Z.cols(), Y.cols());
    const auto c = detail::reduction_factor<S>(red, Z.cols());
    const Matrix<S> P = softmax(Z);
    out.resize(V.rows(), V.cols());
    for (Index j = 0; j < V.cols(); ++j) {
      const S pv = P.col(j).dot(V.col(j));
      out.col(j) = (c * Y.col(j).sum()) * (P.col(j).cwiseProduct(V.col(j)) - pv * P.col(j));
    }
  }
  /// H_a = c(Σy_a)(diag p_a − p_a p_aᵀ).
  template <class DZ, class S = typename DZ::Scalar>
  Matrix<S> example_hessian(const Eigen::MatrixBase<DZ>& Z, const matrix_arg<S>& Y, Index a) const {
    detail::check_example_inputs(Z, Y, a);
    const Vector<S> p = softmax(Matrix<S>(Z.col(a))).col(0);
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
  template <class DZ, class DY>
  static void check(const Eigen::MatrixBase<DZ>& Z, const Eigen::MatrixBase<DY>& Y) {
    detail::check_loss_inputs(Z, Y);
    if (Z.rows() < 1) throw_invalid_argument("Z", "at least 1 row (class)", "0");
    for (Index j = 0; j < Y.cols(); ++j)
      for (Index i = 0; i < Y.rows(); ++i)
        if (!(scalar_value(Y(i, j)) >= 0))
          throw_invalid_argument(
              "Y", "non-negative class weights (probabilities)",
              format_value(Y(i, j)) + " at (" + std::to_string(i) + ", " + std::to_string(j) + ")");
  }
};

}  // namespace nnt
