#include <nnt/core/activation.hpp>
#include <nnt/core/quadrature.hpp>

#include <cmath>
#include <limits>
#include <numbers>

#include "support/testing.hpp"

using nnt_test::relative_error;

namespace {
double double_factorial(int n) {  // n!! for odd n ≥ −1
  double r = 1;
  for (int k = n; k > 1; k -= 2) r *= k;
  return r;
}
double relu(double x) { return x > 0 ? x : 0; }
// Arc-cosine kernel of order 1 (Cho & Saul 2009): E[relu(u)relu(v)].
double relu_expectation(double q11, double q12, double q22) {
  const double norm = std::sqrt(q11 * q22);
  const double theta = std::acos(q12 / norm);
  return norm / (2 * std::numbers::pi) *
         (std::sin(theta) + (std::numbers::pi - theta) * std::cos(theta));
}
}  // namespace

TEST_CASE("quadrature: low orders equal the textbook rules", "[quadrature]") {
  // Order 2: ±1 with weights 1/2. Order 3: 0, ±√3 with weights 2/3, 1/6.
  const auto r2 = nnt::gauss_hermite(2);
  CHECK(r2.nodes(0) == Approx(-1.0).epsilon(1e-15));
  CHECK(r2.nodes(1) == Approx(1.0).epsilon(1e-15));
  CHECK(r2.weights(0) == Approx(0.5).epsilon(1e-15));
  const auto r3 = nnt::gauss_hermite(3);
  CHECK(r3.nodes(1) == 0.0);
  CHECK(r3.nodes(2) == Approx(std::sqrt(3.0)).epsilon(1e-15));
  CHECK(r3.weights(1) == Approx(2.0 / 3).epsilon(1e-15));
  CHECK(r3.weights(0) == Approx(1.0 / 6).epsilon(1e-15));
  const auto r1 = nnt::gauss_hermite(1);
  CHECK(r1.nodes(0) == 0.0);
  CHECK(r1.weights(0) == 1.0);
}

TEST_CASE("quadrature: Gaussian moments are exact to 1e-12 up to degree 20", "[quadrature]") {
  // E[u^{2k}] = (2k−1)!! q^k; order n integrates degree ≤ 2n − 1 exactly, so only rounding
  // remains (≈ n·eps times the largest term).
  for (int order : {16, 24, 40, 100}) {
    const auto rule = nnt::gauss_hermite(order);
    for (double q : {0.3, 1.0, 2.7}) {
      for (int k = 0; 2 * k <= 20; ++k) {
        INFO("order " << order << ", q " << q << ", 2k " << 2 * k);
        const double exact = double_factorial(2 * k - 1) * std::pow(q, k);
        const double got = nnt::gaussian_expectation(
            rule, [k](double u) { return std::pow(u, 2 * k); }, q);
        CHECK(relative_error(got, exact, 0) < 1e-12);
        // Odd moments vanish by the imposed symmetry.
        const double odd = nnt::gaussian_expectation(
            rule, [k](double u) { return std::pow(u, 2 * k + 1); }, q);
        CHECK(std::abs(odd) < 1e-12 * exact * std::sqrt(q) * (2 * k + 1));
      }
    }
  }
}

TEST_CASE("quadrature: large orders stay accurate (weights via the Christoffel function)",
          "[quadrature]") {
  for (int order : {200, 600}) {
    const auto rule = nnt::gauss_hermite(order);
    CHECK(rule.weights.minCoeff() >= 0.0);
    CHECK(std::abs(rule.weights.sum() - 1) < 1e-14);
    // E[u^8] = 105 and E[cos(u)] = e^{−1/2} (analytic: converges geometrically).
    CHECK(relative_error(nnt::gaussian_expectation(
                             rule, [](double u) { return std::pow(u, 8); }, 1.0),
                         105.0, 0) < 1e-12);
    CHECK(relative_error(nnt::gaussian_expectation(
                             rule, [](double u) { return std::cos(u); }, 1.0),
                         std::exp(-0.5), 0) < 1e-13);
    for (nnt::Index i = 1; i < rule.order(); ++i) CHECK(rule.nodes(i) > rule.nodes(i - 1));
  }
}

