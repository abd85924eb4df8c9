#include <nnt/kernels/layer.hpp>

#include <cmath>
#include <numbers>

#include "support/testing.hpp"

using nnt_test::relative_error;

TEST_CASE("layer: fully_connected_kernel has hidden_layers + 1 dense steps, in mlp order",
          "[layer]") {
  const auto net = nnt::fully_connected_kernel(nnt::activation::tanh(),
                                               {.hidden_layers = 3, .C_w = 1.5, .C_b = 0.2});
  CHECK(net.dense_count() == 4);  // the mlp {d, n, n, n, k}: 3 hidden layers, 4 weight matrices
  CHECK(net.size() == 7);
  for (nnt::Index s = 0; s < net.size(); ++s) {
    const auto& step = net.steps()[std::size_t(s)];
    CHECK(step.kind ==
          (s % 2 == 0 ? nnt::kernel_step_kind::dense : nnt::kernel_step_kind::nonlinearity));
    if (step.kind == nnt::kernel_step_kind::dense) {
      CHECK(step.C_w == 1.5);
      CHECK(step.param == nnt::parameterization::ntk);  // the default, as for mlp_options
    }
  }
  CHECK(nnt::fully_connected_kernel(nnt::activation::relu(), {.hidden_layers = 0}).dense_count() ==
        1);  // linear model
}

TEST_CASE("layer: one dense step and one nonlinearity follow their formulas", "[layer]") {
  // dense (NTK): K′ = C_w K + C_b, Θ′ = C_w Θ + C_w K + C_b; standard: Θ′ = C_w Θ + n K + 1.
  const nnt::kernel_entry<double> e{2.0, 3.0, 1.0, 3.0, 1.0, 0.5, 0.7, 0.2};
  const nnt::moment_quadrature<double> q;
  const auto ntk = nnt::apply_step(nnt::dense(1.5, 0.1), e, 4, q);
  CHECK(ntk.k12 == 1.5 * 1.0 + 0.1);
  CHECK(ntk.dist == 1.5 * 3.0);
  CHECK(ntk.t12 == 1.5 * 0.2 + 1.5 * 1.0 + 0.1);
  const auto standard =
      nnt::apply_step(nnt::dense(1.5, 0.1, nnt::parameterization::standard, 10), e, 4, q);
  CHECK(standard.t12 == 1.5 * 0.2 + 10 * 1.0 + 1);
  const auto first =
      nnt::apply_step(nnt::dense(1.5, 0.1, nnt::parameterization::standard), e, 4, q);
  CHECK(first.t12 == 1.5 * 0.2 + 4 * 1.0 + 1);  // fan_in 0: the input dimension
  // nonlinearity (ReLU): K′ = arc-cosine kernel, Θ′ = E σ′σ′ Θ with θ from the pair (cos θ = 1/√6)
  const auto relu = nnt::apply_step(nnt::nonlinearity(nnt::activation::relu()), e, 4, q);
  const double theta = std::acos(1.0 / std::sqrt(6.0)), pi = std::numbers::pi;
  CHECK(relative_error(relu.t12, (pi - theta) / (2 * pi) * 0.2) < 1e-14);
  CHECK(relative_error(relu.t11, 0.5 * 0.5) < 1e-15);
}

TEST_CASE("layer: the input entry carries the exact distance of near-duplicate inputs", "[layer]") {
  Eigen::Vector3d x(1.0, -2.0, 0.5), y = x;
  y(1) += 1e-9;
  const auto e = nnt::input_entry<double>(x, y);
  CHECK(relative_error(e.dist, 1e-18 / 3, 0) < 1e-6);  // (1e-9)²/3 from the difference itself
  CHECK(e.k11 == x.squaredNorm() / 3);
  // the pair path carries it through a ReLU network: with C_w = 2 each σ → dense pair keeps dist
  // to first order in θ ~ 1e-9 (dist′ = 2·((π − θ)/2π)·dist + O(θ³)), so the output distance is
  // 2·(1e-9)²/3 to ~1e-9 relative, where K(x,x) + K(x′,x′) − 2K(x,x′) would be rounding noise
  // (~1e-16).
  const auto net =
      nnt::fully_connected_kernel(nnt::activation::relu(), {.hidden_layers = 2, .C_w = 2.0});
  const auto near = nnt::pair_kernel(net, x, y);
  CHECK(relative_error(near.dist, 2 * 1e-18 / 3, 0) < 1e-6);
}

TEST_CASE("layer: bad steps and networks are rejected with clear messages", "[layer]") {
  NNT_CHECK_INVALID(nnt::dense(0.0), "C_w: expected a positive value, got 0");
  NNT_CHECK_INVALID(nnt::dense(1.0, -1.0), "C_b: expected a non-negative value, got -1");
  NNT_CHECK_INVALID(nnt::nonlinearity(nnt::activation::tanh(), -1),
                    "quadrature_order: expected a value in [0, 4096], got -1");
  NNT_CHECK_INVALID(
      nnt::fully_connected_kernel(nnt::activation::relu(),
                                  {.hidden_layers = 2, .param = nnt::parameterization::standard}),
      "hidden_width: expected at least 1, got 0");
  NNT_CHECK_INVALID(nnt::kernel_network({nnt::nonlinearity(nnt::activation::relu())}),
                    "steps: expected at least one dense step, got 1 steps, none dense");
  // fan_in = 0 means "the input dimension" for the first dense step wherever it sits, and is an
  // error only for the later (hidden) standard-parameterised ones.
  const auto standard = nnt::dense(1.0, 0.0, nnt::parameterization::standard);
  CHECK(nnt::kernel_network({nnt::nonlinearity(nnt::activation::relu()), standard}).size() == 2);
  NNT_CHECK_INVALID(
      nnt::kernel_network({standard, nnt::nonlinearity(nnt::activation::relu()), standard}),
      "steps[2].fan_in: expected the layer width (> 0) for a standard-parameterised hidden layer, "
      "got 0");
  NNT_CHECK_INVALID(nnt::pair_kernel(nnt::fully_connected_kernel(nnt::activation::relu(), {}),
                                     Eigen::VectorXd::Ones(2), Eigen::VectorXd::Ones(3)),
                    "y: expected 2 entries, got 3");
}
