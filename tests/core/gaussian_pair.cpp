#include <nnt/core/gaussian_pair.hpp>

#include <cmath>
#include <limits>
#include <numbers>

#include "support/testing.hpp"

using nnt_test::relative_error;

TEST_CASE("gaussian_pair: the angle comes from the carried distance, exact near the diagonal",
          "[gaussian_pair]") {
  // Two inputs of norm² 2 at angle θ: dist = 4·2·sin²(θ/2) exactly; the angle must come back to
  // full relative precision even at θ = 1e-9, where acos(k12/k) is off by ~1e-8/θ relative.
  // (Near θ = π, cos(θ/2) = √(1 − s²) keeps only an absolute accuracy ~ε/(π − θ): checked below.)
  for (double theta : {1e-9, 1e-4, 0.3, 2.0}) {
    const double k = 2.0;
    const nnt::gaussian_pair<double> p{k, k, k * std::cos(theta),
                                       4 * k * std::pow(std::sin(theta / 2), 2), 0.0};
    const auto g = nnt::angle_of(p);
    CHECK(relative_error(g.theta, theta, 0) < 1e-14);
    CHECK(relative_error(g.sin_theta, std::sin(theta), 0) < 1e-14);
    // θ − sin θ: the series for small θ (θ³/6 at 1e-9 would be 0 from the difference)
    const double exact = theta < 1e-3 ? theta * theta * theta / 6 * (1 - theta * theta / 20)
                                      : theta - std::sin(theta);
    CHECK(relative_error(g.theta_minus_sin, exact, 0) < 1e-13);
    CHECK(relative_error(g.cos_theta(), std::cos(theta), 1e-300) < 1e-14);
  }
}

TEST_CASE("gaussian_pair: nearly antiparallel pairs keep an absolute accuracy ε/(π − θ)",
          "[gaussian_pair]") {
  for (double delta : {0.04, 1e-3}) {
    const double theta = std::numbers::pi - delta, k = 2.0;
    const nnt::gaussian_pair<double> p{k, k, k * std::cos(theta),
                                       4 * k * std::pow(std::sin(theta / 2), 2), 0.0};
    const auto g = nnt::angle_of(p);
    CHECK(std::abs(g.sin_theta - std::sin(theta)) <
          8 * std::numeric_limits<double>::epsilon() / delta);
    CHECK(std::abs(g.theta - theta) < 8 * std::numeric_limits<double>::epsilon() / delta);
  }
}

TEST_CASE("gaussian_pair: helpers clamp rounding and reject bad pairs", "[gaussian_pair]") {
  const auto p = nnt::make_gaussian_pair(1.0, 4.0, 1.5);
  CHECK(p.dist == 2.0);
  CHECK(p.diff == 3.0);
  const auto r = nnt::rounded_gaussian_pair(1.0, 1.0, 1.0 + 1e-16, -1e-17, 0.0);  // an ulp outside
  CHECK(r.k12 == 1.0);
  CHECK(r.dist == 0.0);
  CHECK_NOTHROW(nnt::require_gaussian_pair(r));
  NNT_CHECK_INVALID(
      nnt::require_gaussian_pair(nnt::gaussian_pair<double>{1.0, 1.0, 0.5, -1.0, 0.0}),
      "dist: expected a non-negative value, got -1");
  NNT_CHECK_INVALID(
      nnt::require_gaussian_pair(nnt::gaussian_pair<double>{1.0, 1.0, 0.5, 1.0, std::nan("")}),
      "diff: expected a finite value, got nan");
}
