// nnt/core/types.hpp — the Eigen types nnt is written in: Matrix<S>, Vector<S>, maps, and the
// Eigen::Ref views public functions take, so blocks and expressions pass without a copy.
// A batch X is d × N (one example per column), parameters are one flat Vector<S>, kernels N × N.
// scalar_value(x) strips (nested) AutoDiffScalar layers to the real number underneath.
#pragma once

#include <Eigen/Core>

#include <type_traits>

namespace nnt {

/// Signed size and index type of every dimension and count (Eigen::Index, std::ptrdiff_t).
using Index = Eigen::Index;

/// Dynamic-size column-major dense matrix of S.
template <class S>
using Matrix = Eigen::Matrix<S, Eigen::Dynamic, Eigen::Dynamic>;
/// Dynamic-size column vector of S (parameters θ, one example, a probe).
template <class S>
using Vector = Eigen::Matrix<S, Eigen::Dynamic, 1>;
/// Dynamic-size row vector of S.
template <class S>
using RowVector = Eigen::Matrix<S, 1, Eigen::Dynamic>;
/// Dynamic-size 2-D Eigen array of S (elementwise arithmetic, e.g. pre-activations).
template <class S>
using Array = Eigen::Array<S, Eigen::Dynamic, Eigen::Dynamic>;
/// Dynamic-size 1-D (column) Eigen array of S.
template <class S>
using ArrayVector = Eigen::Array<S, Eigen::Dynamic, 1>;

/// Writable Matrix view of caller-owned contiguous column-major storage (no copy, no ownership).
template <class S>
using MatrixMap = Eigen::Map<Matrix<S>>;
/// Read-only Matrix view of caller-owned contiguous column-major storage.
template <class S>
using ConstMatrixMap = Eigen::Map<const Matrix<S>>;
/// Writable Vector view of caller-owned contiguous storage.
template <class S>
using VectorMap = Eigen::Map<Vector<S>>;
/// Read-only Vector view of caller-owned contiguous storage.
template <class S>
using ConstVectorMap = Eigen::Map<const Vector<S>>;

/// Read-only view of any dense Eigen matrix with unit inner stride (a matrix, a block of columns,
/// a map) without a copy; other expressions are evaluated into a temporary the Ref owns.
template <class S>
using const_matrix_ref = Eigen::Ref<const Matrix<S>>;
/// Read-only view of a dense vector (a Vector, a column, a map) without a copy; other
/// expressions are evaluated into a temporary the Ref owns.
template <class S>
using const_vector_ref = Eigen::Ref<const Vector<S>>;
/// Writable view of an existing matrix, block of columns or map with unit inner stride; writes go
/// to the caller's storage (expressions that would need a temporary do not bind).
template <class S>
using matrix_ref = Eigen::Ref<Matrix<S>>;
/// Writable view of an existing vector, column or map; writes go to the caller's storage.
template <class S>
using vector_ref = Eigen::Ref<Vector<S>>;

/// const_matrix_ref / const_vector_ref in a non-deduced context: function templates deduce S from
/// their main argument (a network, an operator, the outputs Z) and accept any Eigen expression,
/// block or map for these.
template <class S>
using matrix_arg = std::type_identity_t<const_matrix_ref<S>>;
/// const_vector_ref in a non-deduced context (S comes from another argument), as matrix_arg.
template <class S>
using vector_arg = std::type_identity_t<const_vector_ref<S>>;
/// vector_ref (a writable output vector) in a non-deduced context, as matrix_arg.
template <class S>
using mutable_vector_arg = std::type_identity_t<vector_ref<S>>;

/// True for Eigen::AutoDiffScalar-like types: a value() and a derivatives() vector.
template <class S>
concept autodiff_scalar = requires(const S& x) {
  x.value();
  x.derivatives();
};

/// A single number nnt computes with: a floating-point or integer type, or an AutoDiffScalar.
template <class S>
concept scalar_like = std::is_arithmetic_v<S> || autodiff_scalar<S>;

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
