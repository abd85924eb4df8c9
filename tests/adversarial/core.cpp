// Adversarial cases for nnt/core: random draws, Gaussian quadrature rules and expectations, size
// arithmetic, activations at extreme arguments.
#include <nnt/core/activation.hpp>
#include <nnt/core/quadrature.hpp>
#include <nnt/core/random.hpp>

#include <cmath>

#include "adversarial.hpp"

using namespace nnt_adversarial;

TEST_CASE("adversarial core: random draws refuse non-finite and empty ranges", "[adversarial]") {
  nnt::random_generator rng(1);
  NNT_REFUSES(rng.uniform(NaN, 1.0), "lo");
  NNT_REFUSES(rng.uniform(0.0, Inf), "hi");
  NNT_REFUSES(rng.uniform(1.0, 1.0), "hi");
  NNT_REFUSES(rng.uniform(2.0, 1.0), "hi");
  NNT_REFUSES(rng.normal(NaN, 1.0), "mean");
  NNT_REFUSES(rng.normal(0.0, -1.0), "stddev");
  NNT_REFUSES(rng.normal(0.0, Inf), "stddev");
  Eigen::MatrixXd x(2, 2);
  NNT_REFUSES(rng.fill_uniform(x, 0.0, NaN), "hi");
  NNT_REFUSES(rng.fill_normal(x, Inf, 1.0), "mean");
  // The widest finite range must not overflow hi − lo into Inf: every draw finite, inside.
  for (int i = 0; i < 1000; ++i) {
    const double u =
        rng.uniform(-std::numeric_limits<double>::max(), std::numeric_limits<double>::max());
    REQUIRE(std::isfinite(u));
  }
  NNT_REFUSES(nnt::normal_matrix<double>(Eigen::Index(1) << 32, Eigen::Index(1) << 32, rng),
              "rows × cols");
  NNT_REFUSES(nnt::normal_matrix<double>(-1, 3, rng), "rows");
  NNT_REFUSES(nnt::normal_matrix<double>(Eigen::Index(1) << 40, 16, rng), "rows × cols");
}

TEST_CASE("adversarial core: size arithmetic refuses overflow and oversize", "[adversarial]") {
  const nnt::Index big = nnt::Index(1) << 32;
  NNT_REFUSES(nnt::checked_product("widths", big, big), "widths");
  NNT_REFUSES(nnt::checked_product("widths", -1, 2), "widths");
  NNT_REFUSES(nnt::require_allocation("H", nnt::Index(1) << 50, 8), "H");
  NNT_REFUSES(nnt::require_allocation("H", -1, 8), "H");
}

TEST_CASE("adversarial core: quadrature rules and expectations", "[adversarial]") {
  NNT_REFUSES(nnt::gauss_hermite<double>(0), "order");
  NNT_REFUSES(nnt::gauss_hermite<double>(-5), "order");
  NNT_REFUSES(nnt::gauss_hermite<double>(nnt::Index(1) << 40), "order");
  NNT_REFUSES(nnt::gauss_legendre<double>(0), "order");
  NNT_REFUSES(nnt::gauss_legendre<double>(nnt::Index(1) << 40), "order");
  const auto rule = nnt::gauss_hermite<double>(16);
  const auto square = [](double u) { return u * u; };
  NNT_REFUSES(nnt::gaussian_expectation(rule, square, NaN), "variance");
  NNT_REFUSES(nnt::gaussian_expectation(rule, square, -1.0), "variance");
  NNT_REFUSES(nnt::gaussian_expectation(rule, square, Inf), "variance");
}

TEST_CASE("adversarial core: activations stay finite where their derivatives are finite",
          "[adversarial]") {
  // σ′ and σ″ of every activation are bounded functions (except softplus/identity growth of σ),
  // so at |x| = 1e300 and at ±Inf they must be finite — 0·∞ in a product formula is the bug class.
  for (const auto kind : nnt::activation::all_kinds) {
    const nnt::activation act = kind == nnt::activation_kind::leaky_relu
                                    ? nnt::activation::leaky_relu(0.1)
                                    : nnt::activation::from_name(nnt::activation::kind_name(kind));
    INFO(act.name());
    for (const double x : {1e300, -1e300, 1e154, -1e154, Inf, -Inf}) {
      INFO("x = " << x);
      CHECK(std::isfinite(act.derivative(x)));
      CHECK(std::isfinite(act.second_derivative(x)));
    }
    CHECK(std::isnan(act.value(NaN)));  // NaN in, NaN out: never a fake finite value
  }
  NNT_REFUSES(nnt::activation::leaky_relu(NaN), "leaky_slope");
  NNT_REFUSES(nnt::activation::from_name("no_such_activation"), "name");
}
