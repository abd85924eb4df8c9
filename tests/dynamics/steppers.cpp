#include <nnt/dynamics/integrate.hpp>
#include <nnt/dynamics/steppers.hpp>

#include <cmath>
#include <limits>
#include <vector>

#include "support/testing.hpp"

namespace {

// Logistic equation x′ = x(1 − x): x(t) = 1 / (1 + (1/x₀ − 1)e^{−t}).
template <class S>
struct logistic {
  void operator()(const nnt::Vector<S>& x, nnt::Vector<S>& dxdt, double) const {
    dxdt = x.array() * (S(1) - x.array());
  }
  static double exact(double x0, double t) { return 1 / (1 + (1 / x0 - 1) * std::exp(-t)); }
};

// Least-squares slope of log global error (x at T = 2 from 0.1) against log h, over the steps
// h = 0.4·2^{−k} whose error stays above 1000 ulps of S (below that rounding bends the line).
template <class Stepper, class S>
double fitted_order() {
  std::vector<double> lh, le;
  for (int k = 0; k < 10 && lh.size() < 4; ++k) {
    const double h = 0.4 * std::pow(2.0, -k);
    Stepper stepper;
    nnt::Vector<S> x(1);
    x << S(0.1);
    nnt::integrate_const(stepper, logistic<S>{}, x, 0.0, 2.0, h);
    const double error = std::abs(double(x(0)) - logistic<S>::exact(0.1, 2.0));
    if (h > 0.1 && lh.empty() && Stepper::order > 2)
      continue;  // RK4's largest steps are pre-asymptotic
    if (error < 1e3 * std::numeric_limits<S>::epsilon()) break;
    lh.push_back(std::log(h));
    le.push_back(std::log(error));
  }
  REQUIRE(lh.size() >= 3);
  const double n = double(lh.size());
  double mx = 0, my = 0, sxy = 0, sxx = 0;
  for (std::size_t i = 0; i < lh.size(); ++i) mx += lh[i] / n, my += le[i] / n;
  for (std::size_t i = 0; i < lh.size(); ++i)
    sxy += (lh[i] - mx) * (le[i] - my), sxx += (lh[i] - mx) * (lh[i] - mx);
  return sxy / sxx;
}

}  // namespace

TEMPLATE_TEST_CASE("steppers: fixed-step methods converge at the order they declare", "[steppers]",
                   nnt::euler_stepper<double>, nnt::heun_stepper<double>, nnt::rk4_stepper<double>,
                   nnt::euler_stepper<float>, nnt::heun_stepper<float>,
                   nnt::rk4_stepper<long double>) {
  // The slope of log global error against log h approaches the order as h → 0; ±0.15 allows the
  // pre-asymptotic bend of the largest steps kept.
  using Scalar = typename TestType::Scalar;
  STATIC_REQUIRE(nnt::fixed_stepper<TestType, Scalar>);
  CHECK(fitted_order<TestType, Scalar>() == Approx(double(TestType::order)).margin(0.15));
}

TEMPLATE_TEST_CASE("steppers: Dormand–Prince meets its tolerance, including dense output",
                   "[steppers]", double, long double) {
  using S = TestType;
  STATIC_REQUIRE(nnt::adaptive_stepper<nnt::dormand_prince_stepper<S>, S>);
  for (double tol : {1e-6, 1e-9, 1e-12}) {
    nnt::dormand_prince_stepper<S> dp(tol, tol);
    nnt::Vector<S> x(1);
    x << S(0.1);
    std::vector<double> times;
    for (int i = 0; i <= 40; ++i) times.push_back(0.25 * i);  // most fall inside steps
    double worst = 0;
    const auto r = nnt::integrate_times(
        dp, logistic<S>{}, x, times, 0.01, [&](const nnt::Vector<S>& v, double t) {
          worst = std::max(worst, std::abs(double(v(0)) - logistic<S>::exact(0.1, t)));
        });
    INFO("tol " << tol << ": " << r.steps << " steps, " << r.rejected_steps << " rejected, "
                << r.evaluations << " evaluations");
    CHECK(r.status == nnt::status::ok);
    CHECK(r.stop_reason == nnt::stop_reason::end_time);
    // Local error control keeps the global error within a small multiple of the tolerance for
    // this contracting problem (its solution is bounded by 1); 20x covers the accumulation.
    CHECK(worst < 20 * tol);
    CHECK(std::abs(double(x(0)) - logistic<S>::exact(0.1, 10.0)) < 20 * tol);
    CHECK(r.t == 10.0);
  }
  // Tighter tolerances take more steps (5th order: about 10^{3/5} ≈ 4x per 1000x tolerance).
  auto steps_for = [](double tol) {
    nnt::dormand_prince_stepper<S> dp(tol, tol);
    nnt::Vector<S> x(1);
    x << S(0.1);
    return nnt::integrate_times(dp, logistic<S>{}, x, {0.0, 10.0}, 0.01).steps;
  };
  CHECK(steps_for(1e-12) > 2 * steps_for(1e-9));
}

TEST_CASE("steppers: bad tolerances throw clear messages", "[steppers]") {
  NNT_CHECK_INVALID(nnt::dormand_prince_stepper<>(-1e-6, 1e-6),
                    "absolute_tolerance: expected a non-negative value, got -1e-06");
  NNT_CHECK_INVALID(nnt::dormand_prince_stepper<>(0.0, 0.0),
                    "absolute_tolerance: expected atol > 0 or rtol > 0, got 0 and rtol = 0");
  NNT_CHECK_INVALID(nnt::dormand_prince_stepper<>(1e-6, std::nan("")),
                    "relative_tolerance: expected a finite value, got nan");
}
