#include <nnt/core/dense_operator.hpp>
#include <nnt/curvature/eigenpairs.hpp>
#include <nnt/mlp/derivatives.hpp>

#include <Eigen/Eigenvalues>

#include <limits>

#include "support/spectra_test.hpp"
#include "support/testing.hpp"

using nnt_test::mixed_spectrum;
using nnt_test::with_spectrum;

TEST_CASE("eigenpairs: top and bottom eigenpairs in algebraic order match the dense solver",
          "[eigenpairs]") {
  const nnt::Index n = 150;
  const nnt::dense_operator<double> op(with_spectrum(mixed_spectrum(n), 1));
  const auto top = nnt::top_eigenpairs(op, 3);
  const auto bottom = nnt::bottom_eigenpairs(op, 2);
  REQUIRE(top.status == nnt::status::ok);
  REQUIRE(bottom.status == nnt::status::ok);
  CHECK(top.stop_reason == nnt::stop_reason::tolerance);
  const Eigen::VectorXd exact =
      Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd>(op.matrix()).eigenvalues();
  // Spectra's tolerance 1e-10 bounds the residual relative to |λ|; eigenvalue errors are
  // O(residual²/gap) — 1e-9 absolute is a loose, safe bound.
  for (int j = 0; j < 3; ++j) CHECK(std::abs(top.values(j) - exact(n - 1 - j)) < 1e-9);
  CHECK(std::abs(bottom.values(0) - (-20.0)) < 1e-9);
  CHECK(std::abs(bottom.values(1) - exact(1)) < 1e-9);
  CHECK(top.values(0) == Approx(3.0).epsilon(1e-10));  // not −20: algebraic, not magnitude
  for (int j = 0; j < 3; ++j) CHECK(top.residuals(j) < 1e-10 * 3.0 * 10);
  CHECK((top.vectors.transpose() * top.vectors - Eigen::MatrixXd::Identity(3, 3)).norm() < 1e-12);
  CHECK(top.operator_applications > 0);
}

TEST_CASE("eigenpairs: float operators run in float, deduced from the operator", "[eigenpairs]") {
  // The Scalar comes from the operator (float here): eigenvalues to float accuracy, i.e. a few
  // ulps of 1.2e-7 times the spread ‖A‖ = 20 → 1e-4 absolute.
  const nnt::Index n = 100;
  const nnt::dense_operator<float> op(with_spectrum<float>(mixed_spectrum(n), 1));
  const auto top =
      nnt::top_eigenpairs(op, 2, {.stop = {.max_iterations = 1000, .tolerance = 1e-5}});
  STATIC_REQUIRE(std::is_same_v<decltype(top.values), Eigen::VectorXf>);
  REQUIRE(top.status == nnt::status::ok);
  const Eigen::VectorXd exact =
      Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd>(op.matrix().cast<double>()).eigenvalues();
  CHECK(std::abs(double(top.values(0)) - exact(n - 1)) < 1e-4);
  CHECK(std::abs(double(top.values(1)) - exact(n - 2)) < 1e-4);
  const auto bottom =
      nnt::bottom_eigenpairs(op, 1, {.stop = {.max_iterations = 1000, .tolerance = 1e-5}});
  CHECK(std::abs(double(bottom.values(0)) + 20.0) < 1e-4);
}

TEST_CASE("eigenpairs: top Hessian eigenvalue of an MLP equals the dense Hessian's",
          "[eigenpairs]") {
  nnt::mlp<double> net({4, 12, 3}, nnt::activation::tanh(),
                       {.param = nnt::parameterization::standard});
  net.initialize(3);
  nnt::random_generator rng(4);
  Eigen::MatrixXd X(4, 20), Y(3, 20);
  rng.fill_normal(X);
  rng.fill_normal(Y);
  const nnt::hessian_operator H(net, nnt::mse_loss{}, X, Y);
  const Eigen::VectorXd exact =
      Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd>(nnt::hessian(net, nnt::mse_loss{}, X, Y))
          .eigenvalues();
  const auto top = nnt::top_eigenpairs(H, 1);
  const auto bottom = nnt::bottom_eigenpairs(H, 1);
  CHECK(std::abs(top.values(0) - exact(exact.size() - 1)) <
        1e-9 * std::abs(exact(exact.size() - 1)));
  CHECK(std::abs(bottom.values(0) - exact(0)) < 1e-9 * std::abs(exact(exact.size() - 1)));
  CHECK(bottom.values(0) < 0);  // the MSE Hessian of a tanh net at init has negative curvature
}

