#include <nnt/core/random.hpp>
#include <nnt/kernels/moments.hpp>

#include <cmath>

#include "support/testing.hpp"

TEST_CASE("quadrature moments agree with high-order rules and with 10⁶-sample Monte Carlo", "[kernels][moments]") {
  const auto pair = nnt::make_gaussian_pair(1.3, 0.8, 0.5);
  const nnt::moment_quadrature<double> ladder;               // the default (order by variance)
  const nnt::moment_quadrature<double> reference(400);       // converged for these variances
  nnt::random_generator rng(17);
  const int samples = 1000000;
  for (auto sigma : {nnt::activation::tanh(), nnt::activation::gelu(), nnt::activation::softplus()}) {
    INFO(sigma.name());
    const auto m = nnt::activation_moments(sigma, pair, ladder);
    const auto r = nnt::activation_moments(sigma, pair, reference);
    // ladder order 128 at k = 1.3: tanh's poles limit it to ~1e-13 (moments.hpp)
    CHECK(std::abs(m.ss12 - r.ss12) < 1e-11);
    CHECK(std::abs(m.dd12 - r.dd12) < 1e-11);
    CHECK(std::abs(m.dist - r.dist) < 1e-11);
    // Monte Carlo with the Cholesky factor of the pair; 4 standard errors
    const double a = std::sqrt(pair.k11), b = pair.k12 / a, c = std::sqrt(pair.k22 - b * b);
    double s = 0, s2 = 0, d = 0, d2 = 0;
    for (int n = 0; n < samples; ++n) {
      const double z1 = rng.normal(), z2 = rng.normal();
      const double u = a * z1, v = b * z1 + c * z2;
      const double p = sigma.value(u) * sigma.value(v), q = sigma.derivative(u) * sigma.derivative(v);
      s += p;
      s2 += p * p;
      d += q;
      d2 += q * q;
    }
    const double ms = s / samples, md = d / samples;
    const double se_s = std::sqrt((s2 / samples - ms * ms) / samples), se_d = std::sqrt((d2 / samples - md * md) / samples);
    CHECK(std::abs(ms - r.ss12) < 4 * se_s);
    CHECK(std::abs(md - r.dd12) < 4 * se_d);
  }
}

TEST_CASE("the erf closed form and its quadrature agree (the quadrature path's accuracy)", "[kernels][moments]") {
  // erf has a closed form, so activation_moments never integrates it; integrate it here with the
  // same 2-D rule to measure the quadrature path on an entire function at several variances.
  const nnt::activation erf = nnt::activation::erf();
  for (double k : {0.3, 1.0, 2.5}) {
    const auto pair = nnt::make_gaussian_pair(k, 0.9 * k, 0.6 * k);
    const auto exact = nnt::erf_moments(pair);
    const auto rule = nnt::gauss_hermite<double>(k <= 1 ? 64 : 200);
    const double q = nnt::gaussian_product_expectation(
        rule, [&](double u) { return erf.value(u); }, [&](double v) { return erf.value(v); }, pair.k11, pair.k12, pair.k22);
    CHECK(std::abs(q - exact.ss12) < 1e-12);
  }
}
