#include <nnt/core/activation.hpp>
#include <nnt/core/quadrature.hpp>
#include <nnt/core/random.hpp>

#include <unsupported/Eigen/AutoDiff>

#include <array>
#include <numbers>
#include <string>
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
      const long double fd2 = central_difference([&](long double t) { return a.derivative(t); }, x);
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
  CHECK(relative_error(activation::gelu().derivative(-8.0), -3.9796072610867959891e-14, 0) < 1e-13);
  CHECK(relative_error(activation::softplus().value(-50.0), 1.928749847963917783e-22, 0) < 1e-14);
  CHECK(relative_error(activation::softplus().value(40.0), 40.000000000000000004, 0) < 1e-15);
  CHECK(relative_error(activation::sigmoid().value(-40.0), 4.2483542552915889773e-18, 0) < 1e-14);
  CHECK(relative_error(activation::silu().value(1.0), 0.73105857863000487925, 0) < 1e-15);
  CHECK(relative_error(activation::silu().second_derivative(-30.0), -2.6201344312742331341e-12, 0) <
        1e-13);
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

namespace {

// The closed forms live in the activation structs (core/activation.hpp).
template <class S>
nnt::pair_moments<S> relu_moments(const nnt::gaussian_pair<S>& p) {
  return nnt::activations::relu{}.gaussian_pair_moments(p);
}
template <class S>
nnt::pair_moments<S> erf_moments(const nnt::gaussian_pair<S>& p) {
  return nnt::activations::erf_fn{}.gaussian_pair_moments(p);
}
template <class S>
nnt::pair_moments<S> identity_moments(const nnt::gaussian_pair<S>& p) {
  return nnt::activations::identity{}.gaussian_pair_moments(p);
}
template <class S>
nnt::pair_moments<S> leaky_relu_moments(const nnt::gaussian_pair<S>& p, double a) {
  return nnt::activations::leaky_relu{a}.gaussian_pair_moments(p);
}

struct reference_case {
  std::array<double, 3> x, y;
  double relu_ss12, relu_dist, relu_dd12, erf_ss12, erf_dist, erf_dd12;
};

// From tests/reference/closed_form_reference.py (mpmath, 50 digits, naive formulas).
const reference_case references[] = {
    {{1.0, 0.5, -0.3},
     {0.2, -1.1, 0.7},
     0.039852401561687928855,
     0.43362853020995749746,
     0.19023653836081325576,
     -0.11820470440049608801,
     0.91013584844192690734,
     0.64061832079231189754},
    {{1.0, 0.5, -0.3},
     {1.00000003, 0.49999998, -0.29999991},
     0.22333333216666667265,
     1.5666666395552009379e-15,
     0.4999999866959066156,
     0.31281350545541711815,
     2.3839089351446107084e-15,
     0.76272434389840800346},
    {{0.4, -2.0, 1.5},
     {0.40003, -2.00002, 1.50009},
     1.0683645000000017561,
     1.5666632059912571944e-9,
     0.49999605196575136568,
     0.60146894956430736722,
     6.2030575927147599552e-10,
     0.41207718256826542905},
    {{1.0, 0.5, -0.3},
     {-1.0, -0.5, 0.3},
     0.0,
     0.44666666666666666445,
     0.0,
     -0.31281350639539485996,
     1.2512540255815794398,
     0.76272434262112005979},
};

// k = xᵀx′/3, dist = ‖x − x′‖²/3 and diff = (x′ − x)·(x′ + x)/3 from the differences (exact
// for near-equal doubles).
nnt::gaussian_pair<double> pair_of(const std::array<double, 3>& x, const std::array<double, 3>& y) {
  nnt::gaussian_pair<double> p{0, 0, 0, 0, 0};
  for (int i = 0; i < 3; ++i) {
    p.k11 += x[i] * x[i] / 3;
    p.k22 += y[i] * y[i] / 3;
    p.k12 += x[i] * y[i] / 3;
    p.dist += (x[i] - y[i]) * (x[i] - y[i]) / 3;
    p.diff += (y[i] - x[i]) * (y[i] + x[i]) / 3;
  }
  return p;
}

// |a − b| ≤ tol·|b| + floor.
bool close(double a, double b, double tol, double floor = 1e-300) {
  return std::abs(a - b) <= tol * std::abs(b) + floor;
}

}  // namespace

