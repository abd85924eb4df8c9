#include <nnt/core/activation.hpp>

#include <unsupported/Eigen/AutoDiff>

#include <vector>

#include "support/testing.hpp"

using nnt::activation;
using nnt_test::central_difference;
using nnt_test::relative_error;

namespace {

std::vector<activation> all_activations() {
  std::vector<activation> all;
  for (auto k : activation::all_kinds) all.emplace_back(k, 0.2);
  return all;
}

// Grid on [-6, 6] that keeps 1e-3 away from the kinks at 0 (relu, leaky_relu, softsign).
std::vector<long double> grid() {
  std::vector<long double> xs;
  for (int i = 0; i <= 120; ++i) xs.push_back(-6.0L + 0.1L * i + 0.0137L);
  return xs;
}

bool kinked(const activation& a) {
  return a.kind() == nnt::activation_kind::relu || a.kind() == nnt::activation_kind::leaky_relu ||
         a.kind() == nnt::activation_kind::softsign;
}

}  // namespace

TEST_CASE("activation: derivatives match long-double central differences", "[activation]") {
  // Tolerance 1e-10: truncation h²|f‴|/6 ≈ 2e-13·|f‴| plus rounding eps_ld·|f|/h ≈ 1e-12 for
  // h = 1e-6, with |f‴| ≤ 10 on the grid (softsign's f‴ at 1e-3 from the kink is 6), relative to
  // max(|f′|, 1).
  for (const activation& a : all_activations()) {
    INFO(a.name());
    for (long double x : grid()) {
      INFO("x = " << static_cast<double>(x));
      if (kinked(a) && std::abs(x) < 1e-3L) continue;
      const long double fd1 = central_difference([&](long double t) { return a.value(t); }, x);
      const long double fd2 =
          central_difference([&](long double t) { return a.derivative(t); }, x);
      CHECK(relative_error(a.derivative(x), fd1) < 1e-10);
      CHECK(relative_error(a.second_derivative(x), fd2) < 1e-10);
    }
  }
}

TEST_CASE("activation: derivatives match Eigen's AutoDiffScalar", "[activation]") {
  // Forward-mode AD applies the chain rule exactly, so only rounding differs: a few ulps of the
  // largest intermediate (|x|·φ(x) etc. stay O(1)) → 1e-14 relative with floor 1.
  using AD = Eigen::AutoDiffScalar<Eigen::VectorXd>;
  using AD2 = Eigen::AutoDiffScalar<Eigen::Matrix<AD, Eigen::Dynamic, 1>>;
  for (const activation& a : all_activations()) {
    INFO(a.name());
    for (long double xl : grid()) {
      const double x = static_cast<double>(xl);
      INFO("x = " << x);
      const AD v = a.value(AD(x, 1, 0));
      const AD d = a.derivative(AD(x, 1, 0));
      CHECK(v.value() == a.value(x));
      CHECK(relative_error(v.derivatives()(0), a.derivative(x)) < 1e-14);
      CHECK(relative_error(d.derivatives()(0), a.second_derivative(x)) < 1e-14);
      // Nested AD gives the second derivative of the value directly (as Hessians will need).
      AD2 x2(AD(x, 1, 0), Eigen::Matrix<AD, Eigen::Dynamic, 1>(1));
      x2.derivatives()(0) = AD(1.0, Eigen::VectorXd::Zero(1));
      const AD2 v2 = a.value(x2);
      const Eigen::VectorXd& dd = v2.derivatives()(0).derivatives();
      CHECK(relative_error(dd.size() ? dd(0) : 0.0, a.second_derivative(x)) < 1e-13);
    }
  }
}

