#include <nnt/dynamics/optimizers.hpp>
#include <nnt/mlp/objective.hpp>

#include <Eigen/Eigenvalues>

#include <algorithm>

#include "quadratic_objective.hpp"
#include "support/testing.hpp"

namespace {

// A quadratic with eigenvalues evenly spaced in [μ, L] (μ = λ_min, L = λ_max).
quadratic_objective make_quadratic(double mu, double L, int n = 6) {
  nnt::random_generator rng(n);  // seeded: Eigen's Random() depends on std::rand's global state
  Eigen::MatrixXd G(n, n);
  rng.fill_normal(G);
  const Eigen::MatrixXd Q = Eigen::HouseholderQR<Eigen::MatrixXd>(G).householderQ();
  const Eigen::VectorXd lambda = Eigen::VectorXd::LinSpaced(n, mu, L);
  return {Q * lambda.asDiagonal() * Q.transpose(), Eigen::VectorXd::LinSpaced(n, -1, 2)};
}

// Rosenbrock in n dimensions: Σ 100(x_{i+1} − x_i²)² + (1 − x_i)².
struct rosenbrock {
  double value(const Eigen::VectorXd& x) {
    Eigen::VectorXd g;
    return value_and_gradient(x, g);
  }
  double value_and_gradient(const Eigen::VectorXd& x, Eigen::VectorXd& g) {
    const auto n = x.size();
    g = Eigen::VectorXd::Zero(n);
    double f = 0;
    for (Eigen::Index i = 0; i + 1 < n; ++i) {
      const double a = x(i + 1) - x(i) * x(i), b = 1 - x(i);
      f += 100 * a * a + b * b;
      g(i) += -400 * a * x(i) - 2 * b;
      g(i + 1) += 200 * a;
    }
    return f;
  }
};

}  // namespace

TEST_CASE("optimizers: GD on a quadratic contracts f − f* by exactly (1 − μ/L)² per step", "[optimizers]") {
  auto q = make_quadratic(0.5, 5.0);
  nnt::optimizer_options o;
  o.max_iterations = 60;
  const auto r = nnt::gradient_descent(q, Eigen::VectorXd::Zero(6), nnt::constant_schedule{1 / 5.0}, o);
  CHECK(r.state == nnt::status::not_converged);
  const double rate = (1 - 0.5 / 5.0) * (1 - 0.5 / 5.0);
  for (std::size_t t = 1; t < r.loss.size(); ++t) CHECK(r.loss[t] <= rate * r.loss[t - 1] * (1 + 1e-12));
  // Once the slowest mode dominates, the ratio equals the rate (to 1e-6 after 60 steps).
  CHECK(r.loss.back() / r.loss[r.loss.size() - 2] == Approx(rate).epsilon(1e-6));
}

TEST_CASE("optimizers: heavy ball and Nesterov beat GD at their theoretical rates", "[optimizers]") {
  const double mu = 0.01, L = 1.0, kappa = L / mu;
  auto q = make_quadratic(mu, L, 8);
  // Polyak's optimal heavy ball: η = 4/(√L + √μ)², momentum ((√κ − 1)/(√κ + 1))²; the distance
  // contracts at ρ = (√κ − 1)/(√κ + 1) per step (with a polynomial prefactor).
  const double rho = (std::sqrt(kappa) - 1) / (std::sqrt(kappa) + 1);
  nnt::optimizer_options o;
  o.max_iterations = 100;
  const auto hb = nnt::momentum(q, Eigen::VectorXd::Zero(8), nnt::constant_schedule{4 / std::pow(std::sqrt(L) + std::sqrt(mu), 2)}, rho * rho, false, o);
  const double distance = (hb.theta - q.star).norm(), start = q.star.norm();
  // ρ¹⁰⁰ ≈ 2e-9; the prefactor of the double root is ≤ 2t. GD's error along the slowest mode
  // only shrinks by (1 − μ/L)¹⁰⁰ ≈ 0.37 in the same 100 steps.
  CHECK(distance <= 2 * 100 * std::pow(rho, 100) * start);
  CHECK(distance > 1e-14 * start);  // not yet at rounding level: the bound is what is tested
  const auto gd100 = nnt::gradient_descent(q, Eigen::VectorXd::Zero(8), nnt::constant_schedule{1 / L}, o);
  CHECK(distance < 1e-3 * (gd100.theta - q.star).norm());
  o.max_iterations = 400;
  o.gradient_tolerance = 1e-10;
  const auto nest = nnt::momentum(q, Eigen::VectorXd::Zero(8), nnt::constant_schedule{1 / L}, (std::sqrt(kappa) - 1) / (std::sqrt(kappa) + 1), true, o);
  const auto gd = nnt::gradient_descent(q, Eigen::VectorXd::Zero(8), nnt::constant_schedule{1 / L}, o);
  CHECK(nest.state == nnt::status::ok);
  CHECK(gd.state == nnt::status::not_converged);  // GD needs ~κ log(1/ε) ≈ 2000 steps
  CHECK(nest.iterations < 400);
}

