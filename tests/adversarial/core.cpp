// Adversarial cases for nnt/core: random draws, Gaussian quadrature rules and expectations, size
// arithmetic, activations at extreme arguments.
#include <nnt/core/activation.hpp>
#include <nnt/core/quadrature.hpp>
#include <nnt/core/random.hpp>
#include <nnt/core/stopping.hpp>

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

TEST_CASE("adversarial core: the require_* helpers refuse NaN and name the argument",
          "[adversarial]") {
  // Every helper is written as !(x passes) so that NaN fails it: the guard of every public check.
  NNT_REFUSES(nnt::require_positive("C_w", NaN), "C_w");
  NNT_REFUSES(nnt::require_positive("C_w", 0.0), "C_w");
  NNT_REFUSES(nnt::require_nonnegative("C_b", NaN), "C_b");
  NNT_REFUSES(nnt::require_nonnegative("C_b", -0.5), "C_b");
  NNT_REFUSES(nnt::require_in_range("p", NaN, 0.0, 1.0), "p");
  NNT_REFUSES(nnt::require_in_range("p", 2.0, 0.0, 1.0), "p");
  NNT_REFUSES(nnt::require_finite("eta", Inf), "eta");
  NNT_REFUSES(nnt::require_finite("eta", static_cast<float>(NaN)), "eta");
  Eigen::MatrixXd X = Eigen::MatrixXd::Zero(3, 2);
  X(2, 1) = -Inf;
  NNT_REFUSES(nnt::require_finite("X", X), "X");
  NNT_REFUSES(nnt::require_rows("X", 4, 3), "X");
  NNT_REFUSES(nnt::require_cols("X", 4, 3), "X");
  NNT_REFUSES(nnt::require_size("theta", 10, 9), "theta");
  NNT_REFUSES(nnt::require_shape("K", 3, 3, X), "K");
  NNT_REFUSES(nnt::require_at_least<nnt::Index>("order", -1, 1), "order");
  NNT_REFUSES(nnt::require_examples_and_targets(Eigen::MatrixXd(2, 0), Eigen::VectorXd(0)),
              "X.cols()");
  NNT_REFUSES(nnt::require_examples_and_targets(X, Eigen::VectorXd(3)), "y");
  NNT_REFUSES(nnt::require_examples_and_targets(X, Eigen::VectorXd::Zero(2)), "X");
  NNT_REFUSES(nnt::throw_invalid_argument("name", "something", "other"), "name");
  // A 2×2 covariance whose c12² overflows double must still be judged (inf ≤ inf passed before).
  NNT_REFUSES(nnt::require_covariance_2x2("q", 1e200, 1.5e200, 1e200), "q12");
  NNT_REFUSES(nnt::require_covariance_2x2("q", 1.0, NaN, 1.0), "q12");
  NNT_REFUSES(nnt::require_covariance_2x2("q", -1.0, 0.0, 1.0), "q11");
  CHECK_NOTHROW(nnt::require_covariance_2x2("q", 1e200, 1e200, 1e200));
  // format_value reads back exactly, NaN and infinities by name.
  CHECK(nnt::format_value(NaN) == "nan");
  CHECK(nnt::format_value(-Inf) == "-inf");
  CHECK(nnt::format_value(0.1) == "0.1");
  CHECK(std::stod(nnt::format_value(1.0 / 3.0)) == 1.0 / 3.0);
  // throw_unless_ok turns a non-ok status into numerical_error, never an ok-looking value.
  struct result {
    nnt::status status = nnt::status::diverged;
  };
  CHECK_THROWS_AS(nnt::throw_unless_ok(result{}, "f"), nnt::numerical_error);
  CHECK(nnt::scalar_value(2.5) == 2.5);
  // Every status has a name, and an out-of-range value cannot read past the table.
  for (const auto st : {nnt::status::ok, nnt::status::diverged, nnt::status::not_converged,
                        nnt::status::singular, nnt::status::overflow, nnt::status::stalled})
    CHECK(nnt::to_string(st) != "unknown");
  CHECK(nnt::to_string(static_cast<nnt::status>(77)) == "unknown");
  CHECK(nnt::to_string(static_cast<nnt::stop_reason>(-3)) == "unknown");
  const std::vector<nnt::Index> past{4}, none{};
  NNT_REFUSES(nnt::require_batch_indices(past, 4), "batch");
  NNT_REFUSES(nnt::require_batch_indices(none, 4), "batch.size()");
}

