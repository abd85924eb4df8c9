#include <nnt/core/random.hpp>
#include <nnt/dynamics/integrators.hpp>

#include <unsupported/Eigen/MatrixFunctions>

#include "quadratic_objective.hpp"
#include "support/testing.hpp"

namespace {

// Logistic equation x′ = x(1 − x): x(t) = 1 / (1 + (1/x₀ − 1)e^{−t}).
struct logistic {
  void operator()(const Eigen::VectorXd& x, Eigen::VectorXd& dxdt, double) const {
    dxdt = x.array() * (1.0 - x.array());
  }
  static double exact(double x0, double t) { return 1 / (1 + (1 / x0 - 1) * std::exp(-t)); }
};

template <class Stepper>
double fitted_order() {
  // Global error at T = 2 for h = 0.2, 0.1, 0.05, 0.025; least-squares slope of log error vs log h.
  std::vector<double> lh, le;
  for (double h : {0.2, 0.1, 0.05, 0.025}) {
    Stepper stepper;
    Eigen::VectorXd x(1);
    x << 0.1;
    logistic f;
    nnt::integrate_const(stepper, f, x, 0.0, 2.0, h);
    lh.push_back(std::log(h));
    le.push_back(std::log(std::abs(x(0) - logistic::exact(0.1, 2.0))));
  }
  const double mx = (lh[0] + lh[1] + lh[2] + lh[3]) / 4, my = (le[0] + le[1] + le[2] + le[3]) / 4;
  double sxy = 0, sxx = 0;
  for (int i = 0; i < 4; ++i) {
    sxy += (lh[i] - mx) * (le[i] - my);
    sxx += (lh[i] - mx) * (lh[i] - mx);
  }
  return sxy / sxx;
}

}  // namespace

TEST_CASE("integrators: fixed-step methods converge at their order (fitted slope)", "[integrators]") {
  // The slope of log global error against log h approaches the order as h → 0; ±0.15 allows the
  // pre-asymptotic bend of the largest steps.
  CHECK(fitted_order<nnt::euler_stepper<>>() == Approx(1.0).margin(0.15));
  CHECK(fitted_order<nnt::heun_stepper<>>() == Approx(2.0).margin(0.15));
  CHECK(fitted_order<nnt::rk4_stepper<>>() == Approx(4.0).margin(0.15));
}

TEST_CASE("integrators: Dormand–Prince meets its tolerance, including dense output", "[integrators]") {
  for (double tol : {1e-6, 1e-9, 1e-12}) {
    nnt::dormand_prince_stepper<> dp(tol, tol);
    Eigen::VectorXd x(1);
    x << 0.1;
    std::vector<double> times;
    for (int i = 0; i <= 40; ++i) times.push_back(0.25 * i);  // most fall inside steps
    double worst = 0;
    const auto r = nnt::integrate_times(dp, logistic{}, x, times, 0.01, [&](const Eigen::VectorXd& v, double t) {
      worst = std::max(worst, std::abs(v(0) - logistic::exact(0.1, t)));
    });
    INFO("tol " << tol << ": " << r.steps << " steps, " << r.rejected_steps << " rejected, " << r.evaluations << " evaluations");
    CHECK(r.state == nnt::status::ok);
    // Local error control keeps the global error within a small multiple of the tolerance for
    // this contracting problem (its solution is bounded by 1); 20x covers the accumulation.
    CHECK(worst < 20 * tol);
    CHECK(std::abs(x(0) - logistic::exact(0.1, 10.0)) < 20 * tol);
  }
  // Tighter tolerances take more steps (5th order: about 10^{3/5} ≈ 4x per 1000x tolerance).
  auto steps_for = [](double tol) {
    nnt::dormand_prince_stepper<> dp(tol, tol);
    Eigen::VectorXd x(1);
    x << 0.1;
    return nnt::integrate_times(dp, logistic{}, x, {0.0, 10.0}, 0.01).steps;
  };
  CHECK(steps_for(1e-12) > 2 * steps_for(1e-9));
}