TEST_CASE("optimizers: L-BFGS reaches |grad| <= 1e-8 on Rosenbrock", "[optimizers]") {
  for (int n : {2, 10}) {
    rosenbrock f;
    Eigen::VectorXd x0 = Eigen::VectorXd::Constant(n, -1.2);
    x0(n - 1) = 1;
    nnt::optimizer_options o;
    o.gradient_tolerance = 1e-8;
    o.max_iterations = 2000;
    const auto r = nnt::lbfgs(f, x0, {}, o);
    INFO("n = " << n << ", iterations " << r.iterations << ", evaluations " << r.evaluations);
    CHECK(r.state == nnt::status::ok);
    CHECK(r.gradient_norm.back() <= 1e-8);
    // Near the minimum ∇²f is well conditioned enough that ‖x − 1‖ ≲ ‖∇f‖/λ_min ≈ 1e-8/4e-3.
    CHECK((r.theta - Eigen::VectorXd::Ones(n)).norm() < 1e-5);
  }
}

TEST_CASE("optimizers: Adam with a decaying rate reaches |x - x*| <= 1e-4", "[optimizers]") {
  auto q = make_quadratic(0.1, 2.0, 5);
  nnt::optimizer_options o;
  o.max_iterations = 6000;
  const auto r = nnt::adam(q, Eigen::VectorXd::Zero(5), nnt::step_schedule{0.05, 0.5, 1000}, {}, o);
  CHECK((r.theta - q.star).norm() <= 1e-4);
}

TEST_CASE("optimizers: eta > 2/L diverges and is reported, never NaN silently", "[optimizers]") {
  auto q = make_quadratic(0.5, 5.0);
  nnt::optimizer_options o;
  o.max_iterations = 100000;
  const auto r = nnt::gradient_descent(q, Eigen::VectorXd::Zero(6), nnt::constant_schedule{2.5 / 5.0}, o);
  CHECK(r.state == nnt::status::diverged);
  CHECK(r.iterations < 100000);
  // Below 2/L the same run converges.
  o.gradient_tolerance = 1e-9;
  CHECK(nnt::gradient_descent(q, Eigen::VectorXd::Zero(6), nnt::constant_schedule{1.9 / 5.0}, o).state == nnt::status::ok);
}

TEST_CASE("optimizers: histories honour record_every and carry the callback's sharpness", "[optimizers]") {
  auto q = make_quadratic(0.5, 5.0);
  nnt::optimizer_options o;
  o.max_iterations = 25;
  o.record_every = 10;
  int calls = 0;
  const nnt::record_callback<double> sharpness = [&](const Eigen::VectorXd&, nnt::Index) {
    ++calls;
    return Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd>(q.H).eigenvalues().maxCoeff();
  };
  const auto r = nnt::gradient_descent(q, Eigen::VectorXd::Zero(6), nnt::constant_schedule{0.1}, o, sharpness);
  CHECK(r.iteration == std::vector<nnt::Index>{0, 10, 20, 25});  // every 10th and the last
  CHECK(r.loss.size() == 4);
  CHECK(r.sharpness.size() == 4);
  CHECK(calls == 4);
  CHECK(r.sharpness.front() == Approx(5.0).epsilon(1e-12));
  CHECK(r.evaluations == 26);
}

