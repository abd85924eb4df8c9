#include <nnt/dynamics/integrate.hpp>
#include <nnt/dynamics/steppers.hpp>

#include <cmath>
#include <vector>

#include "support/testing.hpp"

namespace {
// x′ = −x: x(t) = e^{−t}.
auto decay = [](const Eigen::VectorXd& v, Eigen::VectorXd& d, double) { d = -v; };
}  // namespace

TEMPLATE_TEST_CASE("integrate: integrate_times lands on every requested time, for every stepper",
                   "[integrate]", nnt::euler_stepper<double>, nnt::heun_stepper<double>,
                   nnt::rk4_stepper<double>, nnt::dormand_prince_stepper<double>) {
  // Times that do not fall on the step grid: fixed steppers shorten steps to hit them exactly.
  TestType stepper;
  Eigen::VectorXd x = Eigen::VectorXd::Ones(1);
  const std::vector<double> times{0.0, 0.013, 0.5, 0.5, 1.7, 3.0};
  std::vector<double> seen_t, seen_x;
  const auto r =
      nnt::integrate_times(stepper, decay, x, times, 1e-3, [&](const Eigen::VectorXd& v, double t) {
        seen_t.push_back(t);
        seen_x.push_back(v(0));
      });
  CHECK(r.status == nnt::status::ok);
  CHECK(r.stop_reason == nnt::stop_reason::end_time);
  REQUIRE(seen_t == times);
  // Global errors at h = 1e-3 over [0, 3]: Euler ~h/2·t e^{−t} ≈ 2e-4, Heun ~h², RK4/DOPRI5 tiny.
  const double tolerance = TestType::order == 1 ? 3e-4 : TestType::order == 2 ? 3e-7 : 1e-7;
  for (std::size_t i = 0; i < times.size(); ++i)
    CHECK(std::abs(seen_x[i] - std::exp(-times[i])) < tolerance);
  CHECK(r.t == 3.0);
  // Negative times: the same solution shifted, x(t) = e^{−(t + 3)} from x(−3) = 1.
  TestType shifted;
  Eigen::VectorXd y = Eigen::VectorXd::Ones(1);
  std::vector<double> negative_t;
  const auto n =
      nnt::integrate_times(shifted, decay, y, {-3.0, -2.0, -1.0}, 1e-3,
                           [&](const Eigen::VectorXd&, double t) { negative_t.push_back(t); });
  CHECK(n.status == nnt::status::ok);
  CHECK(n.stop_reason == nnt::stop_reason::end_time);
  CHECK(negative_t == std::vector<double>{-3.0, -2.0, -1.0});
  CHECK(std::abs(y(0) - std::exp(-2.0)) < tolerance);
}

TEST_CASE("integrate: divergence is a status, observers can stop the run", "[integrate]") {
  // x′ = x² from 1 blows up at t = 1.
  auto blowup = [](const Eigen::VectorXd& x, Eigen::VectorXd& d, double) {
    d = x.array().square();
  };
  Eigen::VectorXd x(1);
  x << 1;
  nnt::dormand_prince_stepper<> dp(1e-8, 1e-8);
  const auto r = nnt::integrate_times(dp, blowup, x, {0.0, 2.0}, 0.01);
  CHECK(r.status == nnt::status::diverged);
  CHECK((r.stop_reason == nnt::stop_reason::step_size_underflow ||
         r.stop_reason == nnt::stop_reason::non_finite));
  CHECK(r.t < 1.0 + 1e-6);  // the numerical blow-up time approximates 1 to the tolerance
  // Euler with h > 2/λ on x′ = −λx oscillates with growing amplitude until it overflows.
  x << 1;
  nnt::euler_stepper<> euler;
  const auto e = nnt::integrate_const(
      euler, [](const Eigen::VectorXd& v, Eigen::VectorXd& d, double) { d = -100 * v; }, x, 0.0,
      1e4, 0.05);
  CHECK(e.status == nnt::status::diverged);
  CHECK(e.stop_reason == nnt::stop_reason::non_finite);
  // Event: stop when x < 0.5 on x′ = −x (crossing at t = ln 2).
  x << 1;
  nnt::rk4_stepper<> rk4;
  const auto s = nnt::integrate_const(rk4, decay, x, 0.0, 5.0, 0.01,
                                      [](const Eigen::VectorXd& v, double) { return v(0) >= 0.5; });
  CHECK(s.status == nnt::status::ok);
  CHECK(s.stop_reason == nnt::stop_reason::observer);
  CHECK(s.t == Approx(std::log(2.0)).margin(0.01));
}

