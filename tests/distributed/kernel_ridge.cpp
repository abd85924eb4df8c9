#include <nnt/distributed/kernel_ridge.hpp>
#include <nnt/kernels/nngp_ntk.hpp>
#include <nnt/kernels/regression.hpp>

#include <mpi.h>
#include <catch2/catch.hpp>

#include <Eigen/Eigenvalues>

#include <cmath>

#include "support/kernel_fixtures.hpp"

using nnt::Index;
using nnt::Matrix;

namespace {

// κ₂(A) of a symmetric positive definite A, from its eigenvalues.
double condition_number(const Matrix<double>& A) {
  const Eigen::SelfAdjointEigenSolver<Matrix<double>> es(A, Eigen::EigenvaluesOnly);
  return es.eigenvalues().maxCoeff() / es.eigenvalues().minCoeff();
}

Matrix<double> teacher(const Matrix<double>& X) { return nnt_test::two_output_teacher(X); }

}  // namespace

TEST_CASE("distributed_kernel_ridge equals kernel_ridge_fit on the dense Gram", "[distributed]") {
  const nnt::process_grid g;
  const Index d = 5, n = 300;
  const Matrix<double> X = nnt_test::gaussian_matrix(d, n, 31), Y = teacher(X);
  const auto net = nnt_test::relu_kernel_net();
  for (bool ntk : {true, false}) {
    const Matrix<double> G = ntk ? nnt::ntk_gram(net, X) : nnt::nngp_gram(net, X);
    const auto dense = nnt::kernel_ridge_fit(G, Y, {.ridge = 1e-3, .relative = true});
    REQUIRE(dense.status == nnt::status::ok);
    const auto m = nnt::distributed_kernel_ridge(
        g, net, X, Y, {.ridge = 1e-3, .relative = true, .ntk = ntk, .block = 32});
    REQUIRE(m.status == nnt::status::ok);
    CHECK(m.jitter == 0);
    CHECK(std::abs(m.ridge - dense.ridge) <= 1e-13 * dense.ridge);
    REQUIRE(m.alpha.rows() == n);
    REQUIRE(m.alpha.cols() == 2);
    Matrix<double> A = G;
    A.diagonal().array() += m.ridge;
    const double kappa = condition_number(A);
    for (Index c = 0; c < 2; ++c) {
      // Cholesky is backward stable: ‖r‖ ≤ c·N·ε‖A‖‖α‖ (c = 4 covers the blocked variants).
      const double res = (Y.row(c).transpose() - A * m.alpha.col(c)).norm();
      CHECK(res <= 4 * n * 2.2e-16 * A.norm() * m.alpha.col(c).norm());
      // Two backward-stable solves of the same system differ by ≤ 2·(that)·κ relative.
      CHECK((m.alpha.col(c) - dense.alpha.col(c)).norm() <=
            8 * n * 2.2e-16 * kappa * dense.alpha.col(c).norm());
    }
    // The Gram's share: N² scalars over all ranks.
    unsigned long long bytes = m.gram_bytes;
    MPI_Allreduce(MPI_IN_PLACE, &bytes, 1, MPI_UNSIGNED_LONG_LONG, MPI_SUM, MPI_COMM_WORLD);
    CHECK(bytes == static_cast<unsigned long long>(n * n) * sizeof(double));
  }
}

TEST_CASE("distributed_kernel_ridge adds jitter to a singular Gram or reports singular",
          "[distributed]") {
  const nnt::process_grid g;
  const Index n = 40;
  const Matrix<double> X = nnt_test::gaussian_matrix(4, n, 32), Y = teacher(X);
  // A linear network: K = xᵀy/d·C_w³ has rank ≤ d = 4 < N, so without a ridge the pivots after the
  // fourth are rounding noise (pivot² ~ ε²·max ≪ ε·max): singular, however the rounding falls.
  const auto net = nnt::fully_connected_kernel(nnt::activation::identity(),
                                               {.hidden_layers = 2, .C_w = 1.0, .C_b = 0.0});
  const auto strict =
      nnt::distributed_kernel_ridge(g, net, X, Y, {.ridge = 0, .allow_jitter = false, .block = 8});
  CHECK(strict.status == nnt::status::singular);
  CHECK(strict.alpha.size() == 0);
  const auto jittered = nnt::distributed_kernel_ridge(g, net, X, Y, {.ridge = 0, .block = 8});
  REQUIRE(jittered.status == nnt::status::ok);
  const Matrix<double> G = nnt::ntk_gram(net, X);
  const double unit = G.trace() / n;
  CHECK(jittered.jitter >= 1e-12 * unit * 0.999);
  CHECK(jittered.jitter <= 1e-6 * unit * 1.001);
  Matrix<double> A = G;
  A.diagonal().array() += jittered.jitter;
  // A solution of the jittered system, to Cholesky's backward error.
  CHECK((Y.transpose() - A * jittered.alpha).norm() <=
        4 * n * 2.2e-16 * A.norm() * jittered.alpha.norm());
}

TEST_CASE("distributed_kernel_ridge in float", "[distributed]") {
  const nnt::process_grid g;
  const Index n = 120;
  const Matrix<double> X = nnt_test::gaussian_matrix(4, n, 33), Y = teacher(X);
  const auto net = nnt_test::relu_kernel_net();
  const auto m = nnt::distributed_kernel_ridge<float>(
      g, net, X, Y, {.ridge = 1e-2, .relative = true, .block = 16});
  REQUIRE(m.status == nnt::status::ok);
  const Matrix<double> G = nnt::ntk_gram(net, X);
  const auto dense = nnt::kernel_ridge_fit(G, Y, {.ridge = double(m.ridge)});
  Matrix<double> A = G;
  A.diagonal().array() += double(m.ridge);
  const double kappa = condition_number(A);
  // float's ε (6e-8) in the Gram, the factorisation and the solve, times κ.
  CHECK((m.alpha.cast<double>() - dense.alpha).norm() <= 8 * n * 6e-8 * kappa * dense.alpha.norm());
}
