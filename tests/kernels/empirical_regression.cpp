#include <nnt/core/random.hpp>
#include <nnt/dynamics/integrators.hpp>
#include <nnt/kernels/empirical.hpp>
#include <nnt/kernels/nngp_ntk.hpp>
#include <nnt/kernels/regression.hpp>
#include <nnt/mlp/derivatives.hpp>

#include <Eigen/LU>

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

TEST_CASE("structured empirical NTK equals J Jᵀ from the per-example Jacobian", "[kernels][empirical]") {
  const Matrix<double> X = random_matrix(3, 5, 31);
  for (auto param : {nnt::parameterization::standard, nnt::parameterization::ntk})
    for (bool bias : {true, false}) {
      nnt::mlp<double> net({3, 7, 6, 2}, nnt::activation::tanh(), {param, 1.7, 0.2, bias});
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
    nnt::mlp<double> net({4, width, 1}, nnt::activation::relu(), {param, 2.0, 0.1, true});
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

TEST_CASE("Monte-Carlo NNGP of one-hidden-layer nets agrees with the closed form", "[kernels][empirical]") {
  // One hidden layer: the hidden pre-activations are exactly Gaussian at any width, so the output
  // covariance equals the infinite-width NNGP exactly; the MC error is statistical.
  const Matrix<double> X = random_matrix(3, 4, 34);
  nnt::mlp<double> net({3, 16, 2}, nnt::activation::erf(), {nnt::parameterization::standard, 1.5, 0.1, true});
  const auto mc = nnt::monte_carlo_nngp(net, X, 4000, 35);
  const auto exact = nnt::nngp_gram(nnt::kernel_of(net), X);
  CHECK(((mc.mean - exact).cwiseAbs().array() <= 5 * mc.standard_error.array()).all());
  CHECK(mc.standard_error.maxCoeff() < 0.05 * exact.cwiseAbs().maxCoeff());
}

TEST_CASE("kernel ridge: interpolation, GP posterior, RKHS norm against dense solves", "[kernels][regression]") {
  const Matrix<double> X = random_matrix(2, 12, 36), Xs = random_matrix(2, 5, 37);
  const auto net = nnt::fully_connected_kernel(3, nnt::activation::relu(), 2.0, 0.1);
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
  CHECK(nnt_test::relative_error(nnt::rkhs_norm_squared(K, y), y.dot(K.fullPivLu().solve(y))) < 1e-9);
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
  CHECK(nnt::kernel_ridge_predict(bad, negative).size() == 0);
  NNT_CHECK_INVALID(nnt::kernel_ridge_fit(rank_one, random_matrix(1, 5, 41)), "Y: expected 6 columns, got 5");
  NNT_CHECK_INVALID(nnt::kernel_ridge_fit(rank_one, Y, {-1.0, false, true}), "ridge: expected a non-negative value, got -1");
}

TEST_CASE("infinite-width training: gradient flow against RK4, descent against iteration", "[kernels][regression]") {
  const Matrix<double> X = random_matrix(3, 8, 42), Xs = random_matrix(3, 3, 43);
  const auto net = nnt::fully_connected_kernel(3, nnt::activation::relu(), 2.0, 0.1);
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
  const auto gd = nnt::infinite_width_training(train.ntk, cross.ntk, Y, eta_gd, 20.0, nnt::training_mode::gradient_descent);
  CHECK(gd.status == nnt::status::ok);
  CHECK((gd.mean.row(0).transpose() - g.tail(M)).cwiseAbs().maxCoeff() < 1e-12);
  const auto diverging = nnt::infinite_width_training(train.ntk, cross.ntk, Y, 10.0, 5.0, nnt::training_mode::gradient_descent);
  CHECK(diverging.status == nnt::status::diverged);

  // t → ∞ covariance: K** − Θ*ᵀΘ⁻¹K* − K*ᵀΘ⁻¹Θ* + Θ*ᵀΘ⁻¹KΘ⁻¹Θ* by LU solves
  const auto test_gram = nnt::kernel_gram(net, Xs);
  const auto late = nnt::infinite_width_training(train.ntk, cross.ntk, Y, eta, 1e6, nnt::training_mode::gradient_flow,
                                                 &train.nngp, &cross.nngp, &test_gram.nngp);
  const auto lu = train.ntk.fullPivLu();
  const Matrix<double> TiTc = lu.solve(cross.ntk);  // Θ⁻¹Θ*
  const Matrix<double> cov = test_gram.nngp - TiTc.transpose() * cross.nngp - cross.nngp.transpose() * TiTc +
                             TiTc.transpose() * train.nngp * TiTc;
  CHECK(max_relative(late.covariance, cov) < 1e-8);
  NNT_CHECK_INVALID(nnt::infinite_width_training(train.ntk, cross.ntk, Y, eta, 2.5, nnt::training_mode::gradient_descent),
                    "t: expected a whole number of gradient-descent steps, got 2.5");
}