TEST_CASE("adversarial core: Gaussian pairs, factors and 2-D expectations", "[adversarial]") {
  const auto bad = nnt::make_gaussian_pair(1.0, 1.0, 2.0);  // k12² > k11·k22
  NNT_REFUSES(nnt::require_gaussian_pair(bad), "k12");
  NNT_REFUSES(nnt::require_gaussian_pair(nnt::make_gaussian_pair(NaN, 1.0, 0.0)), "k11");
  NNT_REFUSES(nnt::require_gaussian_pair(nnt::gaussian_pair<double>{1, 1, 0, -1, 0}), "dist");
  NNT_REFUSES(nnt::require_gaussian_pair(nnt::gaussian_pair<double>{1, 1, 0, 2, NaN}), "diff");
  // The angle of a degenerate side is undefined: refused, not NaN.
  NNT_REFUSES(nnt::angle_of(nnt::make_gaussian_pair(0.0, 1.0, 0.0)), "k11");
  NNT_REFUSES(nnt::angle_of(nnt::make_gaussian_pair(1.0, NaN, 0.0)), "k22");
  const auto g = nnt::angle_of(nnt::make_gaussian_pair(1.0, 1.0, 1.0));  // identical inputs
  CHECK(g.theta == 0);
  CHECK(g.cos_theta() == 1);
  // rounded_gaussian_pair clamps an ulp-outside k12 back into Cauchy–Schwarz, dist into ≥ 0.
  const auto r = nnt::rounded_gaussian_pair(1.0, 1.0, 1.0 + 1e-16 * 4, -1e-17, 0.0);
  CHECK(r.k12 <= 1.0);
  CHECK(r.dist == 0.0);
  NNT_REFUSES(nnt::bivariate_cholesky(1.0, 2.0, 1.0), "q12");
  NNT_REFUSES(nnt::bivariate_cholesky(NaN, 0.0, 1.0), "q11");
  NNT_REFUSES(nnt::bivariate_factor_of(bad), "k12");
  const auto f0 = nnt::bivariate_factor_of(nnt::make_gaussian_pair(0.0, 4.0, 0.0));
  CHECK(f0.a == 0);
  CHECK(f0.c == 2);
  const auto& rule = nnt::cached_gauss_hermite<double>(8);
  NNT_REFUSES(nnt::cached_gauss_hermite<double>(0), "order");
  NNT_REFUSES(nnt::cached_gauss_hermite<double>(nnt::Index(1) << 40), "order");
  CHECK(&nnt::cached_gauss_hermite<double>(8) == &rule);  // a failed order leaves the cache intact
  const auto uv = [](double u, double v) { return u * v; };
  NNT_REFUSES(nnt::gaussian_expectation_2d(rule, uv, 1.0, 2.0, 1.0), "q12");
  NNT_REFUSES(nnt::gaussian_expectation_2d(rule, uv, 1.0, 0.0, Inf), "q22");
  const auto id = [](double u) { return u; };
  NNT_REFUSES(nnt::gaussian_product_expectation(rule, id, id, 1.0, NaN, 1.0), "q12");
  NNT_REFUSES(nnt::gaussian_expectation_composite(id, NaN), "K");
  NNT_REFUSES(nnt::gaussian_expectation_composite(id, -1.0), "K");
  NNT_REFUSES(nnt::gaussian_expectation_composite(id, Inf), "K");
  // Bounded work at the largest finite variance: E u² = K to quadrature accuracy.
  const double K = 1e300;
  CHECK(std::abs(nnt::gaussian_expectation_composite([](double u) { return u * u; }, K) / K - 1) <
        1e-12);
}

TEST_CASE("adversarial core: random streams, indices and shuffles", "[adversarial]") {
  nnt::random_generator rng(3);
  NNT_REFUSES(rng.uniform_index(0), "n");
  CHECK(rng.uniform_index(1) == 0);
  const std::uint64_t top = std::numeric_limits<std::uint64_t>::max();
  CHECK(rng.uniform_index(top) < top);  // the largest n: no overflow in the rejection limit
  for (int i = 0; i < 100; ++i) {
    const int r = rng.rademacher();
    REQUIRE((r == 1 || r == -1));
  }
  Eigen::MatrixXd empty(0, 3), x(2, 2);
  CHECK_NOTHROW(rng.fill_rademacher(empty));
  rng.fill_rademacher(x);
  CHECK((x.array().abs() == 1).all());
  auto seeded = nnt::random_generator(0), again = nnt::random_generator(0);  // 0 is a seed too
  CHECK(seeded.bits() == again.bits());
  std::vector<int> none, one{7};
  CHECK_NOTHROW(nnt::shuffle(none, rng));
  nnt::shuffle(one, rng);
  CHECK(one == std::vector<int>{7});
  // Streams are a pure function of (seed, task): same bits again, different tasks differ, and
  // task 0 is not the parent seed's own stream.
  auto a = nnt::random_generator::for_task(5, 9), b = nnt::random_generator::for_task(5, 9);
  CHECK(a.engine()() == b.engine()());
  CHECK(nnt::stream_seed(5, 0) != nnt::stream_seed(5, 1));
  CHECK(nnt::stream_seed(5, 0) != 5);
  CHECK(nnt::splitmix64(0) != 0);
}

