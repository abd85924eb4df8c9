#include <nnt/core/random.hpp>
#include <nnt/kernels/predict.hpp>

#include <Eigen/LU>

#include <limits>

#include "support/testing.hpp"

using nnt::Matrix;

namespace {
Matrix<double> random_matrix(nnt::Index r, nnt::Index c, std::uint64_t seed) {
  nnt::random_generator rng(seed);
  Matrix<double> X(r, c);
  rng.fill_normal(X);
  return X;
}
double max_relative(const Matrix<double>& A, const Matrix<double>& B) {
  return (A - B).cwiseAbs().maxCoeff() / B.cwiseAbs().maxCoeff();
}
}  // namespace

TEST_CASE(
    "predict: NNGP and NTK predictions equal the posterior and the converged flow by LU solves",
    "[predict]") {
  const Matrix<double> X = random_matrix(3, 10, 1), Xs = random_matrix(3, 4, 2),
                       Y = random_matrix(2, 10, 3);
  const auto net = nnt::fully_connected_kernel(nnt::activation::erf(),
                                               {.hidden_layers = 2, .C_w = 1.5, .C_b = 0.1});
  const auto p = nnt::infinite_width_predict(net, X, Y, Xs);
  REQUIRE(p.status == nnt::status::ok);
  const auto train = nnt::kernel_gram(net, X), cross = nnt::kernel_gram(net, X, Xs),
             test = nnt::kernel_gram(net, Xs);
  // NNGP: the GP posterior mean Y K⁻¹K* and covariance K** − K*ᵀK⁻¹K*
  const auto K_lu = train.nngp.fullPivLu();
  CHECK(max_relative(p.nngp.mean, Y * K_lu.solve(cross.nngp)) < 1e-9);
  CHECK(max_relative(p.nngp.covariance,
                     test.nngp - cross.nngp.transpose() * K_lu.solve(cross.nngp)) < 1e-6);
  // NTK at t = ∞: Y Θ⁻¹Θ*, and the NTK-GP covariance
  const auto T_lu = train.ntk.fullPivLu();
  const Matrix<double> TiTc = T_lu.solve(cross.ntk);
  CHECK(max_relative(p.ntk.mean, Y * TiTc) < 1e-9);
  const Matrix<double> cov = test.nngp - TiTc.transpose() * cross.nngp -
                             cross.nngp.transpose() * TiTc + TiTc.transpose() * train.nngp * TiTc;
  CHECK(max_relative(p.ntk.covariance, cov) < 1e-6);
  // finite t: the same as infinite_width_training on the Grams
  const auto at3 = nnt::infinite_width_predict(
      net, X, Y, Xs, {.nngp = false, .covariance = false, .t = 3.0, .eta = 0.5});
  CHECK(at3.nngp.mean.size() == 0);
  CHECK(at3.ntk.covariance.size() == 0);
  CHECK(max_relative(at3.ntk.mean,
                     nnt::infinite_width_training(train.ntk, cross.ntk, Y, 0.5, 3.0).mean) < 1e-13);
}

TEST_CASE("predict: duplicate training inputs are singular unless regularised", "[predict]") {
  Matrix<double> X = random_matrix(2, 5, 4);
  X.col(4) = X.col(0);  // two equal rows in K and Θ
  const Matrix<double> Y = random_matrix(1, 5, 5), Xs = random_matrix(2, 2, 6);
  const auto net = nnt::fully_connected_kernel(nnt::activation::relu(),
                                               {.hidden_layers = 1, .C_w = 2.0, .C_b = 0.1});
  CHECK(nnt::infinite_width_predict(net, X, Y, Xs).status == nnt::status::singular);
  const auto regularised = nnt::infinite_width_predict(net, X, Y, Xs, {.diag_reg = 1e-4});
  CHECK(regularised.status == nnt::status::ok);
  CHECK(regularised.nngp.mean.allFinite());
  NNT_CHECK_INVALID(nnt::infinite_width_predict(net, X, Matrix<double>::Zero(1, 4), Xs),
                    "Y_train: expected 5 columns, got 4");
  NNT_CHECK_INVALID(nnt::infinite_width_predict(net, X, Y, Xs, {.diag_reg = -1}),
                    "diag_reg: expected a non-negative value, got -1");
}
