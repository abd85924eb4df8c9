#include <nnt/core/quadrature.hpp>
#include <nnt/kernels/criticality.hpp>

#include <cmath>
#include <utility>
#include <numbers>

#include "support/testing.hpp"

using nnt_test::relative_error;

TEST_CASE("Gaussian moments: erf closed forms and Stein's identity for σσ″", "[kernels][criticality]") {
  const double pi = std::numbers::pi;
  for (double K : {0.01, 0.5, 2.0}) {
    const auto m = nnt::gaussian_moments(nnt::activation::erf(), K);
    // E erf² = (2/π) asin(2K/(1 + 2K)), E erf′² = (4/π)/√(1 + 4K) (Williams 1997); the 256-point
    // rule is exact to rounding for these entire integrands at K ≤ 2 (quadrature.hpp)
    CHECK(relative_error(m.sigma2, 2 / pi * std::asin(2 * K / (1 + 2 * K))) < 1e-13);
    CHECK(relative_error(m.dsigma2, 4 / pi / std::sqrt(1 + 4 * K)) < 1e-13);
  }
  // Stein: E[σσ″] + E[σ′²] = E[u σ σ′]/K, an independent 1-D quadrature of a different integrand.
  const auto rule = nnt::gauss_hermite<double>(256);
  for (auto sigma : {nnt::activation::tanh(), nnt::activation::gelu(), nnt::activation::silu(),
                     nnt::activation::softplus()}) {
    INFO(sigma.name());
    for (double K : {0.3, 1.5}) {
      const auto m = nnt::gaussian_moments(sigma, K);
      const double stein = nnt::gaussian_expectation(
          rule, [&](double u) { return u * sigma.value(u) * sigma.derivative(u); }, K) / K;
      CHECK(relative_error(m.sigma_d2sigma + m.dsigma2, stein, 1e-3) < 1e-11);
    }
  }
}

TEST_CASE("fixed points: ReLU at C_w = 2 keeps any K, tanh above C_w = 1 has K* > 0", "[kernels][criticality]") {
  const auto relu = nnt::fixed_point(nnt::activation::relu(), 2.0, 0.0, 3.7);
  CHECK(relu.status == nnt::status::ok);
  CHECK(relu.K_star == 3.7);
  CHECK(relu.chi_parallel == 1.0);
  CHECK(relu.chi_perpendicular == 1.0);

  const auto t = nnt::fixed_point(nnt::activation::tanh(), 1.5, 0.0);
  REQUIRE(t.status == nnt::status::ok);
  CHECK(t.K_star > 0.1);
  // the fixed-point equation itself, with an independent quadrature
  const auto rule = nnt::gauss_hermite<double>(200);
  const double Es2 = nnt::gaussian_expectation(rule, [](double u) { return std::tanh(u) * std::tanh(u); }, t.K_star);
  CHECK(std::abs(1.5 * Es2 - t.K_star) < 1e-12);
  CHECK(t.chi_parallel < 1);  // attracting

  const auto below = nnt::fixed_point(nnt::activation::tanh(), 0.8, 0.0);  // → 0 exponentially
  CHECK(below.status == nnt::status::ok);
  CHECK(below.K_star < 1e-10);

  const auto blow = nnt::fixed_point(nnt::activation::relu(), 2.5, 0.0, 1.0, 1e-13, 100000);
  CHECK(blow.status == nnt::status::diverged);
}

TEST_CASE("critical points: tanh and erf at K* = 0, GELU one at C_w ≈ 1.98, softplus none", "[kernels][criticality]") {
  const auto tanh = nnt::critical_points(nnt::activation::tanh());
  REQUIRE(tanh.size() == 1);
  CHECK(tanh[0].K_star == 0.0);
  CHECK(tanh[0].C_w == 1.0);
  CHECK(tanh[0].stable);

  const auto erf = nnt::critical_points(nnt::activation::erf());
  REQUIRE(erf.size() == 1);
  CHECK(relative_error(erf[0].C_w, std::numbers::pi / 4) < 1e-15);
  CHECK(erf[0].stable);

  CHECK(nnt::critical_points(nnt::activation::softplus()).empty());

  // K* from tests/reference/criticality_reference.py (mpmath quad + findroot, 30 digits)
  const std::pair<nnt::activation, double> cases[] = {{nnt::activation::gelu(), 3.5615528128088302749},
                                                      {nnt::activation::silu(), 14.320173618025798817}};
  for (const auto& [sigma, K_ref] : cases) {
    INFO(sigma.name());
    int nontrivial = 0;
    for (const auto& p : nnt::critical_points(sigma)) {
      if (p.K_star == 0) {
        CHECK_FALSE(p.stable);  // K* = 0 with C_w = 4 repels: K′ − K ≈ +aK²
        continue;
      }
      ++nontrivial;
      // bisection to machine precision on a quadrature accurate to ~1e-14: K* to ~1e-10
      CHECK(relative_error(p.K_star, K_ref) < 1e-9);
      CHECK(std::abs(p.C_w - 1.98) < 0.01);
      CHECK(p.C_b >= 0);
      CHECK(p.residual < 1e-10);
    }
    CHECK(nontrivial == 1);
  }
}

TEST_CASE("depth profile: deep linear nets scale by C_w per layer", "[kernels][criticality]") {
  nnt::kernel_entry<double> first{2.0, 3.0, 1.0, 3.0, 1.0, 2.0, 3.0, 1.0};
  const auto profile = nnt::kernel_depth_profile(nnt::activation::identity(), 1.3, 0.0, first, 6);
  REQUIRE(profile.size() == 6);
  for (std::size_t l = 0; l < profile.size(); ++l) {
    CHECK(relative_error(profile[l].k11, 2.0 * std::pow(1.3, double(l))) < 1e-14);
    CHECK(relative_error(profile[l].k12, 1.0 * std::pow(1.3, double(l))) < 1e-14);
  }
  CHECK(nnt::correlation_length(std::exp(-0.5)) == 2.0);
  CHECK(std::isinf(nnt::correlation_length(1.0)));
  NNT_CHECK_INVALID(nnt::fixed_point(nnt::activation::tanh(), -1.0, 0.0), "C_w: expected a positive value, got -1");
  NNT_CHECK_INVALID(nnt::kernel_depth_profile(nnt::activation::tanh(), 1.0, 0.0, first, 0),
                    "depth: expected at least 1, got 0");
}
