#include <nnt/mlp/mlp_objective.hpp>

#include <span>

#include "mlp_test_support.hpp"

using namespace mlp_test;

TEST_CASE("mlp_objective: an objective with an HVP, equal to the free functions",
          "[mlp_objective]") {
  const auto net = make_net(cases()[1], 16);
  const Eigen::MatrixXd X = random_matrix(2, 5, 1), Y = random_matrix(3, 5, 2);
  nnt::mlp_objective f(net, nnt::mse_loss{}, X, Y);
  STATIC_REQUIRE(nnt::objective_with_hvp<decltype(f)>);
  STATIC_REQUIRE(nnt::linear_operator<nnt::hessian_operator<double, nnt::mse_loss>>);
  Eigen::VectorXd g, g_ref, Hv;
  const Eigen::VectorXd theta = 0.5 * net.parameters();
  auto moved = net;
  moved.set_parameters(theta);
  const double value = f.value_and_gradient(theta, g);
  CHECK(value == nnt::loss_and_gradient(moved, nnt::mse_loss{}, X, Y, g_ref));
  CHECK(g == g_ref);
  CHECK(f.value(theta) == value);
  const Eigen::VectorXd v = random_matrix(net.parameter_count(), 1, 3);
  f.hvp(theta, v, Hv);
  CHECK(Hv == nnt::hessian_vector_product(moved, nnt::mse_loss{}, X, Y, v));
  // A minibatch pass in between resizes the shared workspace; the next full-batch product must not
  // see its leftovers.
  const std::vector<nnt::Index> batch{3, 0};
  f.value_and_gradient(theta, g, std::span<const nnt::Index>(batch));
  Eigen::VectorXd Hv_again;
  f.hvp(theta, v, Hv_again);
  CHECK(Hv_again == Hv);
}

TEST_CASE("mlp_objective: minibatches are the loss of the selected examples", "[mlp_objective]") {
  const auto net = make_net(cases()[0], 3);
  const Eigen::MatrixXd X = random_matrix(3, 6, 1), Y = random_matrix(2, 6, 2);
  nnt::mlp_objective f(net, nnt::mse_loss{}, X, Y);
  STATIC_REQUIRE(nnt::minibatch_objective<decltype(f)>);
  const std::vector<nnt::Index> batch{4, 1, 1};
  Eigen::MatrixXd Xb(3, 3), Yb(2, 3);
  for (int j = 0; j < 3; ++j) {
    Xb.col(j) = X.col(batch[std::size_t(j)]);
    Yb.col(j) = Y.col(batch[std::size_t(j)]);
  }
  Eigen::VectorXd g, g_ref;
  CHECK(f.value_and_gradient(net.parameters(), g, batch) ==
        nnt::loss_and_gradient(net, nnt::mse_loss{}, Xb, Yb, g_ref));
  CHECK(g == g_ref);
  NNT_CHECK_INVALID(f.value_and_gradient(net.parameters(), g, std::vector<nnt::Index>{6}),
                    "batch: expected indices in [0, 6), got 6");
  NNT_CHECK_INVALID(f.value_and_gradient(net.parameters(), g, std::span<const nnt::Index>()),
                    "batch.size(): expected at least 1, got 0");
  NNT_CHECK_INVALID(nnt::mlp_objective(net, nnt::mse_loss{}, X, random_matrix(2, 5, 1)),
                    "Y: expected 6 columns, got 5");
}
