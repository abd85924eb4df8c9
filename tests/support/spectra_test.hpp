// Symmetric test matrices with a known spectrum, shared by the curvature tests.
#pragma once

#include <nnt/core/random.hpp>

#include <Eigen/Dense>

namespace nnt_test {

/// A = Q diag(λ) Qᵀ with a random orthogonal Q and the given eigenvalues.
template <class S = double>
nnt::Matrix<S> with_spectrum(const Eigen::VectorXd& lambda, std::uint64_t seed) {
  nnt::random_generator rng(seed);
  Eigen::MatrixXd G(lambda.size(), lambda.size());
  rng.fill_normal(G);
  const Eigen::MatrixXd Q = Eigen::HouseholderQR<Eigen::MatrixXd>(G).householderQ();
  return (Q * lambda.asDiagonal() * Q.transpose()).cast<S>();
}

/// Eigenvalues −10 … 3 plus an outlier at −20: the largest *magnitude* is negative.
inline Eigen::VectorXd mixed_spectrum(nnt::Index n) {
  Eigen::VectorXd lambda = Eigen::VectorXd::LinSpaced(n, -10.0, 3.0);
  lambda(0) = -20.0;
  return lambda;
}

}  // namespace nnt_test