TEST_CASE("eigenpairs: a start vector that is an eigenvector is caught and retried",
          "[eigenpairs]") {
  // Spectra 1.0 returns a wrong pair marked successful when its start vector is an exact
  // eigenvector. Build such a matrix for the first start vector nnt draws: the residual check must
  // catch it and the retry find the right pair.
  const nnt::Index n = 150;
  Eigen::VectorXd start(n);
  auto rng = nnt::random_generator::for_task(1, 0x5eed);
  rng.fill_normal(start);
  nnt::random_generator other(99);
  Eigen::MatrixXd G(n, n);
  other.fill_normal(G);
  G.col(0) = start;
  const Eigen::MatrixXd Q = Eigen::HouseholderQR<Eigen::MatrixXd>(G).householderQ();
  const Eigen::MatrixXd A = Q * mixed_spectrum(n).asDiagonal() * Q.transpose();
  const auto r = nnt::top_eigenpairs(nnt::dense_operator<double>(A), 1);
  INFO("status " << r.status << ", value " << (r.values.size() ? r.values(0) : 0.0));
  REQUIRE(r.status == nnt::status::ok);
  CHECK(std::abs(r.values(0) - 3.0) < 1e-9);
}

TEST_CASE("eigenpairs: non-convergence is a status with its reason, not an exception",
          "[eigenpairs]") {
  const nnt::dense_operator<double> op(with_spectrum(Eigen::VectorXd::LinSpaced(200, 0.0, 1.0), 2));
  const auto r =
      nnt::top_eigenpairs(op, 5, {.ncv = 6, .stop = {.max_iterations = 1, .tolerance = 1e-14}});
  CHECK(r.status == nnt::status::not_converged);
  CHECK(r.stop_reason == nnt::stop_reason::iteration_limit);
  CHECK(r.values.size() < 5);  // only the converged pairs are returned
}

TEST_CASE("eigenpairs: a non-finite operator is a status, not an exception", "[eigenpairs]") {
  // the Hessian of a diverged training run: Spectra's tridiagonal solver throws on NaN
  Eigen::MatrixXd A = Eigen::MatrixXd::Identity(20, 20);
  A(3, 4) = A(4, 3) = std::numeric_limits<double>::quiet_NaN();
  const nnt::dense_operator<double> op(A);
  nnt::eigen_result<double> r;
  CHECK_NOTHROW(r = nnt::top_eigenpairs(op, 2));
  CHECK(r.status == nnt::status::diverged);
  CHECK(r.stop_reason == nnt::stop_reason::non_finite);
}

TEST_CASE("eigenpairs: bad input throws clear messages", "[eigenpairs]") {
  const nnt::dense_operator<double> op(Eigen::MatrixXd::Identity(10, 10));
  NNT_CHECK_INVALID(nnt::top_eigenpairs(op, 0), "k: expected a count in [1, 9], got 0");
  NNT_CHECK_INVALID(nnt::bottom_eigenpairs(op, 10), "k: expected a count in [1, 9], got 10");
  NNT_CHECK_INVALID(nnt::top_eigenpairs(op, 3, {.ncv = 2}),
                    "ncv: expected a value in [4, 10], got 2");
  NNT_CHECK_INVALID(nnt::top_eigenpairs(op, 3, {.stop = {.max_iterations = 0}}),
                    "stop.max_iterations: expected at least 1, got 0");
  NNT_CHECK_INVALID(nnt::top_eigenpairs(op, 3, {.stop = {.tolerance = 0}}),
                    "stop.tolerance: expected a positive value, got 0");
  const nnt::dense_operator<double> tiny(Eigen::MatrixXd::Identity(1, 1));
  NNT_CHECK_INVALID(nnt::top_eigenpairs(tiny, 1), "op.rows(): expected at least 2, got 1");
}
