#include <nnt/core/random.hpp>
#include <nnt/quadratic/taylor_model.hpp>

#include <cmath>

#include "support/testing.hpp"

namespace {

Eigen::MatrixXd random_matrix(nnt::Index rows, nnt::Index cols, std::uint64_t seed) {
  nnt::random_generator rng(seed);
  Eigen::MatrixXd m(rows, cols);
  rng.fill_normal(m);
  return m;
}

// max_a,i |z_ai(θ) − model_ai(θ)|
double taylor_error(nnt::mlp<double> net, const nnt::taylor_model<double>& t,
                    const Eigen::MatrixXd& X, const Eigen::VectorXd& theta) {
  net.set_parameters(theta);
  const Eigen::MatrixXd Z = net.forward(X);
  return (Eigen::Map<const Eigen::VectorXd>(Z.data(), Z.size()) - t.outputs(theta))
      .cwiseAbs()
      .maxCoeff();
}

}  // namespace

TEST_CASE("taylor model: the remainder of a smooth net is O(|δ|³)", "[quadratic]") {
  nnt::mlp<double> net({3, 6, 2}, nnt::activation::tanh(),
                       {1.5, 0.2, nnt::parameterization::ntk, true});
  net.initialize(3);
  const Eigen::MatrixXd X = random_matrix(3, 4, 4);
  const auto t = nnt::second_order_taylor_model(net, X);
  REQUIRE(t.model.parameters() == net.parameter_count());
  REQUIRE(t.model.examples() == 8);
  const Eigen::VectorXd delta = random_matrix(net.parameter_count(), 1, 5);
  const Eigen::VectorXd theta0 = net.parameters();
  CHECK(taylor_error(net, t, X, theta0) == 0.0);
  double previous = 0;
  for (double s : {0.04, 0.02, 0.01, 0.005}) {
    const double e = taylor_error(net, t, X, theta0 + s * delta);
    // third-order remainder: 8× per halving (|δ| ≤ 0.04·√P keeps higher orders below 5%)
    if (previous > 0) CHECK(std::abs(previous / e - 8.0) < 0.5);
    previous = e;
  }
}

TEST_CASE(
    "taylor model: a two-layer ReLU net without biases is its own quadratic model until a unit "
    "switches",
    "[quadratic]") {
  nnt::mlp<double> net({4, 10, 1}, {nnt::activation::relu(), nnt::activation::identity()},
                       {1.0, 0.0, nnt::parameterization::ntk, false});
  net.initialize(7);
  const Eigen::MatrixXd X = random_matrix(4, 2, 8);
  const auto t = nnt::second_order_taylor_model(net, X);
  const Eigen::VectorXd theta0 = net.parameters();
  const Eigen::MatrixXd Z1 = net.weight(0) * X;  // pre-activations (scale does not change signs)
  const double margin = Z1.cwiseAbs().minCoeff();
  const Eigen::VectorXd delta = random_matrix(net.parameter_count(), 1, 9).normalized();
  // A step of size < margin·√d/(‖x‖_max) cannot flip a sign of W₁x: the model is exact there.
  const double safe = 0.5 * margin / X.colwise().norm().maxCoeff();
  CHECK(taylor_error(net, t, X, theta0 + safe * delta) <= 1e-14 * (1 + t.z0.norm()) * 10);
  // A large step flips units, and the frozen-pattern model no longer matches.
  CHECK(taylor_error(net, t, X, theta0 + 3.0 * delta) > 1e-3);
  CHECK((t.targets(Eigen::MatrixXd::Zero(1, 2)) + t.z0).norm() == 0.0);
  NNT_CHECK_INVALID(t.targets(Eigen::MatrixXd::Zero(1, 3)), "Y.size(): expected 2 entries, got 3");
  NNT_CHECK_INVALID(t.outputs(Eigen::VectorXd::Zero(3)), "theta: expected 50 entries, got 3");
}
