#include <nnt/core/random.hpp>
#include <nnt/kernels/kernel_operator.hpp>
#include <nnt/kernels/large_scale.hpp>
#include <nnt/kernels/layer.hpp>
#include <nnt/kernels/nngp_ntk.hpp>
#include <nnt/kernels/regression.hpp>

#include <cmath>
#include <limits>

#include "support/kernel_fixtures.hpp"
#include "support/testing.hpp"

using nnt::Index;
using nnt::Matrix;
using nnt::Vector;

namespace {

const nnt::kernel_network net = nnt_test::relu_kernel_net();

Matrix<double> teacher(const Matrix<double>& X) { return nnt_test::two_output_teacher(X); }

}  // namespace

TEST_CASE("kernel_ridge_pcg on N = 2000 equals the dense Cholesky solve", "[kernels][pcg]") {
  const Index n = 2000, d = 10;
  const Matrix<double> X = nnt_test::gaussian_matrix(d, n, 1), Y = teacher(X);
  const nnt::kernel_operator<double> K(net, X);
  const double tol = 1e-10;
  const auto m = nnt::kernel_ridge_pcg(
      K, Y, {.ridge = 1e-3, .relative = true, .preconditioner_rank = 200, .tolerance = tol});
  REQUIRE(m.status == nnt::status::ok);
  CHECK(m.stop_reason == nnt::stop_reason::tolerance);
  CHECK(m.preconditioner.factor.cols() == 200);
  const Matrix<double> G = nnt::ntk_gram(net, X);
  CHECK(std::abs(m.ridge - 1e-3 * G.trace() / n) <= 1e-12 * m.ridge);
  const auto dense = nnt::kernel_ridge_fit(G, Y, {.ridge = m.ridge});
  REQUIRE(dense.status == nnt::status::ok);
  Matrix<double> A = G;
  A.diagonal().array() += m.ridge;
  for (Index c = 0; c < 2; ++c) {
    // The residual with the stored Gram (an independent product): what CG reports.
    const double res = (Y.row(c).transpose() - A * m.alpha.col(c)).norm();
    CHECK(res <= 1.01 * tol * Y.row(c).norm() + 1e-13 * A.norm() * m.alpha.col(c).norm());
    // ‖α − α*‖ ≤ ‖(K + λI)⁻¹‖ ‖r‖ ≤ ‖r‖/λ, plus the dense solve's κ·ε error.
    const double kappa = (G.trace() + n * m.ridge) / m.ridge;
    CHECK((m.alpha.col(c) - dense.alpha.col(c)).norm() <=
          res / m.ridge + kappa * 1e-15 * dense.alpha.col(c).norm());
  }
  // Reusing the factor: no new RPCholesky, the same bits.
  const auto again = nnt::kernel_ridge_pcg(
      K, Y, {.ridge = 1e-3, .relative = true, .tolerance = tol}, &m.preconditioner);
  CHECK(again.alpha == m.alpha);
  CHECK(again.iterations == m.iterations);
  // Predictions through the cross operator equal the dense model's.
  const Matrix<double> Xt = nnt_test::gaussian_matrix(d, 50, 2);
  const nnt::kernel_cross_operator<double> Kt(net, Xt, X);
  const Matrix<double> pred = nnt::kernel_ridge_predict(m, Kt);
  const Matrix<double> ref = nnt::kernel_ridge_predict(dense, nnt::ntk_gram(net, X, Xt));
  CHECK((pred - ref).cwiseAbs().maxCoeff() <= 1e-6 * ref.cwiseAbs().maxCoeff());
}

TEST_CASE("kernel_ridge_pcg_variance equals the dense GP posterior variance", "[kernels][pcg]") {
  const Index n = 800, d = 6, m = 70;
  const Matrix<double> X = nnt_test::gaussian_matrix(d, n, 7), Y = teacher(X),
                       Xt = nnt_test::gaussian_matrix(d, m, 8);
  const nnt::kernel_operator<double> K(net, X, {.block = 64});
  const auto fit = nnt::kernel_ridge_pcg(
      K, Y, {.ridge = 1e-3, .relative = true, .preconditioner_rank = 100, .tolerance = 1e-10});
  REQUIRE(fit.status == nnt::status::ok);
  const nnt::kernel_cross_operator<double> Kx(net, X, Xt, {.block = 64});  // K(X, X*): N × M
  CHECK(Kx.column_diagonal() == nnt::kernel_diagonal(net, Xt).ntk);
  const double tol = 1e-10;
  const auto v = nnt::kernel_ridge_pcg_variance(K, fit, Kx, {.tolerance = tol, .block = 32});
  REQUIRE(v.status == nnt::status::ok);
  REQUIRE(v.variance.size() == m);
  CHECK(v.relative_residual.maxCoeff() <= tol);
  CHECK(v.iterations > 0);
  const Matrix<double> G = nnt::ntk_gram(net, X), C = nnt::ntk_gram(net, X, Xt);
  const Vector<double> prior = nnt::kernel_diagonal(net, Xt).ntk;
  const auto dense = nnt::gp_posterior_predict(G, C, prior, Y, {.ridge = fit.ridge});
  REQUIRE(dense.status == nnt::status::ok);
  const double kappa = (G.trace() + n * fit.ridge) / fit.ridge;
  for (Index j = 0; j < m; ++j) {
    // |k*ᵀz̃ − k*ᵀz| = |zᵀr| ≤ ‖k*‖²·tol/λ (1% slack for the residual's own rounding), plus the
    // dense route's κε·k(x*, x*).
    const double bound =
        1.01 * C.col(j).squaredNorm() * tol / fit.ridge + 10 * kappa * 2.2e-16 * prior(j);
    CHECK(std::abs(v.variance(j) - dense.variance(j)) <= bound);
  }
  // The test inputs really are uncertain: the variance is not ~0 (a vacuous comparison).
  CHECK(v.variance.minCoeff() > 1e-3 * prior.minCoeff());
  // Without a preconditioner (plain CG, one block of 70): the same variances within both bounds.
  auto plain_fit = fit;
  plain_fit.preconditioner = {};
  const auto w = nnt::kernel_ridge_pcg_variance(K, plain_fit, Kx, {.tolerance = tol});
  REQUIRE(w.status == nnt::status::ok);
  CHECK((w.variance - v.variance).cwiseAbs().maxCoeff() <=
        2.02 * C.colwise().squaredNorm().maxCoeff() * tol / fit.ridge);
}

