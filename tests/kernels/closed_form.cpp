#include <nnt/core/quadrature.hpp>
#include <nnt/core/random.hpp>
#include <nnt/kernels/closed_form.hpp>

#include <array>

#include "support/testing.hpp"

using nnt_test::relative_error;

namespace {

struct reference_case {
  std::array<double, 3> x, y;
  double relu_ss12, relu_dist, relu_dd12, erf_ss12, erf_dist, erf_dd12;
};

// From tests/reference/closed_form_reference.py (mpmath, 50 digits, naive formulas).
const reference_case references[] = {
    {{1.0, 0.5, -0.3}, {0.2, -1.1, 0.7}, 0.039852401561687928855, 0.43362853020995749746, 0.19023653836081325576, -0.11820470440049608801, 0.91013584844192690734, 0.64061832079231189754},
    {{1.0, 0.5, -0.3}, {1.00000003, 0.49999998, -0.29999991}, 0.22333333216666667265, 1.5666666395552009379e-15, 0.4999999866959066156, 0.31281350545541711815, 2.3839089351446107084e-15, 0.76272434389840800346},
    {{0.4, -2.0, 1.5}, {0.40003, -2.00002, 1.50009}, 1.0683645000000017561, 1.5666632059912571944e-9, 0.49999605196575136568, 0.60146894956430736722, 6.2030575927147599552e-10, 0.41207718256826542905},
    {{1.0, 0.5, -0.3}, {-1.0, -0.5, 0.3}, 0.0, 0.44666666666666666445, 0.0, -0.31281350639539485996, 1.2512540255815794398, 0.76272434262112005979},
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
bool close(double a, double b, double tol, double floor = 1e-300) { return std::abs(a - b) <= tol * std::abs(b) + floor; }

}  // namespace

TEST_CASE("closed forms: ReLU and erf match 50-digit references, near-duplicates included",
          "[closed_form]") {
  // 1e-11 relative (issue target); angles and distances come from dist, so near-duplicate inputs
  // keep full precision. The floor 1e-16 covers exact zeros (anti-aligned ReLU).
  for (const auto& c : references) {
    const auto p = pair_of(c.x, c.y);
    INFO("x' = " << c.y[0] << ", " << c.y[1] << ", " << c.y[2]);
    const auto r = nnt::relu_moments(p);
    CHECK(close(r.ss12, c.relu_ss12, 1e-11, 1e-16));
    CHECK(close(r.dist, c.relu_dist, 1e-11, 1e-16));
    CHECK(close(r.dd12, c.relu_dd12, 1e-11, 1e-16));
    const auto e = nnt::erf_moments(p);
    CHECK(close(e.ss12, c.erf_ss12, 1e-11));
    CHECK(close(e.dist, c.erf_dist, 1e-11));
    CHECK(close(e.dd12, c.erf_dd12, 1e-11));
  }
  // The naive distance E σ(u)² + E σ(v)² − 2E σσ loses everything at 1e-7 perturbations.
  const auto p = pair_of(references[1].x, references[1].y);
  const auto r = nnt::relu_moments(p);
  CHECK(relative_error(r.ss11 + r.ss22 - 2 * r.ss12, references[1].relu_dist, 0) > 1e-3);
}

TEST_CASE("closed forms: erf equals Gauss–Hermite quadrature to 1e-12", "[closed_form]") {
  const auto rule = nnt::gauss_hermite(128);  // variances ≤ 2 need order ≥ 128 (quadrature.hpp)
  const auto erf = [](double x) { return std::erf(x); };
  const auto derf = [](double x) { return 2 / std::sqrt(std::numbers::pi) * std::exp(-x * x); };
  for (const auto& k : {std::array<double, 3>{1.0, 0.4, 0.7}, {2.0, -1.2, 1.5}, {0.3, 0.3, 0.3}}) {
    const auto p = nnt::make_gaussian_pair(k[0], k[2], k[1]);
    const auto m = nnt::erf_moments(p);
    CHECK(std::abs(m.ss12 - nnt::gaussian_product_expectation(rule, erf, erf, k[0], k[1], k[2])) < 1e-12);
    CHECK(std::abs(m.dd12 - nnt::gaussian_product_expectation(rule, derf, derf, k[0], k[1], k[2])) < 1e-12);
    const double dist = nnt::gaussian_expectation_2d(rule, [](double u, double v) { return (std::erf(u) - std::erf(v)) * (std::erf(u) - std::erf(v)); }, k[0], k[1], k[2]);
    CHECK(std::abs(m.dist - dist) < 1e-12);
  }
}

TEST_CASE("closed forms: ReLU and leaky ReLU equal Monte Carlo within 4 standard errors",
          "[closed_form]") {
  // 10⁶ samples of (u, v) by the Cholesky factor; each estimate is checked against its own
  // sample standard error.
  const double k11 = 1.3, k12 = 0.4, k22 = 0.8;
  const auto p = nnt::make_gaussian_pair(k11, k22, k12);
  const auto f = nnt::bivariate_cholesky(k11, k12, k22);
  nnt::random_generator rng(123);
  const int n = 1000000;
  for (double alpha : {0.0, 0.2}) {
    const auto m = alpha == 0 ? nnt::relu_moments(p) : nnt::leaky_relu_moments(p, alpha);
    auto sigma = [alpha](double x) { return x > 0 ? x : alpha * x; };
    auto dsigma = [alpha](double x) { return x > 0 ? 1.0 : alpha; };
    double s1 = 0, s2 = 0, d1 = 0, d2 = 0, q1 = 0, q2 = 0;
    for (int i = 0; i < n; ++i) {
      const double z1 = rng.normal(), z2 = rng.normal();
      const double u = f.a * z1, v = f.b * z1 + f.c * z2;
      const double a = sigma(u) * sigma(v), b = dsigma(u) * dsigma(v), c = (sigma(u) - sigma(v)) * (sigma(u) - sigma(v));
      s1 += a; s2 += a * a; d1 += b; d2 += b * b; q1 += c; q2 += c * c;
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

TEST_CASE("closed forms: consistency, special slopes and degenerate inputs", "[closed_form]") {
  const auto p = pair_of(references[0].x, references[0].y);
  for (const auto& m : {nnt::relu_moments(p), nnt::erf_moments(p), nnt::leaky_relu_moments(p, 0.3), nnt::identity_moments(p)}) {
    CHECK(std::abs(m.dist - (m.ss11 + m.ss22 - 2 * m.ss12)) < 1e-14);
    CHECK(std::abs(m.diff - (m.ss22 - m.ss11)) < 1e-14);
  }
  // α = 0 is ReLU, α = 1 is the identity.
  const auto l0 = nnt::leaky_relu_moments(p, 0.0), r = nnt::relu_moments(p);
  CHECK(l0.ss12 == r.ss12);
  CHECK(l0.dd12 == r.dd12);
  const auto l1 = nnt::leaky_relu_moments(p, 1.0);
  CHECK(l1.ss12 == Approx(p.k12).epsilon(1e-15));
  CHECK(l1.dd12 == 1.0);
  // A zero input: finite values, σ(0) = 0.
  const nnt::gaussian_pair<double> zero{0.0, 1.5, 0.0, 1.5, 1.5};
  for (const auto& m : {nnt::relu_moments(zero), nnt::erf_moments(zero), nnt::leaky_relu_moments(zero, 0.1)}) {
    CHECK(std::isfinite(m.ss12));
    CHECK(std::isfinite(m.dd12));
    CHECK(std::isfinite(m.dist));
    CHECK(m.ss12 == 0.0);
  }
  CHECK(nnt::relu_moments(zero).dist == 0.75);
  // Identical inputs: dist = 0 in and out, θ = 0.
  const auto same = nnt::relu_moments(nnt::gaussian_pair<double>{2.0, 2.0, 2.0, 0.0, 0.0});
  CHECK(same.dist == 0.0);
  CHECK(same.ss12 == Approx(1.0).epsilon(1e-15));
  CHECK(same.dd12 == 0.5);
  // float instantiation.
  const auto pf = nnt::make_gaussian_pair(1.0f, 0.5f, 0.3f);
  CHECK(nnt::relu_moments(pf).ss12 == Approx(nnt::relu_moments(nnt::make_gaussian_pair(1.0, 0.5, 0.3)).ss12).epsilon(1e-6));
}

TEST_CASE("closed forms: bad input throws clear messages", "[closed_form]") {
  NNT_CHECK_INVALID(nnt::relu_moments(nnt::gaussian_pair<double>{-1.0, 1.0, 0.0, 0.0, 2.0}), "k11: expected a non-negative value, got -1");
  NNT_CHECK_INVALID(nnt::erf_moments(nnt::gaussian_pair<double>{1.0, 1.0, 2.0, 0.0, 0.0}),
                    "k12: expected k12² ≤ k11·k22 (a positive semi-definite covariance), got 2 with k11 = 1, k22 = 1");
  NNT_CHECK_INVALID(nnt::identity_moments(nnt::gaussian_pair<double>{1.0, std::nan(""), 0.0, 0.0, 0.0}), "k22: expected a finite value, got nan");
  NNT_CHECK_INVALID(nnt::leaky_relu_moments(nnt::gaussian_pair<double>{1.0, 1.0, 0.5, 1.0, 0.0}, std::numeric_limits<double>::infinity()),
                    "alpha: expected a finite value, got inf");
}