TEST_CASE("adversarial core: scalar functions at ±inf and NaN", "[adversarial]") {
  CHECK(nnt::math::logistic(-Inf) == 0);
  CHECK(nnt::math::logistic(Inf) == 1);
  CHECK(nnt::math::logistic(-1000.0) >= 0);
  CHECK(std::isnan(nnt::math::logistic(NaN)));
  CHECK(nnt::math::log1p_exp(1000.0) == 1000.0);  // no overflow of e^x
  CHECK(nnt::math::log1p_exp(-Inf) == 0);
  CHECK(nnt::math::log1p_exp(Inf) == Inf);
  CHECK(std::isnan(nnt::math::log1p_exp(NaN)));
  CHECK(nnt::math::erfc(Inf) == 0);
  CHECK(nnt::math::erfc(-Inf) == 2);
  CHECK(nnt::math::log1p(-1.0) == -Inf);
  CHECK(std::isnan(nnt::math::log1p(-2.0)));
  CHECK(nnt::math::abs(-Inf) == Inf);
  CHECK(std::isnan(nnt::math::abs(NaN)));
  CHECK(nnt::math::zero_like(Inf) == 0);  // not ∞ − ∞
}

TEST_CASE("adversarial core: stopping options", "[adversarial]") {
  NNT_REFUSES(nnt::require_stopping(nnt::solver_stopping{.max_iterations = 0}),
              "stop.max_iterations");
  NNT_REFUSES(nnt::require_stopping(nnt::solver_stopping{.tolerance = NaN}), "stop.tolerance");
  NNT_REFUSES(nnt::require_stopping(nnt::solver_stopping{.tolerance = -1}), "stop.tolerance");
  NNT_REFUSES(nnt::require_stopping(nnt::optimizer_stopping{.max_iterations = -1}),
              "stop.max_iterations");
  NNT_REFUSES(nnt::require_stopping(nnt::optimizer_stopping{.gradient_tolerance = Inf}),
              "stop.gradient_tolerance");
  NNT_REFUSES(nnt::require_stopping(nnt::optimizer_stopping{.loss_tolerance = NaN}),
              "stop.loss_tolerance");
  NNT_REFUSES(nnt::require_stopping(nnt::optimizer_stopping{.loss_tolerance = Inf}),
              "stop.loss_tolerance");
  NNT_REFUSES(nnt::require_stopping(nnt::optimizer_stopping{.divergence_bound = 0}),
              "stop.divergence_bound");
  CHECK_FALSE(nnt::optimizer_stopping{}.has_tolerance());
  CHECK(nnt::optimizer_stopping{.gradient_tolerance = 1e-8}.has_tolerance());
}

