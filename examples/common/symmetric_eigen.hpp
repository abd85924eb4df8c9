// examples/common/symmetric_eigen.hpp — small dense helpers for symmetric matrices (Eigen's
// SelfAdjointEigenSolver): the eigenvalues in descending order, and the square root of a positive
// semidefinite matrix whose smallest eigenvalues may be rounded slightly below zero.
#pragma once

#include <Eigen/Eigenvalues>

namespace nnt_examples {

inline Eigen::VectorXd descending_eigenvalues(const Eigen::MatrixXd& A) {
  return Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd>(A, Eigen::EigenvaluesOnly)
      .eigenvalues()
      .reverse();
}

/// A^{1/2} = V max(Λ, 0)^{1/2} Vᵀ for a symmetric PSD A (negative rounding eigenvalues → 0).
inline Eigen::MatrixXd psd_sqrt(const Eigen::MatrixXd& A) {
  const Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> es(A);
  const Eigen::VectorXd root = es.eigenvalues().cwiseMax(0.0).cwiseSqrt();
  return es.eigenvectors() * root.asDiagonal() * es.eigenvectors().transpose();
}

}  // namespace nnt_examples
