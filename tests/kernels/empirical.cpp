#include <nnt/core/random.hpp>
#include <nnt/kernels/empirical.hpp>
#include <nnt/kernels/nngp_ntk.hpp>
#include <nnt/mlp/derivatives.hpp>

#include <cmath>

#include "support/testing.hpp"

using nnt::Index;
using nnt::Matrix;
using nnt::Vector;

namespace {

Matrix<double> random_matrix(Index r, Index c, std::uint64_t seed) {
  nnt::random_generator rng(seed);
  Matrix<double> X(r, c);
  rng.fill_normal(X);
  return X;
}

double max_relative(const Matrix<double>& A, const Matrix<double>& B) {
  return (A - B).cwiseAbs().maxCoeff() / B.cwiseAbs().maxCoeff();
}

}  // namespace

TEST_CASE("structured empirical NTK equals J Jᵀ from the per-example Jacobian",
          "[kernels][empirical]") {
  const Matrix<double> X = random_matrix(3, 5, 31);
  for (auto param : {nnt::parameterization::standard, nnt::parameterization::ntk})
    for (bool bias : {true, false}) {
      nnt::mlp<double> net({3, 7, 6, 2}, nnt::activation::tanh(), {1.7, 0.2, param, bias});
      net.initialize(32);
      const Matrix<double> J = nnt::per_example_jacobian(net, X);
      const Matrix<double> dense = J * J.transpose();
      // same sums in a different order: rounding only
      CHECK(max_relative(nnt::empirical_ntk(net, X), dense) < 1e-13);
    }
}

TEST_CASE("empirical NTK of a wide net approaches the infinite-width NTK", "[kernels][empirical]") {
  Matrix<double> X = random_matrix(4, 3, 33);
  X.colwise().normalize();
  X *= 2.0;  // ‖x‖² = d
  for (auto param : {nnt::parameterization::ntk, nnt::parameterization::standard}) {
    const Index width = 2048;
    nnt::mlp<double> net({4, width, 1}, nnt::activation::relu(), {2.0, 0.1, param, true});
    const auto infinite = nnt::ntk_gram(nnt::kernel_of(net), X);
    double mean_error = 0;
    for (std::uint64_t seed = 0; seed < 4; ++seed) {
      net.initialize(100 + seed);
      mean_error += max_relative(nnt::empirical_ntk(net, X), infinite) / 4;
    }
    // fluctuations are O(1/√width) ≈ 0.02 per entry: 0.1 is 5 of them, and the 4-seed average
    // of the max error over 6 entries stays well inside
    CHECK(mean_error < 0.1);
  }
}

TEST_CASE("Monte-Carlo NNGP of one-hidden-layer nets agrees with the closed form",
          "[kernels][empirical]") {
  // One hidden layer: the hidden pre-activations are exactly Gaussian at any width, so the output
  // covariance equals the infinite-width NNGP exactly; the MC error is statistical.
  const Matrix<double> X = random_matrix(3, 4, 34);
  nnt::mlp<double> net({3, 16, 2}, nnt::activation::erf(),
                       {1.5, 0.1, nnt::parameterization::standard, true});
  const auto mc = nnt::monte_carlo_nngp(net, X, 4000, 35);
  const auto exact = nnt::nngp_gram(nnt::kernel_of(net), X);
  CHECK(((mc.mean - exact).cwiseAbs().array() <= 5 * mc.standard_error.array()).all());
  CHECK(mc.standard_error.maxCoeff() < 0.05 * exact.cwiseAbs().maxCoeff());
}

TEST_CASE("empirical NTK takes blocks of inputs; bad input is refused", "[kernels][empirical]") {
  nnt::mlp<double> net({3, 5, 2}, nnt::activation::tanh());
  net.initialize(7);
  const Matrix<double> X = random_matrix(3, 8, 1);
  CHECK(nnt::empirical_ntk(net, X.leftCols(4)) ==
        nnt::empirical_ntk(net, Matrix<double>(X.leftCols(4))));
  NNT_CHECK_INVALID(nnt::empirical_ntk(net, random_matrix(2, 3, 1)), "X: expected 3 rows, got 2");
  NNT_CHECK_INVALID(nnt::empirical_ntk(net, Matrix<double>(3, 0)),
                    "X.cols(): expected at least 1, got 0");
  NNT_CHECK_INVALID(nnt::monte_carlo_nngp(net, X, 1, 2), "samples: expected at least 2, got 1");
}