TEST_CASE("quadrature: float rules of high order stay finite", "[quadrature]") {
  // p_n(z) at the outer node of order 256 is ~1e64 > FLT_MAX: without float-sized rescaling the
  // Newton steps turn into inf/inf. Weights sum to 1 and E z² = 1 to float rounding over 256 terms.
  const auto rule = nnt::gauss_hermite<float>(256);
  REQUIRE(rule.nodes.allFinite());
  REQUIRE(rule.weights.allFinite());
  CHECK(std::abs(rule.weights.sum() - 1.0f) < 256 * std::numeric_limits<float>::epsilon());
  CHECK(std::abs(rule.weights.dot(rule.nodes.cwiseAbs2()) - 1.0f) < 1e-4f);
  const auto reference = nnt::gauss_hermite<double>(256);
  CHECK((rule.nodes.cast<double>() - reference.nodes).cwiseAbs().maxCoeff() <
        1e-5 * reference.nodes.cwiseAbs().maxCoeff());
}

TEST_CASE("quadrature: long double rules reach long-double accuracy", "[quadrature]") {
  const auto rule = nnt::gauss_hermite<long double>(20);
  // E[u^10] = 945 exactly (degree 10 ≤ 39); eps_ld ≈ 1.1e-19.
  const long double m = nnt::gaussian_expectation(
      rule, [](long double u) { return std::pow(u, 10); }, 1.0L);
  CHECK(std::abs(m - 945.0L) / 945.0L < 1e-16L);
}

TEST_CASE("quadrature: E[erf(u)erf(v)] matches the arcsin formula to 1e-12", "[quadrature]") {
  // E[erf(u)erf(v)] = (2/π) arcsin(2q12 / √((1 + 2q11)(1 + 2q22))) (Williams 1997).
  // Convergence is geometric but its rate falls as the variances grow (erf(√q z) varies on the
  // scale 1/√q): measured errors at order 64 are ≤ 1e-13 for q ≤ 1 but 1e-9 for q = 2, which
  // needs order 128, and q = 4 needs order 200 (see quadrature.hpp).
  const auto erf = [](double x) { return std::erf(x); };
  struct case_t {
    double q11, q12, q22;
    int order;
  };
  const case_t cases[] = {{1.0, 0.5, 1.0, 64}, {0.3, -0.2, 0.9, 64}, {1.0, 1.0, 1.0, 64},
                          {0.5, 0.0, 0.7, 64}, {2.0, 1.9, 2.0, 128}, {1.5, 1.5, 1.5, 128},
                          {4.0, 4.0, 4.0, 200}};
  for (const auto& c : cases) {
    const auto rule = nnt::gauss_hermite(c.order);
    const double exact =
        2 / std::numbers::pi * std::asin(2 * c.q12 / std::sqrt((1 + 2 * c.q11) * (1 + 2 * c.q22)));
    const double product = nnt::gaussian_product_expectation(rule, erf, erf, c.q11, c.q12, c.q22);
    const double general = nnt::gaussian_expectation_2d(
        rule, [](double u, double v) { return std::erf(u) * std::erf(v); }, c.q11, c.q12, c.q22);
    INFO("q = " << c.q11 << ", " << c.q12 << ", " << c.q22 << ", order " << c.order);
    CHECK(std::abs(product - exact) < 1e-12);
    CHECK(std::abs(general - exact) < 1e-12);
  }
  // The slowdown is real: order 64 misses 1e-12 at q = 2 by orders of magnitude.
  const double exact2 = 2 / std::numbers::pi * std::asin(2 * 1.9 / 5.0);
  CHECK(
      std::abs(nnt::gaussian_product_expectation(nnt::gauss_hermite(64), erf, erf, 2.0, 1.9, 2.0) -
               exact2) > 1e-11);
}

