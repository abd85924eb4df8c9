// nnt/core/dense_operator.hpp — a dense symmetric matrix seen as a linear_operator
// (core/concepts.hpp): apply(v, out) computes out = A v. For tests, small problems and dense
// references of the matrix-free operators (Hessians, Gauss–Newton, Grams).
#pragma once

#include "concepts.hpp"
#include "error.hpp"
#include "types.hpp"

#include <utility>

namespace nnt {

/// A linear_operator that owns a dense square matrix A (symmetry is assumed, not checked):
/// apply(v, out) is out = A v, O(n²).
template <class S = double>
class dense_operator {
 public:
  using Scalar = S;  ///< element type of A and of the vectors apply() takes
  /// A must be square ("A: expected a 3x3 matrix, got 3x4").
  explicit dense_operator(Matrix<S> a) : a_(std::move(a)) {
    require_shape("A", a_.rows(), a_.rows(), a_);
  }
  /// Dimension n of A (= cols, it is square): the size of v and out in apply().
  Index rows() const { return a_.rows(); }
  /// out = A v.
  void apply(const const_vector_ref<S>& v, vector_ref<S> out) const { out.noalias() = a_ * v; }
  /// The wrapped matrix A.
  const Matrix<S>& matrix() const { return a_; }

 private:
  Matrix<S> a_;
};

}  // namespace nnt
