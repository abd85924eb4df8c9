// nnt/core/types.hpp — the shared vocabulary of Eigen types used throughout nnt.
//
// Conventions: a batch of inputs X is d × N (one example per column, Eigen's column-major order),
// parameters live in one flat Vector<S>, kernels are N × N matrices. Everything is templated on the
// Scalar S so that the same code runs in float, double, long double and Eigen::AutoDiffScalar.
// scalar_value(x) strips (possibly nested) AutoDiffScalar layers to the underlying real number,
// which is what range checks and error messages look at.
#pragma once

#include <Eigen/Core>

#include <type_traits>

namespace nnt {

using Index = Eigen::Index;

template <class S> using Matrix = Eigen::Matrix<S, Eigen::Dynamic, Eigen::Dynamic>;
template <class S> using Vector = Eigen::Matrix<S, Eigen::Dynamic, 1>;
template <class S> using RowVector = Eigen::Matrix<S, 1, Eigen::Dynamic>;
template <class S> using Array = Eigen::Array<S, Eigen::Dynamic, Eigen::Dynamic>;
template <class S> using ArrayVector = Eigen::Array<S, Eigen::Dynamic, 1>;

template <class S> using MatrixMap = Eigen::Map<Matrix<S>>;
template <class S> using ConstMatrixMap = Eigen::Map<const Matrix<S>>;
template <class S> using VectorMap = Eigen::Map<Vector<S>>;
template <class S> using ConstVectorMap = Eigen::Map<const Vector<S>>;

/// Matrix<S> / Vector<S> in a non-deduced context: function templates deduce S from their main
/// argument (a network, the outputs Z) and accept any Eigen expression for the others.
template <class S> using matrix_arg = std::type_identity_t<Matrix<S>>;
template <class S> using vector_arg = std::type_identity_t<Vector<S>>;

/// True for Eigen::AutoDiffScalar-like types: a value() and a derivatives() vector.
template <class S>
concept autodiff_scalar = requires(const S& x) {
  x.value();
  x.derivatives();
};

/// The real number underneath a scalar: x itself for arithmetic types, x.value() (recursively)
/// for AutoDiffScalar.
template <class S>
constexpr auto scalar_value(const S& x) {
  if constexpr (autodiff_scalar<S>) {
    return scalar_value(x.value());
  } else {
    return x;
  }
}

/// The underlying real type of S (double for AutoDiffScalar<VectorXd>).
template <class S>
using real_type_t = std::remove_cvref_t<decltype(scalar_value(std::declval<const S&>()))>;

}  // namespace nnt
