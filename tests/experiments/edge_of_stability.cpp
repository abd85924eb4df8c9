#include <nnt/core/random.hpp>
#include <nnt/experiments/edge_of_stability.hpp>

#include <Eigen/Eigenvalues>

#include "support/testing.hpp"

namespace {

struct small_problem {
  nnt::Matrix<double> X, Y;
  nnt::mlp<double> net;
};

small_problem make_problem(nnt::activation sigma) {
  nnt::random_generator rng(1);
  small_problem p{nnt::Matrix<double>(2, 12), nnt::Matrix<double>(1, 12),
                  nnt::mlp<double>({2, 6, 1}, sigma, {.param = nnt::parameterization::standard})};
  rng.fill_normal(p.X);
  rng.fill_normal(p.Y);
  p.net.initialize(2);
  return p;
}

}  // namespace

TEST_CASE("edge of stability: recorded sharpness equals the dense Hessian's top eigenvalue",
          "[experiments][eos]") {
  auto [X, Y, net] = make_problem(nnt::activation::tanh());
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
      const double top =
          Eigen::SelfAdjointEigenSolver<nnt::Matrix<double>>(H).eigenvalues().maxCoeff();
      CHECK(std::abs(r.sharpness[std::size_t(t / 10)] - top) < 1e-9 * std::max(1.0, top));
    }
    const double L = nnt::loss_and_gradient(net, nnt::mse_loss{}, X, Y, g);
    CHECK(std::abs(r.loss[std::size_t(t)] - L) < 1e-14 * std::max(1.0, L));
    net.parameters() -= 0.05 * g;
  }
  CHECK(r.threshold == 40.0);
}

TEST_CASE("edge of stability: divergence is a status; bad input", "[experiments][eos]") {
  const auto [X, Y, net] = make_problem(nnt::activation::identity());
  nnt::edge_of_stability_options o;
  o.eta = 50.0;  // a linear model far beyond 2/λ_max
  o.steps = 200;
  CHECK(nnt::gradient_descent_sharpness(net, nnt::mse_loss{}, X, Y, o).status ==
        nnt::status::diverged);
  o.eta = 0.0;
  NNT_CHECK_INVALID(nnt::gradient_descent_sharpness(net, nnt::mse_loss{}, X, Y, o),
                    "eta: expected a positive value, got 0");
}