TEST_CASE("activation moments: ReLU and erf match 50-digit references, near-duplicates included",
          "[activation][moments]") {
  // 1e-11 relative (issue target); angles and distances come from dist, so near-duplicate inputs
  // keep full precision. The floor 1e-16 covers exact zeros (anti-aligned ReLU).
  for (const auto& c : references) {
    const auto p = pair_of(c.x, c.y);
    INFO("x' = " << c.y[0] << ", " << c.y[1] << ", " << c.y[2]);
    const auto r = relu_moments(p);
    CHECK(close(r.ss12, c.relu_ss12, 1e-11, 1e-16));
    CHECK(close(r.dist, c.relu_dist, 1e-11, 1e-16));
    CHECK(close(r.dd12, c.relu_dd12, 1e-11, 1e-16));
    const auto e = erf_moments(p);
    CHECK(close(e.ss12, c.erf_ss12, 1e-11));
    CHECK(close(e.dist, c.erf_dist, 1e-11));
    CHECK(close(e.dd12, c.erf_dd12, 1e-11));
  }
  // The naive distance E σ(u)² + E σ(v)² − 2E σσ loses everything at 1e-7 perturbations.
  const auto p = pair_of(references[1].x, references[1].y);
  const auto r = relu_moments(p);
  CHECK(relative_error(r.ss11 + r.ss22 - 2 * r.ss12, references[1].relu_dist, 0) > 1e-3);
}

TEST_CASE("activation moments: erf equals Gauss–Hermite quadrature to 1e-12",
          "[activation][moments]") {
  const auto rule = nnt::gauss_hermite(128);  // variances ≤ 2 need order ≥ 128 (quadrature.hpp)
  const auto erf = [](double x) { return std::erf(x); };
  const auto derf = [](double x) { return 2 / std::sqrt(std::numbers::pi) * std::exp(-x * x); };
  for (const auto& k : {std::array<double, 3>{1.0, 0.4, 0.7}, {2.0, -1.2, 1.5}, {0.3, 0.3, 0.3}}) {
    const auto p = nnt::make_gaussian_pair(k[0], k[2], k[1]);
    const auto m = erf_moments(p);
    CHECK(std::abs(m.ss12 - nnt::gaussian_expectation_2d(
                                rule, [&](double u, double v) { return erf(u) * erf(v); }, k[0],
                                k[1], k[2])) < 1e-12);
    CHECK(std::abs(m.dd12 - nnt::gaussian_expectation_2d(
                                rule, [&](double u, double v) { return derf(u) * derf(v); }, k[0],
                                k[1], k[2])) < 1e-12);
    const double dist = nnt::gaussian_expectation_2d(
        rule,
        [](double u, double v) {
          return (std::erf(u) - std::erf(v)) * (std::erf(u) - std::erf(v));
        },
        k[0], k[1], k[2]);
    CHECK(std::abs(m.dist - dist) < 1e-12);
  }
}