TEST_CASE("quadrature: kinked integrands converge only algebraically (ReLU)", "[quadrature]") {
  // Measured relative error of E[relu(u)relu(v)] at correlation 0.5 against the arc-cosine closed
  // form; documented in quadrature.hpp: 1.3e-2, 2.8e-3, 7.2e-4 at n = 16, 64, 256, i.e. ∝ 1/n.
  const double exact = relu_expectation(1.0, 0.5, 1.0);
  const auto relu_f = [](double x) { return relu(x); };
  std::vector<double> errors;
  const int orders[] = {16, 64, 256};
  for (int n : orders) {
    const double got =
        nnt::gaussian_product_expectation(nnt::gauss_hermite(n), relu_f, relu_f, 1.0, 0.5, 1.0);
    errors.push_back(relative_error(got, exact, 0));
  }
  const double slope = std::log(errors[2] / errors[0]) / std::log(256.0 / 16.0);
  INFO("errors " << errors[0] << " " << errors[1] << " " << errors[2] << ", slope " << slope);
  CHECK(errors[0] > 1e-3);  // far from machine precision: the rule does not resolve the kink
  CHECK(errors[2] > 1e-4);
  CHECK(errors[2] < errors[1]);
  CHECK(errors[1] < errors[0]);
  CHECK(slope < -0.8);  // first order: slope −1 ± 0.2
  CHECK(slope > -1.2);
}

TEST_CASE("quadrature: degenerate covariances", "[quadrature]") {
  const auto rule = nnt::gauss_hermite(20);
  const auto sq = [](double x) { return x * x; };
  // u ≡ 0: E[u² v²] = 0; perfectly correlated u = v: E[u²v²] = E[u⁴] = 3q².
  CHECK(nnt::gaussian_product_expectation(rule, sq, sq, 0.0, 0.0, 2.0) == 0.0);
  CHECK(relative_error(nnt::gaussian_product_expectation(rule, sq, sq, 2.0, 2.0, 2.0), 12.0, 0) <
        1e-13);
  // q12² exceeding q11·q22 by rounding is accepted.
  const double q = 0.1 + 0.2;
  CHECK_NOTHROW(nnt::gaussian_product_expectation(rule, sq, sq, q, q * (1 + 1e-16), q));
  CHECK(nnt::gaussian_expectation(rule, sq, 0.0) == 0.0);
}

TEST_CASE("quadrature: bad input throws with a clear message", "[quadrature]") {
  const auto rule = nnt::gauss_hermite(8);
  const auto f = [](double x) { return x; };
  NNT_CHECK_INVALID(nnt::gauss_hermite(0), "order: expected a value in [1, 4096], got 0");
  NNT_CHECK_INVALID(nnt::gauss_hermite(nnt::Index(1) << 40),
                    "order: expected a value in [1, 4096], got 1099511627776");
  NNT_CHECK_INVALID(nnt::gauss_legendre(0), "order: expected a value in [1, 1024], got 0");
  NNT_CHECK_INVALID(nnt::gaussian_expectation_composite(f, -1.0),
                    "K: expected a non-negative value, got -1");
  NNT_CHECK_INVALID(nnt::gaussian_expectation_composite(f, std::numeric_limits<double>::infinity()),
                    "K: expected a finite value, got inf");
  NNT_CHECK_INVALID(nnt::gaussian_expectation(rule, f, -1.0),
                    "variance: expected a non-negative value, got -1");
  NNT_CHECK_INVALID(nnt::gaussian_expectation(rule, f, std::nan("")),
                    "variance: expected a finite value, got nan");
  NNT_CHECK_INVALID(nnt::gaussian_product_expectation(rule, f, f, 1.0, 2.0, 1.0),
                    "q12: expected q12² ≤ q11·q22 (a positive semi-definite covariance), got 2 "
                    "with q11 = 1, q22 = 1");
  NNT_CHECK_INVALID(nnt::gaussian_expectation_2d(
                        rule, [](double u, double v) { return u * v; }, -1.0, 0.0, 1.0),
                    "q11: expected a non-negative value, got -1");
}

