// nnt/core/concepts.hpp — the shapes nnt's algorithms are written against, as C++20 concepts that
// constrain their templates (a type that does not fit fails at the call, with the concept named):
//   objective            f.value(θ) → S,  f.value_and_gradient(θ, g) → S  (fills g = ∇f(θ))
//   objective_with_hvp   … and f.hvp(θ, v, out)                            (out = ∇²f(θ) v)
//   minibatch_objective  … and f.examples(), f.value_and_gradient(θ, g, batch) on a subset
//   linear_operator      op.rows(), op.apply(v, out): out = A v (const_vector_ref v, vector_ref out
//                        of size rows()): Hessians, Gauss–Newton, Grams as operators
//   ode_system           f(x, dxdt, t): dxdt = F(x, t)
//   loss_function        ℓ.value(Z, Y), ℓ.value_and_gradient(Z, Y, G), ℓ.hessian_product(Z,Y,V,out)
// Models become objectives through small adaptors (mlp/mlp_objective.hpp), never by inheritance.
#pragma once

#include "types.hpp"

#include <concepts>
#include <span>
#include <type_traits>

namespace nnt {

template <class F, class S = double>
concept objective = requires(F& f, const Vector<S>& theta, Vector<S>& gradient) {
  { f.value(theta) } -> std::convertible_to<S>;
  { f.value_and_gradient(theta, gradient) } -> std::convertible_to<S>;
};

template <class F, class S = double>
concept objective_with_hvp = objective<F, S> &&
    requires(F& f, const Vector<S>& theta, const Vector<S>& v, Vector<S>& out) {
  f.hvp(theta, v, out);
};

/// An objective that is a mean over examples() terms and can be evaluated on a subset of them.
template <class F, class S = double>
concept minibatch_objective = objective<F, S> &&
    requires(F& f, const Vector<S>& theta, Vector<S>& g, std::span<const Index> batch) {
  { f.examples() } -> std::convertible_to<Index>;
  { f.value_and_gradient(theta, g, batch) } -> std::convertible_to<S>;
};

template <class Op, class S>
concept linear_operator_of = requires(const Op& op, const const_vector_ref<S>& v,
                                      vector_ref<S> out) {
  { op.rows() } -> std::convertible_to<Index>;
  op.apply(v, out);
};

namespace detail {
template <class Op>
consteval auto deduce_operator_scalar() {
  if constexpr (requires { typename Op::Scalar; })
    return typename Op::Scalar{};
  else if constexpr (linear_operator_of<Op, double>)
    return double{};
  else if constexpr (linear_operator_of<Op, float>)
    return float{};
  else
    return static_cast<long double>(0);
}
}  // namespace detail

/// The Scalar of an operator: Op::Scalar when it declares one (as Spectra's operators do), else
/// the first of double, float, long double its apply() accepts.
template <class Op>
using operator_scalar_t = decltype(detail::deduce_operator_scalar<std::remove_cvref_t<Op>>());

template <class Op>
concept linear_operator = linear_operator_of<std::remove_cvref_t<Op>, operator_scalar_t<Op>>;

template <class F, class S = double>
concept ode_system = requires(F& f, const Vector<S>& x, Vector<S>& dxdt, double t) {
  f(x, dxdt, t);
};

template <class L, class S = double>
concept loss_function = requires(const L& loss, const Matrix<S>& Z, const Matrix<S>& Y,
                                 Matrix<S>& G) {
  { loss.value(Z, Y) } -> std::convertible_to<S>;
  { loss.value_and_gradient(Z, Y, G) } -> std::convertible_to<S>;
  loss.hessian_product(Z, Y, Z, G);
};

}  // namespace nnt