TEST_CASE("activation moments: ReLU and leaky ReLU equal Monte Carlo within 4 standard errors",
          "[activation][moments]") {
  // 10⁶ samples of (u, v) by the Cholesky factor; each estimate is checked against its own
  // sample standard error.
  const double k11 = 1.3, k12 = 0.4, k22 = 0.8;
  const auto p = nnt::make_gaussian_pair(k11, k22, k12);
  const auto f = nnt::bivariate_cholesky(k11, k12, k22);
  nnt::random_generator rng(123);
  const int n = 1000000;
  for (double alpha : {0.0, 0.2}) {
    const auto m = alpha == 0 ? relu_moments(p) : leaky_relu_moments(p, alpha);
    auto sigma = [alpha](double x) { return x > 0 ? x : alpha * x; };
    auto dsigma = [alpha](double x) { return x > 0 ? 1.0 : alpha; };
    double s1 = 0, s2 = 0, d1 = 0, d2 = 0, q1 = 0, q2 = 0;
    for (int i = 0; i < n; ++i) {
      const double z1 = rng.normal(), z2 = rng.normal();
      const double u = f.a * z1, v = f.b * z1 + f.c * z2;
      const double a = sigma(u) * sigma(v), b = dsigma(u) * dsigma(v),
                   c = (sigma(u) - sigma(v)) * (sigma(u) - sigma(v));
      s1 += a;
      s2 += a * a;
      d1 += b;
      d2 += b * b;
      q1 += c;
      q2 += c * c;
    }
    auto check = [n](double sum, double sum_sq, double exact) {
      const double mean = sum / n, se = std::sqrt((sum_sq / n - mean * mean) / n);
      CHECK(std::abs(mean - exact) < 4 * se);
    };
    INFO("alpha = " << alpha);
    check(s1, s2, m.ss12);
    check(d1, d2, m.dd12);
    check(q1, q2, m.dist);
  }
}

TEST_CASE("activation moments: consistency, special slopes and degenerate inputs",
          "[activation][moments]") {
  const auto p = pair_of(references[0].x, references[0].y);
  for (const auto& m :
       {relu_moments(p), erf_moments(p), leaky_relu_moments(p, 0.3), identity_moments(p)}) {
    CHECK(std::abs(m.dist - (m.ss11 + m.ss22 - 2 * m.ss12)) < 1e-14);
    CHECK(std::abs(m.diff - (m.ss22 - m.ss11)) < 1e-14);
  }
  // α = 0 is ReLU, α = 1 is the identity.
  const auto l0 = leaky_relu_moments(p, 0.0), r = relu_moments(p);
  CHECK(l0.ss12 == r.ss12);
  CHECK(l0.dd12 == r.dd12);
  const auto l1 = leaky_relu_moments(p, 1.0);
  CHECK(l1.ss12 == Approx(p.k12).epsilon(1e-15));
  CHECK(l1.dd12 == 1.0);
  // A zero input: finite values, σ(0) = 0.
  const nnt::gaussian_pair<double> zero{0.0, 1.5, 0.0, 1.5, 1.5};
  for (const auto& m : {relu_moments(zero), erf_moments(zero), leaky_relu_moments(zero, 0.1)}) {
    CHECK(std::isfinite(m.ss12));
    CHECK(std::isfinite(m.dd12));
    CHECK(std::isfinite(m.dist));
    CHECK(m.ss12 == 0.0);
  }
  CHECK(relu_moments(zero).dist == 0.75);
  // Identical inputs: dist = 0 in and out, θ = 0.
  const auto same = relu_moments(nnt::gaussian_pair<double>{2.0, 2.0, 2.0, 0.0, 0.0});
  CHECK(same.dist == 0.0);
  CHECK(same.ss12 == Approx(1.0).epsilon(1e-15));
  CHECK(same.dd12 == 0.5);
  // float instantiation.
  const auto pf = nnt::make_gaussian_pair(1.0f, 0.5f, 0.3f);
  CHECK(relu_moments(pf).ss12 ==
        Approx(relu_moments(nnt::make_gaussian_pair(1.0, 0.5, 0.3)).ss12).epsilon(1e-6));
}

TEST_CASE("activation moments: bad input throws clear messages", "[activation][moments]") {
  NNT_CHECK_INVALID(relu_moments(nnt::gaussian_pair<double>{-1.0, 1.0, 0.0, 0.0, 2.0}),
                    "k11: expected a non-negative value, got -1");
  NNT_CHECK_INVALID(erf_moments(nnt::gaussian_pair<double>{1.0, 1.0, 2.0, 0.0, 0.0}),
                    "k12: expected k12² ≤ k11·k22 (a positive semi-definite covariance), got 2 "
                    "with k11 = 1, k22 = 1");
  NNT_CHECK_INVALID(identity_moments(nnt::gaussian_pair<double>{1.0, std::nan(""), 0.0, 0.0, 0.0}),
                    "k22: expected a finite value, got nan");
  NNT_CHECK_INVALID(leaky_relu_moments(nnt::gaussian_pair<double>{1.0, 1.0, 0.5, -1.0, 0.0}, 0.1),
                    "dist: expected a non-negative value, got -1");
}