TEST_CASE("integrate: when the observer stops an adaptive run, x and t are the state it saw",
          "[integrate]") {
  // The observer sees dense-output states at the requested times; stopping must hand back that
  // state at that time, not the end of the integrator's step (which lies beyond it).
  nnt::dormand_prince_stepper<> dp(1e-10, 1e-10);
  Eigen::VectorXd x = Eigen::VectorXd::Ones(1), seen;
  std::vector<double> times;
  for (int i = 0; i <= 100; ++i) times.push_back(0.05 * i);
  double seen_t = -1;
  const auto r =
      nnt::integrate_times(dp, decay, x, times, 0.5, [&](const Eigen::VectorXd& v, double t) {
        seen = v;
        seen_t = t;
        return v(0) > 0.3;
      });
  CHECK(r.stop_reason == nnt::stop_reason::observer);
  CHECK(r.t == seen_t);
  CHECK(x == seen);
  CHECK(std::abs(x(0) - std::exp(-r.t)) < 1e-9);
}

TEST_CASE("integrate: no hang when time stops advancing, and a step budget", "[integrate]") {
  // At t = 1e17 a step of 1 does not change t (ulp(1e17) = 16): no progress, reported as stalled.
  Eigen::VectorXd x = Eigen::VectorXd::Ones(1);
  nnt::rk4_stepper<> rk4;
  const auto r = nnt::integrate_const(rk4, decay, x, 1e17, 1e17 + 1e3, 1.0);
  CHECK(r.status == nnt::status::stalled);
  CHECK(r.stop_reason == nnt::stop_reason::no_progress);
  nnt::dormand_prince_stepper<> dp;
  x.setOnes();
  const auto a = nnt::integrate_times(dp, decay, x, {1e17, 1e17 + 1e3}, 1.0);
  CHECK(a.status == nnt::status::stalled);
  // A budget of 10 steps for a run that needs 1000.
  x.setOnes();
  const auto b =
      nnt::integrate_const(rk4, decay, x, 0.0, 1.0, 1e-3, nnt::no_observer{}, {.max_steps = 10});
  CHECK(b.status == nnt::status::not_converged);
  CHECK(b.stop_reason == nnt::stop_reason::iteration_limit);
  CHECK(b.steps == 10);
  CHECK(b.t == Approx(0.01).epsilon(1e-12));
}

TEST_CASE("integrate: float states integrate in float", "[integrate]") {
  nnt::rk4_stepper<float> rk4;
  Eigen::VectorXf x = Eigen::VectorXf::Ones(2);
  const auto r = nnt::integrate_const(
      rk4, [](const Eigen::VectorXf& v, Eigen::VectorXf& d, double) { d = -v; }, x, 0.0, 1.0, 0.01);
  CHECK(r.status == nnt::status::ok);
  CHECK(std::abs(x(0) - std::exp(-1.0f)) < 1e-6f);  // float rounding over 100 steps
}

TEST_CASE("integrate: bad input throws clear messages", "[integrate]") {
  Eigen::VectorXd x = Eigen::VectorXd::Ones(2);
  nnt::rk4_stepper<> rk4;
  NNT_CHECK_INVALID(nnt::integrate_const(rk4, decay, x, 0.0, 1.0, -0.1),
                    "dt: expected a positive value, got -0.1");
  NNT_CHECK_INVALID(nnt::integrate_const(rk4, decay, x, 1.0, 0.0, 0.1),
                    "t1: expected t1 ≥ t0 = 1, got 0");
  NNT_CHECK_INVALID(nnt::integrate_const(rk4, decay, x, 0.0, std::nan(""), 0.1),
                    "t1: expected a finite value, got nan");
  Eigen::VectorXd bad = x;
  bad(1) = std::nan("");
  NNT_CHECK_INVALID(nnt::integrate_const(rk4, decay, bad, 0.0, 1.0, 0.1),
                    "x: expected finite entries, got nan at index 1");
  nnt::dormand_prince_stepper<> dp;
  NNT_CHECK_INVALID(nnt::integrate_times(dp, decay, x, {1.0, 0.5}, 0.1),
                    "times: expected non-decreasing times, got 0.5 after 1");
  NNT_CHECK_INVALID(nnt::integrate_times(rk4, decay, x, {}, 0.1),
                    "times.size(): expected at least 1, got 0");
  NNT_CHECK_INVALID(
      nnt::integrate_const(rk4, decay, x, 0.0, 1.0, 0.1, nnt::no_observer{}, {.max_steps = 0}),
      "options.max_steps: expected at least 1, got 0");
}