TEST_CASE("the RPCholesky preconditioner cuts the CG iterations", "[kernels][pcg]") {
  const Index n = 600;
  const Matrix<double> X = nnt_test::gaussian_matrix(8, n, 3), Y = teacher(X);
  const nnt::kernel_operator<double> K(net, X);
  const nnt::kernel_ridge_pcg_options o{.ridge = 1e-4, .relative = true, .tolerance = 1e-8};
  auto plain = o;
  plain.preconditioner_rank = 0;
  auto pre = o;
  pre.preconditioner_rank = 100;
  const auto a = nnt::kernel_ridge_pcg(K, Y, plain);
  const auto b = nnt::kernel_ridge_pcg(K, Y, pre);
  REQUIRE(a.status == nnt::status::ok);
  REQUIRE(b.status == nnt::status::ok);
  // Measured 133–153 against 41–47 iterations (3.2×) for seeds 1–4 of X; 2.5× leaves a margin.
  CHECK(b.iterations * 5 <= a.iterations * 2);
  CHECK((a.alpha - b.alpha).norm() <= 1e-4 * b.alpha.norm());
}

TEST_CASE("kernel_ridge_pcg reports not_converged with its residual", "[kernels][pcg]") {
  const Matrix<double> X = nnt_test::gaussian_matrix(5, 300, 4), Y = teacher(X);
  const nnt::kernel_operator<double> K(net, X);
  const auto m = nnt::kernel_ridge_pcg(
      K, Y, {.ridge = 1e-6, .relative = true, .preconditioner_rank = 0, .max_iterations = 4});
  CHECK(m.status == nnt::status::not_converged);
  CHECK(m.stop_reason == nnt::stop_reason::iteration_limit);
  CHECK(m.relative_residual.minCoeff() > 1e-8);
  CHECK(m.iterations == 4);
  CHECK_THROWS_AS(nnt::kernel_ridge_predict(m, nnt::kernel_cross_operator<double>(net, X, X)),
                  nnt::invalid_argument);
}

TEST_CASE("kernel_ridge_pcg refuses bad input", "[kernels][pcg]") {
  const Matrix<double> X = nnt_test::gaussian_matrix(3, 20, 5), Y = teacher(X);
  const nnt::kernel_operator<double> K(net, X);
  NNT_CHECK_INVALID(nnt::kernel_ridge_pcg(K, Y, {.ridge = 0.0}),
                    "ridge: expected a positive value, got 0");
  CHECK_THROWS_AS(nnt::kernel_ridge_pcg(K, Y, {.ridge = -1.0}), nnt::invalid_argument);
  CHECK_THROWS_AS(nnt::kernel_ridge_pcg(K, Y, {.ridge = 1.0, .preconditioner_rank = 21}),
                  nnt::invalid_argument);
  CHECK_THROWS_AS(nnt::kernel_ridge_pcg(K, Matrix<double>::Ones(2, 19), {.ridge = 1.0}),
                  nnt::invalid_argument);
  Matrix<double> bad = Y;
  bad(1, 3) = std::numeric_limits<double>::quiet_NaN();
  CHECK_THROWS_AS(nnt::kernel_ridge_pcg(K, bad, {.ridge = 1.0}), nnt::invalid_argument);
  CHECK_THROWS_AS(nnt::kernel_ridge_pcg(K, Y, {.ridge = std::numeric_limits<double>::infinity()}),
                  nnt::invalid_argument);
  const auto m = nnt::kernel_ridge_pcg(K, Y, {.ridge = 1.0, .preconditioner_rank = 5});
  REQUIRE(m.status == nnt::status::ok);
  const nnt::kernel_cross_operator<double> wrong(net, X, Matrix<double>::Ones(3, 7));
  CHECK_THROWS_AS(nnt::kernel_ridge_predict(m, wrong), nnt::invalid_argument);
  const nnt::kernel_operator<double> other(net, nnt_test::gaussian_matrix(3, 10, 6));
  CHECK_THROWS_AS(
      nnt::kernel_ridge_pcg(other, Matrix<double>::Ones(1, 10), {.ridge = 1.0}, &m.preconditioner),
      nnt::invalid_argument);
}
