#include <nnt/core/scalar_math.hpp>

#include <unsupported/Eigen/AutoDiff>

#include <cmath>
#include <limits>

#include "support/testing.hpp"

using nnt_test::relative_error;

TEST_CASE("scalar_math: logistic and log1p_exp are exact in both tails", "[scalar_math]") {
  // 40-digit mpmath values: 1/(1 + e^40), log(1 + e^−50), log(1 + e^30) = 30 + log1p(e^−30).
  CHECK(relative_error(nnt::math::logistic(-40.0), 4.2483542552915889773e-18, 0) < 1e-14);
  CHECK(nnt::math::logistic(800.0) == 1.0);
  CHECK(nnt::math::logistic(-800.0) == 0.0);
  CHECK(relative_error(nnt::math::log1p_exp(-50.0), 1.928749847963917783e-22, 0) < 1e-14);
  CHECK(relative_error(nnt::math::log1p_exp(30.0), 30.000000000000093576, 0) < 1e-15);
  CHECK(nnt::math::log1p_exp(800.0) == 800.0);  // no overflow
  CHECK(std::isnan(nnt::math::log1p_exp(std::nan(""))));
}

TEST_CASE("scalar_math: the AutoDiff overloads follow the chain rule", "[scalar_math]") {
  // d/dx erf = (2/√π)e^{−x²}, d/dx erfc = −that, d/dx log1p = 1/(1 + x), d/dx |x| = sign x.
  using AD = Eigen::AutoDiffScalar<Eigen::VectorXd>;
  for (double x : {-1.3, -0.2, 0.4, 2.1}) {
    const AD a(x, 1, 0);
    const double slope = 2 / std::sqrt(3.14159265358979323846) * std::exp(-x * x);
    CHECK(nnt::math::erf(a).value() == std::erf(x));
    CHECK(relative_error(nnt::math::erf(a).derivatives()(0), slope) < 1e-15);
    CHECK(relative_error(nnt::math::erfc(a).derivatives()(0), -slope) < 1e-15);
    CHECK(relative_error(nnt::math::log1p(AD(std::abs(x), 1, 0)).derivatives()(0),
                         1 / (1 + std::abs(x))) < 1e-15);
    CHECK(nnt::math::abs(a).derivatives()(0) == (x > 0 ? 1.0 : -1.0));
    CHECK(nnt::math::zero_like(a).value() == 0.0);
    CHECK(nnt::math::zero_like(a).derivatives().size() == 1);
  }
}