TEST_CASE("activation: reference values, including the far tails", "[activation]") {
  // 40-digit mpmath values; relative tolerance a few ulps (1e-14), which also checks that the
  // tails are computed without cancellation (a naive x(1 + erf(x/√2))/2 returns 0 at x = −10).
  CHECK(relative_error(activation::gelu().value(-10.0), -7.619853024160526066e-23, 0) < 1e-14);
  CHECK(relative_error(activation::gelu().value(-3.0), -0.00404969409489028358, 0) < 1e-14);
  CHECK(relative_error(activation::gelu().derivative(-8.0), -3.9796072610867959891e-14, 0) <
        1e-13);
  CHECK(relative_error(activation::softplus().value(-50.0), 1.928749847963917783e-22, 0) < 1e-14);
  CHECK(relative_error(activation::softplus().value(40.0), 40.000000000000000004, 0) < 1e-15);
  CHECK(relative_error(activation::sigmoid().value(-40.0), 4.2483542552915889773e-18, 0) < 1e-14);
  CHECK(relative_error(activation::silu().value(1.0), 0.73105857863000487925, 0) < 1e-15);
  CHECK(relative_error(activation::silu().second_derivative(-30.0), -2.6201344312742331341e-12,
                       0) < 1e-13);
  CHECK(relative_error(activation::erf().value(0.5), 0.52049987781304653768, 0) < 1e-15);
  CHECK(relative_error(activation::tanh().value(0.7), 0.60436777711716346812, 0) < 1e-15);
  // No overflow far out: sigmoid(±800), softplus(800).
  CHECK(activation::sigmoid().value(-800.0) == 0.0);
  CHECK(activation::sigmoid().value(800.0) == 1.0);
  CHECK(activation::softplus().value(800.0) == 800.0);
  CHECK(std::isfinite(activation::silu().derivative(-800.0)));
}

TEST_CASE("activation: kink conventions", "[activation]") {
  CHECK(activation::relu().derivative(0.0) == 0.0);
  CHECK(activation::relu().value(-2.0) == 0.0);
  CHECK(activation::leaky_relu(0.1).derivative(0.0) == 0.1);
  CHECK(activation::leaky_relu(0.1).value(-2.0) == -0.2);
  CHECK(activation::softsign().second_derivative(0.0) == 0.0);
  CHECK(activation::softsign().derivative(0.0) == 1.0);
}

TEST_CASE("activation: softsign closed forms (COURSE.md H4)", "[activation][H4]") {
  // g(x) = x/(1+|x|), g′ = 1/(1+|x|)², g″ = −2 sign(x)/(1+|x|)³, written out independently here.
  const activation g = activation::softsign();
  for (long double x : grid()) {
    const long double d = 1 + std::abs(x);
    CHECK(relative_error(g.value(x), x / d) < 1e-18);
    CHECK(relative_error(g.derivative(x), 1 / (d * d)) < 1e-18);
    CHECK(relative_error(g.second_derivative(x), -2 * (x > 0 ? 1 : -1) / (d * d * d)) < 1e-18);
  }
  // Bounded in (−1, 1), odd, increasing; g″ changes sign at 0 (concave for x > 0).
  CHECK(std::abs(g.value(1e6)) < 1.0);
  CHECK(g.value(-2.5) == -g.value(2.5));
  CHECK(g.second_derivative(0.5) < 0);
  CHECK(g.second_derivative(-0.5) > 0);
}

TEST_CASE("activation: array versions equal the scalar versions", "[activation]") {
  Eigen::ArrayXXd x(3, 41);
  for (int j = 0; j < 41; ++j)
    for (int i = 0; i < 3; ++i) x(i, j) = -5.0 + 0.25 * j + 0.01 * i + 0.003;
  for (const activation& a : all_activations()) {
    INFO(a.name());
    const Eigen::ArrayXXd v = a.value(x), d1 = a.derivative(x), d2 = a.second_derivative(x);
    Eigen::ArrayXXd into(3, 41);
    a.derivative_into(x, into);
    for (int j = 0; j < 41; ++j) {
      for (int i = 0; i < 3; ++i) {
        // Vectorised paths (Eigen's logistic, exp, log1p) may differ from the scalar formulas by
        // a few ulps of the O(1) terms they combine (silu″ = s(1−s)(2 + x(1−2s)) cancels near
        // its zeros): 4e-15 relative to max(|f|, 1). Tail accuracy is checked separately.
        CHECK(relative_error(v(i, j), a.value(x(i, j))) < 4e-15);
        CHECK(relative_error(d1(i, j), a.derivative(x(i, j))) < 4e-15);
        CHECK(relative_error(d2(i, j), a.second_derivative(x(i, j))) < 4e-15);
        CHECK(into(i, j) == d1(i, j));
      }
    }
  }
}

