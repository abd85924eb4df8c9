#include <nnt/core/random.hpp>
#include <nnt/dynamics/integrate.hpp>
#include <nnt/dynamics/steppers.hpp>
#include <nnt/kernels/nngp_ntk.hpp>
#include <nnt/kernels/regression.hpp>

#include <Eigen/LU>

#include <cmath>
#include <limits>

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

TEST_CASE("kernel ridge: interpolation, GP posterior, RKHS norm against dense solves",
          "[kernels][regression]") {
  const Matrix<double> X = random_matrix(2, 12, 36), Xs = random_matrix(2, 5, 37);
  const auto net = nnt::fully_connected_kernel(nnt::activation::relu(),
                                               {.hidden_layers = 2, .C_w = 2.0, .C_b = 0.1});
  const auto K = nnt::nngp_gram(net, X);
  const auto Kc = nnt::nngp_gram(net, X, Xs);
  const Vector<double> Kss = nnt::kernel_diagonal(net, Xs).nngp;
  const Matrix<double> Y = random_matrix(2, 12, 38);

  // λ = 0: the interpolant reproduces the training targets
  const auto interp = nnt::kernel_ridge_fit(K, Y);
  REQUIRE(interp.status == nnt::status::ok);
  CHECK(max_relative(nnt::kernel_ridge_predict(interp, K), Y) < 1e-9);

  // λ > 0 vs. an LU solve of (K + λI)
  const double lambda = 0.3;
  const auto ridge = nnt::kernel_ridge_fit(K, Y, {lambda, false, true});
  const Matrix<double> A = K + lambda * Matrix<double>::Identity(12, 12);
  const Matrix<double> expected = Y * A.fullPivLu().solve(Kc);
  CHECK(max_relative(nnt::kernel_ridge_predict(ridge, Kc), expected) < 1e-12);
  // relative regulariser: λ·tr(K)/N
  const auto rel = nnt::kernel_ridge_fit(K, Y, {lambda, true, true});
  CHECK(nnt_test::relative_error(rel.ridge, lambda * K.trace() / 12) < 1e-15);

  // GP posterior: mean = ridge predictor with λ = noise; variance = k** − k*ᵀ A⁻¹ k*
  const auto gp = nnt::gp_posterior_predict(K, Kc, Kss, Y, {lambda, false, true});
  CHECK(max_relative(gp.mean, expected) < 1e-12);
  const Vector<double> var = Kss - (Kc.transpose() * A.fullPivLu().solve(Kc)).diagonal();
  CHECK((gp.variance - var).cwiseAbs().maxCoeff() < 1e-12 * Kss.maxCoeff());

  // RKHS norm yᵀK⁻¹y
  const Vector<double> y = Y.row(0).transpose();
  const auto rkhs = nnt::rkhs_norm_squared(K, y);
  REQUIRE(rkhs.status == nnt::status::ok);
  CHECK(nnt_test::relative_error(rkhs.value, y.dot(K.fullPivLu().solve(y))) < 1e-9);
}

TEST_CASE("kernel ridge reports jitter and singular Gram matrices", "[kernels][regression]") {
  Matrix<double> v = random_matrix(6, 1, 39);
  const Matrix<double> rank_one = v * v.transpose();
  const Matrix<double> Y = random_matrix(1, 6, 40);
  const auto m = nnt::kernel_ridge_fit(rank_one, Y);
  CHECK(m.status == nnt::status::ok);
  CHECK(m.jitter > 0);
  const Matrix<double> negative = -Matrix<double>::Identity(6, 6);
  const auto bad = nnt::kernel_ridge_fit(negative, Y);
  CHECK(bad.status == nnt::status::singular);
  NNT_CHECK_INVALID(nnt::kernel_ridge_predict(bad, negative),
                    "model: expected a fitted model (status ok), got singular");
  CHECK(nnt::rkhs_norm_squared(negative, Y.row(0).transpose()).status == nnt::status::singular);
  CHECK(std::isnan(nnt::rkhs_norm_squared(negative, Y.row(0).transpose()).value));
  NNT_CHECK_INVALID(nnt::kernel_ridge_fit(rank_one, random_matrix(1, 5, 41)),
                    "Y: expected 6 columns, got 5");
  NNT_CHECK_INVALID(nnt::kernel_ridge_fit(rank_one, Y, {-1.0, false, true}),
                    "ridge: expected a non-negative value, got -1");
}