TEST_CASE("optimizers: schedules", "[optimizers]") {
  CHECK(nnt::step_schedule{1.0, 0.1, 10}(25) == Approx(0.01));
  const nnt::cosine_schedule c{1.0, 0.1, 100};
  CHECK(c(0) == 1.0);
  CHECK(c(50) == Approx(0.55));
  CHECK(c(100) == 0.1);
  const nnt::warmup_schedule<nnt::constant_schedule> w{{0.4}, 4};
  CHECK(w(0) == Approx(0.1));
  CHECK(w(3) == Approx(0.4));
  CHECK(w(10) == 0.4);
}

TEST_CASE("optimizers: minibatch SGD on an MLP is reproducible and its batches partition the data",
          "[optimizers]") {
  nnt::mlp<double> net({3, 8, 1}, nnt::activation::tanh());
  net.initialize(1);
  nnt::random_generator rng(2);
  Eigen::MatrixXd X(3, 40), Y(1, 40);
  rng.fill_normal(X);
  Y = X.colwise().sum().array().sin().matrix();
  nnt::mlp_objective f(net, nnt::mse_loss{}, X, Y);
  STATIC_REQUIRE(nnt::minibatch_objective<decltype(f)>);
  // Mean-reduced loss: the average of the gradients of 4 equal batches is the full gradient.
  std::vector<nnt::Index> all(40);
  for (int i = 0; i < 40; ++i) all[i] = i;
  nnt::shuffle(all, rng);
  Eigen::VectorXd full, part, sum = Eigen::VectorXd::Zero(net.parameter_count());
  f.value_and_gradient(net.parameters(), full);
  for (int b = 0; b < 4; ++b) {
    f.value_and_gradient(net.parameters(), part, std::span<const nnt::Index>(all.data() + 10 * b, 10));
    sum += part / 4;
  }
  CHECK((sum - full).norm() < 1e-14 * full.norm());
  std::vector<nnt::Index> sorted = all;
  std::sort(sorted.begin(), sorted.end());
  for (int i = 0; i < 40; ++i) CHECK(sorted[i] == i);  // a permutation

  const auto a = nnt::sgd(f, net.parameters(), nnt::constant_schedule{0.1}, 8, 30, 7);
  const auto b = nnt::sgd(f, net.parameters(), nnt::constant_schedule{0.1}, 8, 30, 7);
  CHECK(a.theta == b.theta);
  CHECK(a.state == nnt::status::not_converged);
  CHECK(f.value(a.theta) < 0.5 * f.value(net.parameters()));
}

TEST_CASE("optimizers: bad input throws clear messages", "[optimizers]") {
  auto q = make_quadratic(0.5, 5.0);
  const Eigen::VectorXd x0 = Eigen::VectorXd::Zero(6);
  NNT_CHECK_INVALID(nnt::gradient_descent(q, x0, nnt::constant_schedule{-0.1}), "learning rate: expected a positive value, got -0.1");
  NNT_CHECK_INVALID(nnt::momentum(q, x0, nnt::constant_schedule{0.1}, 1.0), "mu: expected a value in [0, 1), got 1");
  nnt::optimizer_options o;
  o.max_iterations = -1;
  NNT_CHECK_INVALID(nnt::gradient_descent(q, x0, nnt::constant_schedule{0.1}, o), "max_iterations: expected at least 0, got -1");
  Eigen::VectorXd bad = x0;
  bad(2) = std::nan("");
  NNT_CHECK_INVALID(nnt::lbfgs(q, bad), "theta0: expected finite entries, got nan at index 2");
  nnt::adam_options a;
  a.beta1 = 1.0;
  NNT_CHECK_INVALID(nnt::adam(q, x0, nnt::constant_schedule{0.1}, a), "beta1: expected a value in [0, 0.999999999999], got 1");
  nnt::mlp<double> net({2, 3, 1}, nnt::activation::tanh());
  nnt::mlp_objective f(net, nnt::mse_loss{}, Eigen::MatrixXd::Zero(2, 5), Eigen::MatrixXd::Zero(1, 5));
  NNT_CHECK_INVALID(nnt::sgd(f, net.parameters(), nnt::constant_schedule{0.1}, 0, 1, 1), "batch_size: expected a value in [1, 5], got 0");
}