TEST_CASE("quadrature: Gauss–Legendre rules integrate polynomials of degree 2n − 1 exactly",
          "[quadrature]") {
  // ∫_{−1}^{1} x^p dx = 2/(p + 1) for even p, 0 for odd: exact up to p = 19 for n = 10, to
  // rounding.
  const auto rule = nnt::gauss_legendre(10);
  CHECK(std::abs(rule.weights.sum() - 2.0) < 1e-14);
  for (int p = 0; p <= 19; ++p) {
    double sum = 0;
    for (nnt::Index i = 0; i < rule.order(); ++i)
      sum += rule.weights(i) * std::pow(rule.nodes(i), p);
    CHECK(std::abs(sum - (p % 2 == 0 ? 2.0 / (p + 1) : 0.0)) < 1e-14);
  }
}

TEST_CASE("quadrature: the composite rule reaches 1e-14 on Gaussian moments at every scale",
          "[quadrature]") {
  // E u² = K, E u⁴ = 3K², E e^{−u²/2} = 1/√(1 + K), E|u| = √(2K/π): polynomials, a bump at scale 1
  // and a kink at 0 (a panel boundary), for K from 1e-6 to 1e6 — integrands of the kind the rule is
  // built for (features near 0, smooth on the scale |u| far out; it cannot resolve cos u at K =
  // 1e6).
  for (double K : {1e-6, 1e-2, 0.7, 5.0, 300.0, 1e6}) {
    INFO("K = " << K);
    const Eigen::Array4d m = nnt::gaussian_expectation_composite(
        [](double u) {
          return Eigen::Array4d(u * u, u * u * u * u, std::exp(-u * u / 2), std::abs(u));
        },
        K);
    CHECK(relative_error(m(0), K, 0) < 1e-14);
    CHECK(relative_error(m(1), 3 * K * K, 0) < 1e-14);
    CHECK(relative_error(m(2), 1 / std::sqrt(1 + K), 0) < 1e-14);
    CHECK(relative_error(m(3), std::sqrt(2 * K / std::numbers::pi), 0) < 1e-14);
  }
  CHECK(nnt::gaussian_expectation_composite([](double u) { return u + 3; }, 0.0) ==
        3.0);  // K = 0: u = 0
}

TEST_CASE("quadrature: the composite rule's work is bounded for every variance", "[quadrature]") {
  // Panels are geometrically graded beyond |u| = 48, so even K = 1e300 takes ~3·10⁴ evaluations
  // (a uniform ½-wide grid over 9√K would need 10¹⁵¹) and tanh²'s mean is 1 − O(1/√K).
  long evaluations = 0;
  const double m = nnt::gaussian_expectation_composite(
      [&](double u) {
        ++evaluations;
        return std::tanh(u) * std::tanh(u);
      },
      1e300);
  CHECK(evaluations < 40000);
  CHECK(std::abs(m - 1.0) < 1e-12);
}

TEST_CASE("quadrature: cached rules are shared and equal to fresh ones", "[quadrature]") {
  const auto& a = nnt::cached_gauss_hermite<double>(64);
  const auto& b = nnt::cached_gauss_hermite<double>(64);
  CHECK(&a == &b);
  CHECK(a.nodes == nnt::gauss_hermite<double>(64).nodes);
}

TEST_CASE("quadrature: the pair factor from the carried distance is exact for near-duplicates",
          "[quadrature]") {
  // u = a z₁, v = b z₁ + c z₂ with θ = 1e-8: from the carried dist = 4k sin²(θ/2) the factor keeps
  // c = √k sin θ to rounding, while the Cholesky factor √(k − k12²/k) of k12 = k cos θ (cos θ
  // rounds to 1) loses it entirely — the reason pairs carry their distance.
  const double k = 1.7, theta = 1e-8;
  const nnt::gaussian_pair<double> p{k, k, k * std::cos(theta),
                                     4 * k * std::pow(std::sin(theta / 2), 2), 0.0};
  const auto f = nnt::bivariate_factor_of(p);
  CHECK(relative_error(f.a * f.a, k, 0) < 1e-15);
  CHECK(relative_error(f.b * f.b + f.c * f.c, k, 0) < 1e-15);
  CHECK(relative_error(f.c, std::sqrt(k) * std::sin(theta), 0) < 1e-14);
  CHECK(relative_error(nnt::bivariate_cholesky(k, p.k12, k).c, std::sqrt(k) * std::sin(theta), 0) >
        0.1);
}
