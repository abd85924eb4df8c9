#include <nnt/experiments/catapult.hpp>
#include <nnt/mlp/derivatives.hpp>
#include <nnt/quadratic/taylor_model.hpp>

#include <cmath>

#include "support/testing.hpp"

namespace {

// z(x) = m^{−1/2} Σ vᵢ ReLU(uᵢᵀx/√d), written out (no nnt code path).
double net_output(const nnt::catapult_problem<>& p, const Eigen::MatrixXd& u,
                  const Eigen::VectorXd& v) {
  const double d = double(p.input_dim()), m = double(p.width());
  return v.dot((u * p.x / std::sqrt(d)).cwiseMax(0.0)) / std::sqrt(m);
}

// Exactly n steps at rate ηλ₀ (converged_loss_ratio 0: the run-exactly-N-steps mode).
nnt::catapult_options steps(double eta_lambda0, nnt::Index n) {
  return {.eta = eta_lambda0,
          .units = nnt::rate_units::inverse_lambda0,
          .steps = n,
          .converged_loss_ratio = 0};
}

}  // namespace

TEST_CASE("catapult: λ₀ is ‖∇_θ z‖² of the mlp and the mlp is the net of the formula",
          "[experiments][catapult]") {
  const auto p = nnt::random_catapult_problem(5, 12, 0.7, 3);
  CHECK(std::abs(p.x.squaredNorm() - 5.0) < 1e-12);
  CHECK(std::abs(p.c() - 1.0 / 12) < 1e-14);
  const auto net = nnt::catapult_mlp(p);
  const Eigen::MatrixXd X = p.x;
  CHECK(std::abs(net.forward(X)(0, 0) - net_output(p, p.u, p.v)) < 1e-14);
  const Eigen::MatrixXd J = nnt::per_example_jacobian(net, X);
  const auto run = nnt::catapult_gd(p, nnt::catapult_model::relu, steps(1.0, 1));
  CHECK(std::abs(run.lambda0 - J.squaredNorm()) < 1e-13 * J.squaredNorm());
  CHECK(std::abs(run.z[0] - net_output(p, p.u, p.v)) < 1e-14);
  // a rate given as η runs the same trajectory as the same rate given as ηλ₀
  auto o = steps(2.5, 20);
  const auto by_product = nnt::catapult_gd(p, nnt::catapult_model::relu, o);
  o.eta = 2.5 / run.lambda0;
  o.units = nnt::rate_units::absolute;
  const auto by_rate = nnt::catapult_gd(p, nnt::catapult_model::relu, o);
  CHECK(by_rate.eta == Approx(by_product.eta).epsilon(1e-15));
  CHECK(by_rate.loss.size() == by_product.loss.size());
  for (std::size_t t = 0; t < by_rate.loss.size(); ++t)
    CHECK(by_rate.loss[t] == Approx(by_product.loss[t]).epsilon(1e-12));
  // exactly 20 steps were run, and that was the request
  CHECK(by_product.steps_taken == 20);
  CHECK(by_product.status == nnt::status::ok);
  CHECK(by_product.stop_reason == nnt::stop_reason::iteration_limit);
}

TEST_CASE(
    "catapult: the O(m) update is GD on all m(d+1) parameters of the ReLU net, units switching",
    "[experiments][catapult]") {
  const auto p = nnt::random_catapult_problem(5, 12, 1.0, 4);
  const auto run = nnt::catapult_gd(p, nnt::catapult_model::relu, steps(3.5, 40));
  // Reference: plain GD on θ with the mlp's backprop gradient of ½(z − y)².
  auto net = nnt::catapult_mlp(p);
  const Eigen::MatrixXd X = p.x, Y = Eigen::MatrixXd::Constant(1, 1, p.y);
  Eigen::VectorXd g;
  bool switched = false;
  for (nnt::Index t = 0; t <= 40; ++t) {
    const double z = net.forward(X)(0, 0);
    // rounding: ~m·ε per step, amplified by |1 − ηλ| ≤ 2.5 per step through the catapult
    CHECK(std::abs(run.z[std::size_t(t)] - z) <= 1e-9 * (1 + std::abs(z)));
    switched = switched || run.active[std::size_t(t)] != run.active0;
    nnt::loss_and_gradient(net, nnt::mse_loss{nnt::reduction::sum}, X, Y, g);
    net.set_parameters(net.parameters() - run.eta * g);
  }
  CHECK(switched);  // the comparison covered steps with units switching off or on
}

