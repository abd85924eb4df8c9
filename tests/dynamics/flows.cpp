#include <nnt/core/random.hpp>
#include <nnt/dynamics/flows.hpp>
#include <nnt/dynamics/integrate.hpp>
#include <nnt/dynamics/steppers.hpp>

#include <unsupported/Eigen/MatrixFunctions>

#include "quadratic_objective.hpp"
#include "support/testing.hpp"

TEST_CASE("flows: the exact linear flow equals the matrix exponential; RK4 on gradient_flow agrees",
          "[flows]") {
  nnt::random_generator rng(5);
  Eigen::MatrixXd G(5, 5);
  rng.fill_normal(G);
  const Eigen::MatrixXd H = G * G.transpose() + 0.1 * Eigen::MatrixXd::Identity(5, 5);
  const Eigen::VectorXd star = Eigen::VectorXd::LinSpaced(5, -1, 1),
                        theta0 = Eigen::VectorXd::Ones(5);
  const nnt::linear_flow<double> flow(H, star);
  for (double t : {0.0, 0.3, 2.0}) {
    const Eigen::MatrixXd E = (-t * H).exp();
    CHECK((flow.at(t, theta0) - (star + E * (theta0 - star))).norm() < 1e-13 * theta0.norm());
  }
  quadratic_objective<double> q{H, star};
  STATIC_REQUIRE(nnt::objective<quadratic_objective<double>>);
  Eigen::VectorXd x = theta0;
  nnt::rk4_stepper<> rk4;
  nnt::integrate_const(rk4, nnt::gradient_flow<quadratic_objective<double>>(q), x, 0.0, 2.0, 1e-3);
  // RK4 global error ≈ C h⁴ with h = 1e-3 and ‖H‖ ≈ 10: far below 1e-9.
  CHECK((x - flow.at(2.0, theta0)).norm() < 1e-9);
}

TEST_CASE("flows: gradient flow in float follows the double flow to float accuracy", "[flows]") {
  const Eigen::MatrixXf H = Eigen::Vector2f(1.0f, 3.0f).asDiagonal();
  quadratic_objective<float> q{H, Eigen::VectorXf::Zero(2)};
  Eigen::VectorXf x = Eigen::VectorXf::Ones(2);
  nnt::heun_stepper<float> heun;
  nnt::integrate_const(heun, nnt::gradient_flow<quadratic_objective<float>, float>(q), x, 0.0, 1.0,
                       1e-3);
  // Heun's h² ≈ 1e-6 global error dominates float rounding (1e-7 per step, ~1e-5 accumulated
  // worst).
  CHECK(std::abs(x(0) - std::exp(-1.0f)) < 2e-5f);
  CHECK(std::abs(x(1) - std::exp(-3.0f)) < 2e-5f);
}

TEST_CASE("flows: an overflowing linear flow is a status; at() throws the numerical error",
          "[flows]") {
  // A negative eigenvalue grows like e^{t}: at t = 1000 the state overflows.
  const Eigen::MatrixXd H = Eigen::Vector2d(-1.0, 2.0).asDiagonal();
  const nnt::linear_flow<double> flow(H, Eigen::VectorXd::Zero(2));
  const auto s = flow.state_at(1000.0, Eigen::VectorXd::Ones(2));
  CHECK(s.status == nnt::status::overflow);
  CHECK_THROWS_AS(flow.at(1000.0, Eigen::VectorXd::Ones(2)), nnt::numerical_error);
  CHECK(flow.state_at(1.0, Eigen::VectorXd::Ones(2)).status == nnt::status::ok);
}

TEST_CASE("flows: bad input throws clear messages", "[flows]") {
  Eigen::MatrixXd H(2, 2);
  H << 1, 2, 0, 1;
  NNT_CHECK_INVALID(nnt::linear_flow<double>(H, Eigen::VectorXd::Zero(2)),
                    "H: expected a symmetric matrix, got ‖H − Hᵀ‖ = 2.8284271247461903");
  NNT_CHECK_INVALID(
      nnt::linear_flow<double>(Eigen::MatrixXd::Identity(2, 2), Eigen::VectorXd::Zero(3)),
      "theta_star: expected 2 entries, got 3");
  const nnt::linear_flow<double> flow(Eigen::MatrixXd::Identity(2, 2), Eigen::VectorXd::Zero(2));
  NNT_CHECK_INVALID(flow.state_at(std::nan(""), Eigen::VectorXd::Zero(2)),
                    "t: expected a finite value, got nan");
  NNT_CHECK_INVALID(flow.state_at(-1.0, Eigen::VectorXd::Zero(2)),
                    "t: expected a non-negative value, got -1");
}
