// Shared inputs of the large-scale kernel tests (kernel operator, RPCholesky, PCG, Nyström).
#pragma once

#include <nnt/core/random.hpp>
#include <nnt/core/types.hpp>
#include <nnt/kernels/layer.hpp>

#include <cmath>
#include <cstdint>

namespace nnt_test {

/// rows × cols of independent N(0, 1) draws from the stream `seed`.
inline nnt::Matrix<double> gaussian_matrix(nnt::Index rows, nnt::Index cols, std::uint64_t seed) {
  nnt::random_generator rng(seed);
  nnt::Matrix<double> X(rows, cols);
  rng.fill_normal(X);
  return X;
}

/// A smooth two-output teacher of the inputs (2 × N): sin(x₀) + x₁/2 and tanh(Σx/3).
inline nnt::Matrix<double> two_output_teacher(const nnt::Matrix<double>& X) {
  nnt::Matrix<double> Y(2, X.cols());
  for (nnt::Index a = 0; a < X.cols(); ++a) {
    Y(0, a) = std::sin(X(0, a)) + 0.5 * X(1, a);
    Y(1, a) = std::tanh(X.col(a).sum() / 3);
  }
  return Y;
}

/// dense → relu → dense → relu → dense, C_w = 2, C_b = 0.1 (NTK parameterisation).
inline nnt::kernel_network relu_kernel_net() {
  return nnt::fully_connected_kernel(nnt::activation::relu(),
                                     {.hidden_layers = 2, .C_w = 2.0, .C_b = 0.1});
}

}  // namespace nnt_test