TEST_CASE("catapult: the quadratic model is GD on the mlp's second-order Taylor model (D1 route)",
          "[experiments][catapult]") {
  // m = 12: P = 48 parameters for the dense Taylor model. Widths this small have messy phases
  // (finite-c terms), so the seed is one whose ηλ₀ = 3 run catapults and converges.
  const auto p = nnt::random_catapult_problem(3, 12, 1.0, 2);
  const auto run = nnt::catapult_gd(p, nnt::catapult_model::quadratic, steps(3.0, 30));
  const auto net = nnt::catapult_mlp(p);
  const Eigen::MatrixXd X = p.x;
  const auto taylor = nnt::second_order_taylor_model(net, X);
  const Eigen::VectorXd target = taylor.targets(Eigen::MatrixXd::Constant(1, 1, p.y));
  Eigen::VectorXd delta = Eigen::VectorXd::Zero(net.parameter_count()), g;
  double peak = 0;
  for (nnt::Index t = 0; t <= 30; ++t) {
    const double z = taylor.outputs(taylor.theta0 + delta)(0);
    CHECK(std::abs(run.z[std::size_t(t)] - z) <= 1e-9 * (1 + std::abs(z)));
    peak = std::max(peak, run.loss[std::size_t(t)]);
    taylor.model.loss(delta, target, &g);
    delta -= run.eta * g;
  }
  CHECK(peak > run.loss0);  // a catapult, so the comparison is not only the lazy regime
}

TEST_CASE(
    "catapult: the exact (z, λ) recursion holds on the quadratic model; the printed λ update does "
    "not",
    "[experiments][catapult]") {
  const auto p = nnt::random_catapult_problem(8, 256, 1.0, 6);
  const auto run = nnt::catapult_gd(p, nnt::catapult_model::quadratic, steps(3.0, 200));
  REQUIRE(run.phase == nnt::catapult_phase::catapult);
  double worst_z = 0, worst_lambda = 0, printed = 0;
  for (std::size_t t = 0; t + 1 < run.z.size(); ++t) {
    const nnt::catapult_state s{run.z[t], run.lambda[t]};
    const auto next = nnt::catapult_recursion_step(s, run.eta, p.c(), p.y);
    // each side sums m = 256 products: relative rounding ≲ m·ε ≈ 6e-14 of the terms' size
    const double scale = std::abs(s.z) + std::abs(p.y) +
                         run.eta * run.lambda[t] * std::abs(s.z - p.y) +
                         p.c() * run.eta * run.eta * std::abs(s.z * (s.z - p.y) * (s.z - p.y));
    worst_z = std::max(worst_z, std::abs(next.z - run.z[t + 1]) / scale);
    worst_lambda =
        std::max(worst_lambda, std::abs(next.lambda - run.lambda[t + 1]) / run.lambda[t]);
    printed = std::max(printed, std::abs(nnt::catapult_lambda_printed(s, run.eta, p.c(), p.y) -
                                         run.lambda[t + 1]) /
                                    run.lambda[t]);
  }
  CHECK(worst_z < 1e-12);
  CHECK(worst_lambda < 1e-12);
  CHECK(printed > 1e-2);
}