TEST_CASE("adversarial core: vectorised activation paths, moments and visit", "[adversarial]") {
  const Eigen::ArrayXXd x = Eigen::ArrayXXd::Constant(3, 4, 0.5);
  for (const auto kind : nnt::activation::all_kinds) {
    const nnt::activation act = nnt::activation::from_name(nnt::activation::kind_name(kind));
    INFO(act.name());
    // A block of the wrong shape cannot be resized: refused, not written past its end.
    Eigen::ArrayXXd big(6, 6);
    NNT_REFUSES(act.value_into(x, big.topLeftCorner(2, 4)), "out");
    NNT_REFUSES(act.derivative_into(x, big.topLeftCorner(3, 3)), "out");
    NNT_REFUSES(act.second_derivative_into(x, big.topLeftCorner(1, 1)), "out");
    const Eigen::ArrayXXd y_small(2, 2);
    Eigen::ArrayXXd out;
    NNT_REFUSES(act.derivative_from_value_into(x, y_small, out), "y");
    NNT_REFUSES(act.second_derivative_from_value_into(x, y_small, out), "y");
    // A plain array, or .array() of a plain matrix, is resized.
    Eigen::MatrixXd m(1, 1);
    act.value_into(x, m.array());
    CHECK(m.rows() == 3);
    act.derivative_from_value_into(x, act.value(x), out);
    CHECK(out.isApprox(act.derivative(x)));
    // NaN in, NaN out on every vectorised path (no activation turns it into a fake 0 or 1).
    const Eigen::ArrayXd nan_x = Eigen::ArrayXd::Constant(8, NaN);
    Eigen::ArrayXd v;
    act.value_into(nan_x, v);
    CHECK(v.isNaN().all());
    // Closed-form single-input moments refuse a variance that is not finite and ≥ 0 (the others
    // go through the quadrature engine: adversarial kernels).
    act.visit([](auto a) {
      if constexpr (requires { a.gaussian_moments(1.0); }) {
        NNT_REFUSES(a.gaussian_moments(NaN), "K");
        NNT_REFUSES(a.gaussian_moments(-1.0), "K");
        NNT_REFUSES(a.gaussian_moments(Inf), "K");
      }
      return 0;
    });
    act.visit([](auto a) {
      if constexpr (requires { a.gaussian_pair_moments(nnt::make_gaussian_pair(1.0, 1.0, 1.0)); })
        NNT_REFUSES(a.gaussian_pair_moments(nnt::make_gaussian_pair(1.0, 1.0, 1.5)), "k12");
      return 0;
    });
    CHECK(nnt::visit([](auto a) { return std::string(decltype(a)::name); }, act) ==
          nnt::activation::kind_name(kind));
  }
  // An integer cast into activation_kind outside the enum is refused, not run as identity.
  NNT_REFUSES(nnt::activation(static_cast<nnt::activation_kind>(99)), "kind");
  NNT_REFUSES(nnt::activation(static_cast<nnt::activation_kind>(-1)), "kind");
  NNT_REFUSES(nnt::activation(nnt::activation_kind::leaky_relu, Inf), "leaky_slope");
  CHECK(nnt::activation::identity().value(NaN) != nnt::activation::identity().value(NaN));
  CHECK(nnt::activation::softplus().value(1000.0) == 1000.0);  // log(1 + eˣ) without overflow
  CHECK(nnt::activation::softplus().value(-Inf) == 0);
  CHECK(nnt::activation::relu().has_closed_form_moments());
  CHECK_FALSE(nnt::activation::tanh().has_closed_form_moments());
  // Vectorised and scalar paths agree at the extremes (the vector formulas used to give ∞·0 = NaN
  // where the scalar ones special-case it), in double and float.
  for (const auto kind : nnt::activation::all_kinds) {
    const nnt::activation act(kind);
    INFO(act.name());
    Eigen::ArrayXd xs(9);
    xs << -Inf, -1e300, -800.0, -1e-300, 0.0, 1e-300, 800.0, 1e300, Inf;
    const auto agree = [](const Eigen::ArrayXd& vec, const Eigen::ArrayXd& ref, double tol) {
      for (Eigen::Index i = 0; i < ref.size(); ++i) {
        INFO("i = " << i << ": vector " << vec(i) << ", scalar " << ref(i));
        CHECK((std::isnan(ref(i)) ? std::isnan(vec(i))
                                  : vec(i) == ref(i) || std::abs(vec(i) - ref(i)) <=
                                                            tol * std::max(1.0, std::abs(ref(i)))));
      }
    };
    agree(act.value(xs), xs.unaryExpr([&](double v) { return act.value(v); }), 1e-14);
    agree(act.derivative(xs), xs.unaryExpr([&](double v) { return act.derivative(v); }), 1e-14);
    agree(act.second_derivative(xs),
          xs.unaryExpr([&](double v) { return act.second_derivative(v); }), 1e-14);
    const Eigen::ArrayXf xf = xs.cast<float>();  // ±1e300 → ±inf in float
    const Eigen::ArrayXd vf = act.value(xf).cast<double>(), df = act.derivative(xf).cast<double>();
    agree(vf, xf.unaryExpr([&](float v) { return act.value(v); }).cast<double>(), 1e-6);
    agree(df, xf.unaryExpr([&](float v) { return act.derivative(v); }).cast<double>(), 1e-6);
    for (const double x : {-Inf, Inf}) CHECK_FALSE(std::isnan(act.value(x)));  // a limit exists
  }
  CHECK(nnt::activation::sigmoid().value(-Inf) == 0);
  CHECK(nnt::activation::silu().value(-Inf) == 0);
  CHECK(nnt::activation::softsign().value(Inf) == 1);
  CHECK(nnt::activations::gelu::cdf(-Inf) == 0);
  CHECK(nnt::activations::gelu::pdf(Inf) == 0);
  Eigen::ArrayXd t(2), out(2);
  t << 1.0, -1.0;
  nnt::activations::tanh_fn{}.array_from_value<1>(t, out);  // σ′ = 1 − y² from y = ±1
  CHECK((out == 0).all());
  nnt::activations::sigmoid_fn{}.array_from_value<1>(t, out);
  CHECK(out(0) == 0);
}