TEST_CASE("activation: vectorised paths keep tail accuracy", "[activation]") {
  Eigen::ArrayXd x(4);
  x << -50.0, -40.0, 40.0, 700.0;
  const Eigen::ArrayXd sp = activation::softplus().value(x);
  CHECK(relative_error(sp(0), 1.928749847963917783e-22, 0) < 1e-14);
  CHECK(sp(3) == 700.0);
  const Eigen::ArrayXd sg = activation::sigmoid().value(x);
  CHECK(relative_error(sg(1), 4.2483542552915889773e-18, 0) < 1e-14);
  CHECK(sg(3) == 1.0);
  CHECK(activation::silu().derivative(x).allFinite());
}

TEST_CASE("activation: float and long double instantiate and agree with double", "[activation]") {
  for (const activation& a : all_activations()) {
    INFO(a.name());
    for (float x : {-3.3f, -0.7f, 0.4f, 2.9f}) {
      // float rounding: a few ulps of 1.2e-7 relative to max(|f|, 1).
      CHECK(relative_error(a.value(x), a.value(double(x))) < 1e-6);
      CHECK(relative_error(a.derivative(x), a.derivative(double(x))) < 1e-6);
      CHECK(relative_error(a.second_derivative(x), a.second_derivative(double(x))) < 1e-6);
      CHECK(relative_error(a.value(static_cast<long double>(x)), a.value(double(x))) < 1e-15);
    }
    // float arrays take vectorised paths (Eigen's float tanh and logistic): within a few float
    // ulps of the double formulas, 1e-6 relative to max(|f|, 1).
    const Eigen::ArrayXf xf = Eigen::ArrayXf::LinSpaced(81, -8.05f, 7.95f);
    const Eigen::ArrayXf vf = a.value(xf), d1f = a.derivative(xf), d2f = a.second_derivative(xf);
    Eigen::ArrayXf from_value(81), second_from_value(81);
    a.derivative_from_value_into(xf, vf, from_value);
    a.second_derivative_from_value_into(xf, vf, second_from_value);
    for (int i = 0; i < 81; ++i) {
      const double x = double(xf(i));
      CHECK(relative_error(vf(i), a.value(x)) < 1e-6);
      CHECK(relative_error(d1f(i), a.derivative(x)) < 1e-6);
      CHECK(relative_error(d2f(i), a.second_derivative(x)) < 1e-6);
      CHECK(relative_error(from_value(i), a.derivative(x)) < 1e-6);
      CHECK(relative_error(second_from_value(i), a.second_derivative(x)) < 1e-6);
    }
  }
}

TEST_CASE("activation: names round-trip and bad names are rejected", "[activation]") {
  for (const activation& a : all_activations()) CHECK(activation::from_name(a.name()) == a);
  CHECK(activation::from_name("leaky_relu(0.25)").leaky_slope() == 0.25);
  CHECK(activation::from_name("gelu").kind() == nnt::activation_kind::gelu);
  NNT_CHECK_INVALID(activation::from_name("swish"),
                    "name: expected one of identity, relu, leaky_relu, leaky_relu(a), tanh, "
                    "sigmoid, softplus, erf, gelu, silu, softsign, got \"swish\"");
  CHECK_THROWS_AS(activation::from_name("leaky_relu(abc)"), nnt::invalid_argument);
  NNT_CHECK_INVALID(activation::leaky_relu(std::nan("")),
                    "leaky_slope: expected a finite value, got nan");
}