TEST_CASE("catapult: the quadratic model's phases at width 512", "[experiments][catapult]") {
  const auto p = nnt::random_catapult_problem(8, 512, 1.0, 7);
  nnt::catapult_options o{.eta = 1.5, .steps = 20000};
  const auto lazy = nnt::catapult_gd(p, nnt::catapult_model::quadratic, o);
  CHECK(lazy.phase == nnt::catapult_phase::lazy);
  CHECK(std::abs(lazy.final_lambda / lazy.lambda0 - 1) < 0.05);  // λ ≈ const
  o.eta = 3.0;
  const auto cat = nnt::catapult_gd(p, nnt::catapult_model::quadratic, o);
  CHECK(cat.phase == nnt::catapult_phase::catapult);
  CHECK(cat.eta * cat.final_lambda < 2.0);  // λ fell below 2/η
  CHECK(cat.max_loss > 0.5);                // the loss rose to O(m·0.02)
  o.eta = 4.5;
  const auto div = nnt::catapult_gd(p, nnt::catapult_model::quadratic, o);
  CHECK(div.phase == nnt::catapult_phase::diverged);
  CHECK(div.status == nnt::status::diverged);

  // "Run exactly N steps": no early stop, status ok, and the phase still read from the loss curve.
  o = {.eta = 3.0, .steps = 3000, .converged_loss_ratio = 0};
  const auto exact = nnt::catapult_gd(p, nnt::catapult_model::quadratic, o);
  CHECK(exact.steps_taken == 3000);
  CHECK(exact.loss.size() == 3001);
  CHECK(exact.status == nnt::status::ok);
  CHECK(exact.stop_reason == nnt::stop_reason::iteration_limit);
  CHECK(exact.phase == nnt::catapult_phase::catapult);
  CHECK(exact.max_loss == cat.max_loss);  // the same trajectory as the run that stopped early
}

TEST_CASE("catapult: float runs the same dynamics", "[experiments][catapult]") {
  const auto pd = nnt::random_catapult_problem(8, 512, 1.0, 7);
  const auto pf = nnt::random_catapult_problem<float>(8, 512, 1.0, 7);
  const nnt::catapult_options o{.eta = 1.5, .steps = 20000};
  const auto d = nnt::catapult_gd(pd, nnt::catapult_model::quadratic, o);
  const auto f = nnt::catapult_gd(pf, nnt::catapult_model::quadratic, o);
  CHECK(f.phase == d.phase);
  // λ₀ is a sum of 512 float products: relative rounding ≲ 512·ε_f ≈ 6e-5 at worst.
  CHECK(std::abs(f.lambda0 / d.lambda0 - 1) < 6e-5);
}

TEST_CASE("catapult: bad input throws clear messages", "[experiments][catapult]") {
  auto p = nnt::random_catapult_problem(3, 4, 1.0, 1);
  nnt::catapult_options o{.eta = 0};
  NNT_CHECK_INVALID(nnt::catapult_gd(p, nnt::catapult_model::relu, o),
                    "eta: expected a positive value, got 0");
  o.eta = -0.1;
  NNT_CHECK_INVALID(nnt::catapult_gd(p, nnt::catapult_model::relu, o),
                    "eta: expected a positive value, got -0.1");
  o.eta = 1;
  NNT_CHECK_INVALID(nnt::catapult_gd(p, nnt::catapult_model::relu, {.converged_loss_ratio = -1}),
                    "converged_loss_ratio: expected a non-negative value, got -1");
  auto q = p;
  q.x.resize(2);
  NNT_CHECK_INVALID(nnt::catapult_gd(q, nnt::catapult_model::relu, o),
                    "x: expected 3 entries, got 2");
  q = p;
  q.v(1) = std::nan("");
  NNT_CHECK_INVALID(nnt::catapult_gd(q, nnt::catapult_model::relu, o),
                    "v: expected finite entries, got nan at index 1");
  q = p;
  q.u.setZero();
  NNT_CHECK_INVALID(
      nnt::catapult_gd(q, nnt::catapult_model::relu, o),
      "u, v: expected a net with at least one active unit (lambda0 > 0), got no active unit");
  NNT_CHECK_INVALID(nnt::random_catapult_problem(0, 4, 1.0, 1),
                    "input_dim: expected at least 1, got 0");
  NNT_CHECK_INVALID(nnt::catapult_phases(nnt::catapult_model::relu, {8}, {2.0, 1.0}, 3, 1.0, 1),
                    "eta_lambda0: expected an increasing grid, got an unsorted one");
}
