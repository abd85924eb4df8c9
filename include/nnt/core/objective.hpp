// nnt/core/objective.hpp — the two shapes every algorithm in nnt is written against.
//
// objective: a scalar function of a flat parameter vector θ,
//   f.value(θ) → S        f.value_and_gradient(θ, g) → S   (fills g = ∇f(θ))
//   optionally f.hvp(θ, v, out)                              (out = ∇²f(θ) v)
// linear_operator: a symmetric matrix known only by its action, op.rows() and op.apply(v, out)
//   (out = A v). Hessians, Gauss–Newton matrices and NTK Grams are operators without being
//   stored; curvature/ wraps them for Spectra and Lanczos.
// Models become objectives through small adaptors (mlp/objective.hpp), never by inheritance.
#pragma once

#include "types.hpp"

#include <concepts>

namespace nnt {

template <class F, class S = double>
concept objective = requires(F& f, const Vector<S>& theta, Vector<S>& gradient) {
  { f.value(theta) } -> std::convertible_to<S>;
  { f.value_and_gradient(theta, gradient) } -> std::convertible_to<S>;
};

template <class F, class S = double>
concept objective_with_hvp =
    objective<F, S> && requires(F& f, const Vector<S>& theta, const Vector<S>& v, Vector<S>& out) {
      f.hvp(theta, v, out);
    };

template <class Op, class S = double>
concept linear_operator = requires(const Op& op, const Vector<S>& v, Vector<S>& out) {
  { op.rows() } -> std::convertible_to<Index>;
  op.apply(v, out);
};

/// A dense symmetric matrix seen as a linear_operator (for tests and small problems).
template <class S = double>
class dense_operator {
 public:
  explicit dense_operator(Matrix<S> a) : a_(std::move(a)) {}
  Index rows() const { return a_.rows(); }
  void apply(const Vector<S>& v, Vector<S>& out) const { out.noalias() = a_ * v; }
  const Matrix<S>& matrix() const { return a_; }

 private:
  Matrix<S> a_;
};

}  // namespace nnt