TEST_CASE("infinite-width training: gradient flow against RK4, descent against iteration",
          "[kernels][regression]") {
  const Matrix<double> X = random_matrix(3, 8, 42), Xs = random_matrix(3, 3, 43);
  const auto net = nnt::fully_connected_kernel(nnt::activation::relu(),
                                               {.hidden_layers = 2, .C_w = 2.0, .C_b = 0.1});
  const auto train = nnt::kernel_gram(net, X);
  const auto cross = nnt::kernel_gram(net, X, Xs);
  const Matrix<double> Y = random_matrix(1, 8, 44);
  const double eta = 0.5, t = 3.0;
  const auto pred = nnt::infinite_width_training(train.ntk, cross.ntk, Y, eta, t);
  // ODE: d/dt [f(X); f(X*)] = −η [Θ; Θ*ᵀ] (f(X) − y), f₀ = 0; RK4 with h = 1e-3 (error ~h⁴)
  const Index N = 8, M = 3;
  auto rhs = [&](const Vector<double>& f, Vector<double>& df, double) {
    const Vector<double> r = f.head(N) - Y.row(0).transpose();
    df.resize(N + M);
    df.head(N) = -eta * train.ntk * r;
    df.tail(M) = -eta * cross.ntk.transpose() * r;
  };
  Vector<double> f = Vector<double>::Zero(N + M);
  nnt::rk4_stepper<double> rk4;
  nnt::integrate_const(rk4, rhs, f, 0.0, t, 1e-3);
  CHECK((pred.mean.row(0).transpose() - f.tail(M)).cwiseAbs().maxCoeff() < 1e-10);

  // gradient descent: f ← f − ηΘ(f − y) for 20 steps
  const double eta_gd = 1.0 / train.ntk.diagonal().sum();
  Vector<double> g = Vector<double>::Zero(N + M);
  for (int s = 0; s < 20; ++s) {
    const Vector<double> r = g.head(N) - Y.row(0).transpose();
    g.head(N) -= eta_gd * train.ntk * r;
    g.tail(M) -= eta_gd * cross.ntk.transpose() * r;
  }
  const auto gd = nnt::infinite_width_training(train.ntk, cross.ntk, Y, eta_gd, 20.0,
                                               nnt::training_mode::gradient_descent);
  CHECK(gd.status == nnt::status::ok);
  CHECK((gd.mean.row(0).transpose() - g.tail(M)).cwiseAbs().maxCoeff() < 1e-12);
  const auto diverging = nnt::infinite_width_training(train.ntk, cross.ntk, Y, 10.0, 5.0,
                                                      nnt::training_mode::gradient_descent);
  CHECK(diverging.status == nnt::status::diverged);
  // At t = ∞ descent has a limit only when every ηλ < 2: η = 10 ≫ 2/λ_max has none (NaN values);
  // η = 1/tr Θ < 2/λ_max converges to the flow's t = ∞ limit.
  const double inf = std::numeric_limits<double>::infinity();
  const auto no_limit = nnt::infinite_width_training(train.ntk, cross.ntk, Y, 10.0, inf,
                                                     nnt::training_mode::gradient_descent);
  CHECK(no_limit.status == nnt::status::diverged);
  CHECK(no_limit.mean.array().isNaN().all());
  const auto gd_limit = nnt::infinite_width_training(train.ntk, cross.ntk, Y, eta_gd, inf,
                                                     nnt::training_mode::gradient_descent);
  const auto flow_limit = nnt::infinite_width_training(train.ntk, cross.ntk, Y, eta_gd, inf);
  CHECK(gd_limit.status == flow_limit.status);
  CHECK(gd_limit.mean == flow_limit.mean);  // the same Θ⁻¹ formula, no t-dependence

  // t → ∞ covariance: K** − Θ*ᵀΘ⁻¹K* − K*ᵀΘ⁻¹Θ* + Θ*ᵀΘ⁻¹KΘ⁻¹Θ* by LU solves
  const auto test_gram = nnt::kernel_gram(net, Xs);
  const nnt::nngp_blocks<double> blocks{train.nngp, cross.nngp, test_gram.nngp};
  const auto late = nnt::infinite_width_training(train.ntk, cross.ntk, Y, eta, 1e6,
                                                 nnt::training_mode::gradient_flow, blocks);
  const auto converged = nnt::infinite_width_training(train.ntk, cross.ntk, Y, eta,
                                                      std::numeric_limits<double>::infinity(),
                                                      nnt::training_mode::gradient_flow, blocks);
  CHECK(converged.status == nnt::status::ok);
  CHECK(max_relative(converged.covariance, late.covariance) < 1e-8);
  const auto lu = train.ntk.fullPivLu();
  const Matrix<double> TiTc = lu.solve(cross.ntk);  // Θ⁻¹Θ*
  const Matrix<double> cov = test_gram.nngp - TiTc.transpose() * cross.nngp -
                             cross.nngp.transpose() * TiTc + TiTc.transpose() * train.nngp * TiTc;
  CHECK(max_relative(late.covariance, cov) < 1e-8);
  NNT_CHECK_INVALID(nnt::infinite_width_training(train.ntk, cross.ntk, Y, eta, 2.5,
                                                 nnt::training_mode::gradient_descent),
                    "t: expected a whole number of gradient-descent steps, got 2.5");
}

TEST_CASE("kernel regression takes expressions, and rejects asymmetric kernels",
          "[kernels][regression]") {
  Matrix<double> K = random_matrix(3, 3, 50);
  K = K * K.transpose() + Matrix<double>::Identity(3, 3);
  const auto m =
      nnt::kernel_ridge_fit(K, Matrix<double>::Ones(1, 3));  // an expression as the targets
  REQUIRE(m.status == nnt::status::ok);
  CHECK(max_relative(nnt::kernel_ridge_predict(m, K), Matrix<double>::Ones(1, 3)) < 1e-12);
  CHECK(nnt::kernel_ridge_fit(K.topLeftCorner(2, 2), Matrix<double>::Ones(1, 2)).status ==
        nnt::status::ok);
  Matrix<double> asymmetric = K;
  asymmetric(0, 1) += 0.5;
  NNT_CHECK_INVALID(nnt::kernel_ridge_fit(asymmetric, Matrix<double>::Ones(1, 3)),
                    "K: expected a symmetric matrix, got |K(0, 1) − K(1, 0)| = 0.5");
  NNT_CHECK_INVALID(
      nnt::infinite_width_training(asymmetric, K, Matrix<double>::Ones(1, 3), 0.1, 1.0),
      "theta: expected a symmetric matrix, got |theta(0, 1) − theta(1, 0)| = 0.5");
  Matrix<double> nan_test = K;
  nan_test(2, 2) = std::nan("");
  NNT_CHECK_INVALID(nnt::infinite_width_training(K, K, Matrix<double>::Ones(1, 3), 0.1, 1.0,
                                                 nnt::training_mode::gradient_flow,
                                                 nnt::nngp_blocks<double>{K, K, nan_test}),
                    "K.test: expected finite entries, got nan at (2, 2)");
}
