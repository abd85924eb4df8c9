#include <nnt/core/random.hpp>
#include <nnt/dynamics/experiments/edge_of_stability.hpp>

#include <Eigen/Eigenvalues>

#include "support/testing.hpp"

TEST_CASE("edge of stability: recorded sharpness equals the dense Hessian's top eigenvalue", "[dynamics][eos]") {
  nnt::random_generator rng(1);
  nnt::Matrix<double> X(2, 12), Y(1, 12);
  rng.fill_normal(X);
  rng.fill_normal(Y);
  nnt::mlp<double> net({2, 6, 1}, nnt::activation::tanh());
  net.initialize(2);
  nnt::edge_of_stability_options o;
  o.eta = 0.05;
  o.steps = 20;
  o.sharpness_every = 10;
  const auto r = nnt::gradient_descent_sharpness(net, nnt::mse_loss{}, X, Y, o);
  REQUIRE(r.status == nnt::status::ok);
  REQUIRE(r.sharpness.size() == 3);  // steps 0, 10, 20
  // replay the GD steps and compare with the dense Hessian (an independent eigensolver)
  nnt::Vector<double> g;
  for (int t = 0; t <= 20; ++t) {
    if (t % 10 == 0) {
      const nnt::Matrix<double> H = nnt::hessian(net, nnt::mse_loss{}, X, Y);
      const double top = Eigen::SelfAdjointEigenSolver<nnt::Matrix<double>>(H).eigenvalues().maxCoeff();
      CHECK(std::abs(r.sharpness[std::size_t(t / 10)] - top) < 1e-9 * std::max(1.0, top));
    }
    const double L = nnt::loss_and_gradient(net, nnt::mse_loss{}, X, Y, g);
    CHECK(std::abs(r.loss[std::size_t(t)] - L) < 1e-14 * std::max(1.0, L));
    net.parameters() -= 0.05 * g;
  }
  CHECK(r.threshold == 40.0);
}

TEST_CASE("edge of stability: divergence is a status; bad input", "[dynamics][eos]") {
  nnt::random_generator rng(1);
  nnt::Matrix<double> X(2, 12), Y(1, 12);
  rng.fill_normal(X);
  rng.fill_normal(Y);
  nnt::mlp<double> net({2, 6, 1}, nnt::activation::identity());
  net.initialize(2);
  nnt::edge_of_stability_options o;
  o.eta = 50.0;  // a linear model far beyond 2/λ_max
  o.steps = 200;
  CHECK(nnt::gradient_descent_sharpness(net, nnt::mse_loss{}, X, Y, o).status == nnt::status::diverged);
  o.eta = 0.0;
  NNT_CHECK_INVALID(nnt::gradient_descent_sharpness(net, nnt::mse_loss{}, X, Y, o), "eta: expected a positive value, got 0");
}
