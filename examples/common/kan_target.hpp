// examples/common/kan_target.hpp — the K2 target f(x, y) = exp(sin(πx) + y²) on [−1, 1]², its
// uniform samples and the RMSE, shared by the KAN examples.
#pragma once

#include <nnt/core/random.hpp>

#include <cmath>
#include <numbers>

namespace nnt_examples {

inline double kan_target(double x, double y) {
  return std::exp(std::sin(std::numbers::pi * x) + y * y);
}

inline void sample_kan_target(nnt::Index N, nnt::random_generator& rng, Eigen::MatrixXd& X,
                              Eigen::MatrixXd& Y) {
  X.resize(2, N);
  Y.resize(1, N);
  for (nnt::Index n = 0; n < N; ++n) {
    X(0, n) = rng.uniform(-1.0, 1.0);
    X(1, n) = rng.uniform(-1.0, 1.0);
    Y(0, n) = kan_target(X(0, n), X(1, n));
  }
}

inline double rmse(const Eigen::MatrixXd& Z, const Eigen::MatrixXd& Y) {
  return std::sqrt((Z - Y).squaredNorm() / double(Y.size()));
}

}  // namespace nnt_examples