TEST_CASE("integrators: exact linear flow equals the matrix exponential; RK4 gradient flow agrees",
          "[integrators]") {
  nnt::random_generator rng(5);
  Eigen::MatrixXd G(5, 5);
  rng.fill_normal(G);
  const Eigen::MatrixXd H = G * G.transpose() + 0.1 * Eigen::MatrixXd::Identity(5, 5);
  const Eigen::VectorXd star = Eigen::VectorXd::LinSpaced(5, -1, 1), theta0 = Eigen::VectorXd::Ones(5);
  const nnt::linear_flow<double> flow(H, star);
  for (double t : {0.0, 0.3, 2.0}) {
    const Eigen::MatrixXd E = (-t * H).exp();
    CHECK((flow.at(t, theta0) - (star + E * (theta0 - star))).norm() < 1e-13 * theta0.norm());
  }
  quadratic_objective q{H, star};
  STATIC_REQUIRE(nnt::objective<quadratic_objective>);
  Eigen::VectorXd x = theta0;
  nnt::rk4_stepper<> rk4;
  nnt::integrate_const(rk4, nnt::gradient_flow<quadratic_objective>(q), x, 0.0, 2.0, 1e-3);
  // RK4 global error ≈ C h⁴ with h = 1e-3 and ‖H‖ ≈ 10: far below 1e-9.
  CHECK((x - flow.at(2.0, theta0)).norm() < 1e-9);
}

TEST_CASE("integrators: divergence is a status, observers can stop the run", "[integrators]") {
  // x′ = x² from 1 blows up at t = 1.
  auto blowup = [](const Eigen::VectorXd& x, Eigen::VectorXd& d, double) { d = x.array().square(); };
  Eigen::VectorXd x(1);
  x << 1;
  nnt::dormand_prince_stepper<> dp(1e-8, 1e-8);
  const auto r = nnt::integrate_times(dp, blowup, x, {0.0, 2.0}, 0.01);
  CHECK(r.state == nnt::status::diverged);
  CHECK(r.t < 1.0 + 1e-6);  // the numerical blow-up time approximates 1 to the tolerance
  // Euler with h > 2/λ on x′ = −λx oscillates with growing amplitude until it overflows.
  x << 1;
  nnt::euler_stepper<> euler;
  const auto e = nnt::integrate_const(euler, [](const Eigen::VectorXd& v, Eigen::VectorXd& d, double) { d = -100 * v; },
                                      x, 0.0, 1e4, 0.05);
  CHECK(e.state == nnt::status::diverged);
  // Event: stop when x < 0.5 on x′ = −x (crossing at t = ln 2).
  x << 1;
  nnt::rk4_stepper<> rk4;
  const auto s = nnt::integrate_const(rk4, [](const Eigen::VectorXd& v, Eigen::VectorXd& d, double) { d = -v; }, x, 0.0, 5.0, 0.01,
                                      [](const Eigen::VectorXd& v, double) { return v(0) >= 0.5; });
  CHECK(s.stopped_by_observer);
  CHECK(s.t == Approx(std::log(2.0)).margin(0.01));
}

TEST_CASE("integrators: bad input throws clear messages", "[integrators]") {
  Eigen::VectorXd x = Eigen::VectorXd::Ones(2);
  nnt::rk4_stepper<> rk4;
  auto f = [](const Eigen::VectorXd& v, Eigen::VectorXd& d, double) { d = -v; };
  NNT_CHECK_INVALID(nnt::integrate_const(rk4, f, x, 0.0, 1.0, -0.1), "dt: expected a positive value, got -0.1");
  NNT_CHECK_INVALID(nnt::integrate_const(rk4, f, x, 1.0, 0.0, 0.1), "t1: expected t1 ≥ t0 = 1, got 0");
  Eigen::VectorXd bad = x;
  bad(1) = std::nan("");
  NNT_CHECK_INVALID(nnt::integrate_const(rk4, f, bad, 0.0, 1.0, 0.1), "x: expected finite entries, got nan at index 1");
  NNT_CHECK_INVALID(nnt::dormand_prince_stepper<>(-1e-6, 1e-6), "absolute_tolerance: expected a non-negative value, got -1e-06");
  NNT_CHECK_INVALID(nnt::dormand_prince_stepper<>(0.0, 0.0), "absolute_tolerance: expected atol > 0 or rtol > 0, got 0 and rtol = 0");
  nnt::dormand_prince_stepper<> dp;
  NNT_CHECK_INVALID(nnt::integrate_times(dp, f, x, {1.0, 0.5}, 0.1), "times: expected non-decreasing times, got 0.5 after 1");
  Eigen::MatrixXd H(2, 2);
  H << 1, 2, 0, 1;
  NNT_CHECK_INVALID(nnt::linear_flow<double>(H, Eigen::VectorXd::Zero(2)), "H: expected a symmetric matrix, got ‖H − Hᵀ‖ = 2.8284271247461903");
  NNT_CHECK_INVALID(nnt::linear_flow<double>(Eigen::MatrixXd::Identity(2, 2), Eigen::VectorXd::Zero(3)),
                    "theta_star: expected 2 entries, got 3");
}