TEST_CASE("activation moments: single-input closed forms equal the composite quadrature",
          "[activation][moments]") {
  // The closed forms (identity, ReLU, leaky ReLU, erf — erf's E σσ″ = −8K/(π(1 + 2K)√(1 + 4K)) was
  // derived for this struct) against core/quadrature.hpp's composite Gauss–Legendre engine, an
  // independent route: its error is ~1e-15 relative for these integrands
  // (tests/core/quadrature.cpp),
  // so 1e-13 relative to max(|value|, 1e-3) leaves room for rounding over ~10³ nodes.
  for (const activation& a : {activation::identity(), activation::relu(),
                              activation::leaky_relu(0.2), activation::erf()}) {
    INFO(a.name());
    for (double K : {1e-4, 0.3, 1.0, 2.7, 40.0, 1e4}) {
      INFO("K = " << K);
      const auto closed = a.visit([&](auto act) {
        if constexpr (nnt::activations::has_closed_form_single_moments<decltype(act)>)
          return act.gaussian_moments(K);
        else
          return nnt::single_input_moments<double>{};
      });
      const Eigen::Array3d q = nnt::gaussian_expectation_composite(
          [&](double x) {
            const double v = a.value(x);
            return Eigen::Array3d(v * v, a.derivative(x) * a.derivative(x),
                                  v * a.second_derivative(x));
          },
          K);
      CHECK(std::abs(closed.sigma2 - q(0)) <= 1e-13 * std::max(std::abs(q(0)), 1e-3));
      CHECK(std::abs(closed.dsigma2 - q(1)) <= 1e-13 * std::max(std::abs(q(1)), 1e-3));
      CHECK(std::abs(closed.sigma_d2sigma - q(2)) <= 1e-13 * std::max(std::abs(q(2)), 1e-3));
    }
  }
  // At K = 0 the input is 0: σ′(0) counts (leaky: a², ReLU: 0).
  CHECK(nnt::activations::leaky_relu{0.2}.gaussian_moments(0.0).dsigma2 ==
        Approx(0.04).epsilon(1e-15));
  CHECK(nnt::activations::relu{}.gaussian_moments(0.0).dsigma2 == 0.0);
}

TEST_CASE("activation: visit hands the concrete struct to generic code", "[activation]") {
  for (const activation& a : all_activations()) {
    const std::string name = a.visit([](auto act) { return std::string(decltype(act)::name); });
    CHECK(activation::from_name(name).kind() == a.kind());
    CHECK(nnt::visit([](auto act) { return act.value(0.75); }, a) == a.value(0.75));
  }
  CHECK(activation::leaky_relu(0.3).visit([](auto act) { return act.value(-1.0); }) == -0.3);
  CHECK(activation::relu().has_closed_form_moments());
  CHECK(activation::erf().has_closed_form_moments());
  CHECK(!activation::tanh().has_closed_form_moments());
}

TEST_CASE("activation: GELU's second derivative is 0, not NaN, where φ underflows",
          "[activation]") {
  // φ(x)(2 − x²) is 0·∞ in floating point once x² overflows (|x| > 1.3e154); the density is 0
  // there.
  const activation g = activation::gelu();
  CHECK(g.second_derivative(1e200) == 0.0);
  CHECK(g.second_derivative(-1e200) == 0.0);
  CHECK(g.second_derivative(1e30f) == 0.0f);
  CHECK(std::isnan(g.second_derivative(std::nan(""))));
  // Just inside the range the formula still runs: φ(38) = 1e-314 (subnormal), times −1442.
  CHECK(g.second_derivative(38.0) < 0.0);
}
