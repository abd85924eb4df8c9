#include <nnt/core/random.hpp>
#include <nnt/kernels/layer.hpp>
#include <nnt/kernels/nngp_ntk.hpp>
#include <nnt/kernels/nystrom.hpp>
#include <nnt/kernels/regression.hpp>

#include <Eigen/Cholesky>

#include <cmath>
#include <limits>
#include <set>

#include "support/kernel_fixtures.hpp"
#include "support/testing.hpp"

using nnt::Index;
using nnt::Matrix;

namespace {

const nnt::kernel_network net = nnt_test::relu_kernel_net();

Matrix<double> teacher(const Matrix<double>& X) {
  Matrix<double> Y(1, X.cols());
  for (Index a = 0; a < X.cols(); ++a) Y(0, a) = std::sin(X(0, a)) + X(1, a) * X(2, a) / 2;
  return Y;
}

// The Nyström normal equations (K_MN K_NM + λ K_MM) β = K_MN y solved densely (Cholesky), from
// kernel_gram's cross Gram: an independent route to the same estimator.
Matrix<double> dense_nystrom_predictions(const Matrix<double>& X, const Matrix<double>& Y,
                                         const Matrix<double>& C, double lambda,
                                         const Matrix<double>& Xt) {
  const Matrix<double> Knm = nnt::ntk_gram(net, X, C), Kmm = nnt::ntk_gram(net, C);
  const Matrix<double> H = Knm.transpose() * Knm + lambda * Kmm;
  const Matrix<double> beta = H.ldlt().solve(Knm.transpose() * Y.transpose());
  return (nnt::ntk_gram(net, Xt, C) * beta).transpose();
}

}  // namespace

TEST_CASE("Nyström with every input as a centre is exact kernel ridge", "[kernels][nystrom]") {
  const Index n = 150;
  const Matrix<double> X = nnt_test::gaussian_matrix(5, n, 1), Y = teacher(X),
                       Xt = nnt_test::gaussian_matrix(5, 30, 2);
  const auto m = nnt::nystrom_ridge_fit(
      net, X, Y, {.centres = n, .ridge = 1e-3, .relative = true, .tolerance = 1e-12});
  REQUIRE(m.status == nnt::status::ok);
  const std::set<Index> distinct(m.centre_indices.begin(), m.centre_indices.end());
  CHECK(Index(distinct.size()) == n);
  // At M = N Falkon's preconditioner is exact: BᵀHB = I, one iteration.
  CHECK(m.iterations <= 2);
  const Matrix<double> K = nnt::ntk_gram(net, X);
  const auto exact = nnt::kernel_ridge_fit(K, Y, {.ridge = m.ridge});
  const Matrix<double> want = nnt::kernel_ridge_predict(exact, nnt::ntk_gram(net, X, Xt));
  const Matrix<double> got = nnt::nystrom_predict(m, net, Xt);
  // Both solves carry κ(K + λI)·ε ≈ 1e-11 relative error (κ ≲ 1e5 here).
  CHECK((got - want).cwiseAbs().maxCoeff() <= 1e-8 * want.cwiseAbs().maxCoeff());
}

TEST_CASE("Nyström equals the dense solve of its normal equations; its error falls with M",
          "[kernels][nystrom]") {
  const Index n = 400;
  const Matrix<double> X = nnt_test::gaussian_matrix(4, n, 3), Y = teacher(X),
                       Xt = nnt_test::gaussian_matrix(4, 60, 4);
  const Matrix<double> K = nnt::ntk_gram(net, X);
  const auto exact = nnt::kernel_ridge_fit(K, Y, {.ridge = 1e-2, .relative = true});
  const Matrix<double> f = nnt::kernel_ridge_predict(exact, nnt::ntk_gram(net, X, Xt));
  double previous = std::numeric_limits<double>::infinity();
  for (Index M : {Index(10), Index(40), Index(160)}) {
    double error = 0;
    for (std::uint64_t seed = 0; seed < 3; ++seed) {
      for (auto sel : {nnt::centre_selection::uniform, nnt::centre_selection::rp_cholesky}) {
        const auto m = nnt::nystrom_ridge_fit(net, X, Y,
                                              {.centres = M,
                                               .selection = sel,
                                               .ridge = 1e-2,
                                               .relative = true,
                                               .seed = seed,
                                               .tolerance = 1e-12});
        REQUIRE(m.status == nnt::status::ok);
        CHECK(m.centres.cols() == Index(m.centre_indices.size()));
        const Matrix<double> got = nnt::nystrom_predict(m, net, Xt);
        const Matrix<double> want = dense_nystrom_predictions(X, Y, m.centres, m.ridge, Xt);
        // The dense normal equations square κ(K_NM) (≈ 1e3–1e5 here): 1e-6 relative.
        CHECK((got - want).cwiseAbs().maxCoeff() <= 1e-6 * want.cwiseAbs().maxCoeff());
        if (sel == nnt::centre_selection::uniform) error += (got - f).norm() / f.norm() / 3;
      }
    }
    CHECK(error < previous);
    previous = error;
  }
  // Measured (uniform, mean of 3 seeds): 0.47, 0.18, 0.090 at M = 10, 40, 160 (0.49, 0.15, 0.060
  // for another X): falling ≈ M^-0.7; 0.15 at M = 160 leaves a margin.
  CHECK(previous < 0.15);
}

TEST_CASE("nystrom_ridge_fit refuses bad input", "[kernels][nystrom]") {
  const Matrix<double> X = nnt_test::gaussian_matrix(3, 20, 5), Y = teacher(X);
  NNT_CHECK_INVALID(nnt::nystrom_ridge_fit(net, X, Y, {.centres = 21, .ridge = 1.0}),
                    "centres: expected a value in [1, 20], got 21");
  CHECK_THROWS_AS(nnt::nystrom_ridge_fit(net, X, Y, {.centres = 0, .ridge = 1.0}),
                  nnt::invalid_argument);
  CHECK_THROWS_AS(nnt::nystrom_ridge_fit(net, X, Y, {.centres = 5, .ridge = 0.0}),
                  nnt::invalid_argument);
  CHECK_THROWS_AS(
      nnt::nystrom_ridge_fit(net, X, Matrix<double>::Ones(1, 19), {.centres = 5, .ridge = 1.0}),
      nnt::invalid_argument);
  Matrix<double> bad = X;
  bad(0, 0) = std::numeric_limits<double>::infinity();
  CHECK_THROWS_AS(nnt::nystrom_ridge_fit(net, bad, Y, {.centres = 5, .ridge = 1.0}),
                  nnt::invalid_argument);
  const auto m = nnt::nystrom_ridge_fit(net, X, Y, {.centres = 5, .ridge = 1.0});
  REQUIRE(m.status == nnt::status::ok);
  CHECK_THROWS_AS(nnt::nystrom_predict(m, net, Matrix<double>::Ones(4, 2)), nnt::invalid_argument);
  auto failed = m;
  failed.status = nnt::status::not_converged;
  CHECK_THROWS_AS(nnt::nystrom_predict(failed, net, X), nnt::invalid_argument);
}
