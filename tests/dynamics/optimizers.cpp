#include <nnt/dynamics/optimizers.hpp>
#include <nnt/mlp/mlp_objective.hpp>

#include <Eigen/Eigenvalues>

#include <algorithm>
#include <limits>

#include "quadratic_objective.hpp"
#include "support/testing.hpp"

namespace {

// A quadratic with eigenvalues evenly spaced in [μ, L] (μ = λ_min, L = λ_max).
quadratic_objective<double> make_quadratic(double mu, double L, int n = 6) {
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

TEST_CASE("optimizers: GD on a quadratic contracts f − f* by exactly (1 − μ/L)² per step",
          "[optimizers]") {
  auto q = make_quadratic(0.5, 5.0);
  const auto r =
      nnt::gradient_descent(q, Eigen::VectorXd::Zero(6), 1 / 5.0, {.stop = {.max_iterations = 60}});
  // No tolerance was asked for: running the 60 steps is the request, so the status is ok.
  CHECK(r.status == nnt::status::ok);
  CHECK(r.stop_reason == nnt::stop_reason::iteration_limit);
  CHECK(r.iterations == 60);
  const double rate = (1 - 0.5 / 5.0) * (1 - 0.5 / 5.0);
  for (std::size_t t = 1; t < r.loss.size(); ++t)
    CHECK(r.loss[t] <= rate * r.loss[t - 1] * (1 + 1e-12));
  // Once the slowest mode dominates, the ratio equals the rate (to 1e-6 after 60 steps).
  CHECK(r.loss.back() / r.loss[r.loss.size() - 2] == Approx(rate).epsilon(1e-6));
}

TEST_CASE("optimizers: heavy ball and Nesterov beat GD at their theoretical rates",
          "[optimizers]") {
  const double mu = 0.01, L = 1.0, kappa = L / mu;
  auto q = make_quadratic(mu, L, 8);
  // Polyak's optimal heavy ball: η = 4/(√L + √μ)², momentum ((√κ − 1)/(√κ + 1))²; the distance
  // contracts at ρ = (√κ − 1)/(√κ + 1) per step (with a polynomial prefactor).
  const double rho = (std::sqrt(kappa) - 1) / (std::sqrt(kappa) + 1);
  const auto hb =
      nnt::momentum(q, Eigen::VectorXd::Zero(8), 4 / std::pow(std::sqrt(L) + std::sqrt(mu), 2),
                    {.mu = rho * rho, .stop = {.max_iterations = 100}});
  const double distance = (hb.theta - q.star).norm(), start = q.star.norm();
  // ρ¹⁰⁰ ≈ 2e-9; the prefactor of the double root is ≤ 2t. GD's error along the slowest mode
  // only shrinks by (1 − μ/L)¹⁰⁰ ≈ 0.37 in the same 100 steps.
  CHECK(distance <= 2 * 100 * std::pow(rho, 100) * start);
  CHECK(distance > 1e-14 * start);  // not yet at rounding level: the bound is what is tested
  const auto gd100 =
      nnt::gradient_descent(q, Eigen::VectorXd::Zero(8), 1 / L, {.stop = {.max_iterations = 100}});
  CHECK(distance < 1e-3 * (gd100.theta - q.star).norm());
  const nnt::optimizer_stopping stop{.max_iterations = 400, .gradient_tolerance = 1e-10};
  const auto nest = nnt::momentum(
      q, Eigen::VectorXd::Zero(8), 1 / L,
      {.mu = (std::sqrt(kappa) - 1) / (std::sqrt(kappa) + 1), .nesterov = true, .stop = stop});
  const auto gd = nnt::gradient_descent(q, Eigen::VectorXd::Zero(8), 1 / L, {.stop = stop});
  CHECK(nest.status == nnt::status::ok);
  CHECK(nest.stop_reason == nnt::stop_reason::gradient_tolerance);
  CHECK(gd.status == nnt::status::not_converged);  // GD needs ~κ log(1/ε) ≈ 2000 steps
  CHECK(gd.stop_reason == nnt::stop_reason::iteration_limit);
  CHECK(nest.iterations < 400);
}

TEST_CASE("optimizers: L-BFGS reaches |grad| <= 1e-8 on Rosenbrock", "[optimizers]") {
  for (int n : {2, 10}) {
    rosenbrock f;
    Eigen::VectorXd x0 = Eigen::VectorXd::Constant(n, -1.2);
    x0(n - 1) = 1;
    const auto r =
        nnt::lbfgs(f, x0, {.stop = {.max_iterations = 2000, .gradient_tolerance = 1e-8}});
    INFO("n = " << n << ", iterations " << r.iterations << ", evaluations " << r.evaluations);
    CHECK(r.status == nnt::status::ok);
    CHECK(r.gradient_norm.back() <= 1e-8);
    // Near the minimum ∇²f is well conditioned enough that ‖x − 1‖ ≲ ‖∇f‖/λ_min ≈ 1e-8/4e-3.
    CHECK((r.theta - Eigen::VectorXd::Ones(n)).norm() < 1e-5);
  }
}

TEST_CASE("optimizers: Adam with a decaying rate reaches |x - x*| <= 1e-4", "[optimizers]") {
  auto q = make_quadratic(0.1, 2.0, 5);
  const auto r = nnt::adam(q, Eigen::VectorXd::Zero(5), nnt::step_schedule{0.05, 0.5, 1000},
                           {.stop = {.max_iterations = 6000}});
  CHECK((r.theta - q.star).norm() <= 1e-4);
  // A plain number is a learning rate too.
  const auto plain = nnt::adam(q, Eigen::VectorXd::Zero(5), 1e-2, {.stop = {.max_iterations = 10}});
  CHECK(plain.iterations == 10);
}

TEST_CASE("optimizers: eta > 2/L diverges and is reported, never NaN silently", "[optimizers]") {
  auto q = make_quadratic(0.5, 5.0);
  const auto r = nnt::gradient_descent(q, Eigen::VectorXd::Zero(6), 2.5 / 5.0,
                                       {.stop = {.max_iterations = 100000}});
  CHECK(r.status == nnt::status::diverged);
  CHECK(r.stop_reason == nnt::stop_reason::divergence_bound);
  CHECK(r.iterations < 100000);
  // Below 2/L the same run converges.
  CHECK(nnt::gradient_descent(q, Eigen::VectorXd::Zero(6), 1.9 / 5.0,
                              {.stop = {.max_iterations = 100000, .gradient_tolerance = 1e-9}})
            .status == nnt::status::ok);
}

TEST_CASE("optimizers: histories honour record_every and carry the callback's sharpness",
          "[optimizers]") {
  auto q = make_quadratic(0.5, 5.0);
  int calls = 0, observed = 0;
  const auto r = nnt::gradient_descent(
      q, Eigen::VectorXd::Zero(6), 0.1,
      {.stop = {.max_iterations = 25},
       .record_every = 10,
       .record =
           [&](const Eigen::VectorXd&, nnt::Index) {
             ++calls;
             return Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd>(q.H).eigenvalues().maxCoeff();
           },
       .observer =
           [&](const nnt::optimizer_state<double>& s) {
             CHECK(s.iteration == observed++);
             CHECK(s.velocity == nullptr);
             return true;
           }});
  CHECK(r.iteration == std::vector<nnt::Index>{0, 10, 20, 25});  // every 10th and the last
  CHECK(r.loss.size() == 4);
  CHECK(r.recorded.size() == 4);
  CHECK(calls == 4);
  CHECK(observed == 26);  // every iterate t = 0 … 25
  CHECK(r.recorded.front() == Approx(5.0).epsilon(1e-12));
  CHECK(r.evaluations == 26);
}

TEST_CASE("optimizers: an observer can stop a run, and sees the velocity of momentum",
          "[optimizers]") {
  auto q = make_quadratic(0.5, 5.0);
  double last_velocity = -1;
  const auto r = nnt::momentum(q, Eigen::VectorXd::Zero(6), 0.1,
                               {.mu = 0.5, .observer = [&](const nnt::optimizer_state<double>& s) {
                                  REQUIRE(s.velocity != nullptr);
                                  last_velocity = s.velocity->norm();
                                  return s.iteration < 7;
                                }});
  CHECK(r.status == nnt::status::ok);
  CHECK(r.stop_reason == nnt::stop_reason::observer);
  CHECK(r.iterations == 7);
  CHECK(last_velocity > 0);
}

TEST_CASE("optimizers: minibatch SGD on an MLP is reproducible and its batches partition the data",
          "[optimizers]") {
  nnt::mlp<double> net({3, 8, 1}, nnt::activation::tanh(),
                       {.param = nnt::parameterization::standard});
  net.initialize(1);
  nnt::random_generator rng(2);
  Eigen::MatrixXd X(3, 40), Y(1, 40);
  rng.fill_normal(X);
  Y = X.colwise().sum().array().sin().matrix();
  nnt::mlp_objective f(net, nnt::mse_loss{}, X, Y);
  STATIC_REQUIRE(nnt::minibatch_objective<decltype(f)>);
  // Mean-reduced loss: the average of the gradients of 4 equal batches is the full gradient.
  std::vector<nnt::Index> all(40);
  for (int i = 0; i < 40; ++i) all[std::size_t(i)] = i;
  nnt::shuffle(all, rng);
  Eigen::VectorXd full, part, sum = Eigen::VectorXd::Zero(net.parameter_count());
  f.value_and_gradient(net.parameters(), full);
  for (int b = 0; b < 4; ++b) {
    f.value_and_gradient(net.parameters(), part,
                         std::span<const nnt::Index>(all.data() + 10 * b, 10));
    sum += part / 4;
  }
  CHECK((sum - full).norm() < 1e-14 * full.norm());
  std::vector<nnt::Index> sorted = all;
  std::sort(sorted.begin(), sorted.end());
  for (int i = 0; i < 40; ++i) CHECK(sorted[i] == i);  // a permutation

  const nnt::sgd_options<double> o{.batch_size = 8, .epochs = 30, .seed = 7};
  const auto a = nnt::sgd(f, net.parameters(), 0.1, o);
  const auto b = nnt::sgd(f, net.parameters(), 0.1, o);
  CHECK(a.theta == b.theta);
  CHECK(a.status == nnt::status::ok);  // all 30 epochs were run, as asked
  CHECK(a.stop_reason == nnt::stop_reason::iteration_limit);
  CHECK(a.iterations == 30 * 5);
  CHECK(f.value(a.theta) < 0.5 * f.value(net.parameters()));
  // max_iterations is honoured: 3 asked, 3 run.
  const auto three = nnt::sgd(f, net.parameters(), 0.1,
                              {.batch_size = 8, .epochs = 30, .stop = {.max_iterations = 3}});
  CHECK(three.iterations == 3);
  CHECK(three.evaluations == 4);  // the minibatch losses at θ₀ … θ₃
  // With replacement, any batch size; heavy-ball momentum is a field, not a positional argument.
  const auto drawn = nnt::sgd(f, net.parameters(), 0.05,
                              {.batch_size = 64,
                               .sampling = nnt::minibatch_sampling::with_replacement,
                               .momentum = 0.5,
                               .stop = {.max_iterations = 50}});
  CHECK(drawn.iterations == 50);
  CHECK(f.value(drawn.theta) < f.value(net.parameters()));

  // Every history entry j belongs to iterate iteration[j]: the record callback sees θ_t, which the
  // observer also sees at step t. 5 epochs × 5 batches = 25 updates, stride 7: entries 0, 7, 14, 21
  // and the last step 24 (recorded before the final update; θ_25 is returned without a history
  // row).
  std::vector<double> seen;
  const auto strided =
      nnt::sgd(f, net.parameters(), 0.1,
               {.batch_size = 8,
                .epochs = 5,
                .record_every = 7,
                .record = [](const Eigen::VectorXd& th, nnt::Index) { return th(0); },
                .observer =
                    [&](const nnt::optimizer_state<double>& s) {
                      seen.push_back(s.theta(0));
                      return true;
                    }});
  REQUIRE(strided.iterations == 25);
  REQUIRE(seen.size() == 25);
  REQUIRE(strided.iteration == std::vector<nnt::Index>{0, 7, 14, 21, 24});
  for (std::size_t j = 0; j < strided.iteration.size(); ++j)
    CHECK(strided.recorded[j] == seen[std::size_t(strided.iteration[j])]);
  CHECK(strided.recorded.back() != strided.theta(0));  // θ_24, not the returned θ_25
  // The θ returned after the last epoch passes the same divergence tests as every other iterate:
  // one full batch at η = 1e200 moves ‖θ‖ to ~1e200·‖∇f‖ > divergence_bound = 1e100.
  const auto blown = nnt::sgd(f, net.parameters(), 1e200, {.batch_size = 40, .epochs = 1});
  CHECK(blown.iterations == 1);
  CHECK(blown.status == nnt::status::diverged);
  CHECK(blown.stop_reason == nnt::stop_reason::divergence_bound);
}

TEST_CASE("optimizers: float objectives optimise in float", "[optimizers]") {
  quadratic_objective<float> q{Eigen::Vector3f(1.0f, 2.0f, 4.0f).asDiagonal().toDenseMatrix(),
                               Eigen::Vector3f(1.0f, -1.0f, 0.5f)};
  const auto gd =
      nnt::gradient_descent(q, Eigen::VectorXf::Zero(3), 0.2f, {.stop = {.max_iterations = 200}});
  STATIC_REQUIRE(std::is_same_v<decltype(gd.theta), Eigen::VectorXf>);
  CHECK((gd.theta - q.star).norm() < 1e-5f);  // (1 − 0.2)^200 ≈ 4e-20, so float rounding bounds it
  const auto lb = nnt::lbfgs(q, Eigen::VectorXf::Zero(3),
                             {.stop = {.max_iterations = 50, .gradient_tolerance = 1e-5}});
  CHECK(lb.status == nnt::status::ok);
}

TEST_CASE("optimizers: bad input throws clear messages", "[optimizers]") {
  auto q = make_quadratic(0.5, 5.0);
  const Eigen::VectorXd x0 = Eigen::VectorXd::Zero(6);
  NNT_CHECK_INVALID(nnt::gradient_descent(q, x0, -0.1),
                    "learning rate: expected a positive value, got -0.1");
  NNT_CHECK_INVALID(nnt::gradient_descent(q, x0, nnt::constant_schedule{-0.1}),
                    "learning rate: expected a finite positive value, got -0.1 (at step 0)");
  NNT_CHECK_INVALID(nnt::momentum(q, x0, 0.1, {.mu = 1.0}),
                    "mu: expected a value in [0, 1), got 1");
  NNT_CHECK_INVALID(nnt::gradient_descent(q, x0, 0.1, {.stop = {.max_iterations = -1}}),
                    "stop.max_iterations: expected at least 0, got -1");
  NNT_CHECK_INVALID(nnt::gradient_descent(q, x0, 0.1, {.record_every = 0}),
                    "record_every: expected at least 1, got 0");
  Eigen::VectorXd bad = x0;
  bad(2) = std::nan("");
  NNT_CHECK_INVALID(nnt::lbfgs(q, bad), "theta0: expected finite entries, got nan at index 2");
  NNT_CHECK_INVALID(nnt::adam(q, x0, 0.1, {.beta1 = 1.0}),
                    "beta1: expected a value in [0, 0.999999999999], got 1");
  nnt::mlp<double> net({2, 3, 1}, nnt::activation::tanh(),
                       {.param = nnt::parameterization::standard});
  nnt::mlp_objective f(net, nnt::mse_loss{}, Eigen::MatrixXd::Zero(2, 5),
                       Eigen::MatrixXd::Zero(1, 5));
  NNT_CHECK_INVALID(nnt::sgd(f, net.parameters(), 0.1, {.batch_size = 0}),
                    "batch_size: expected a value in [1, 5] (f.examples()), got 0");
  NNT_CHECK_INVALID(
      nnt::sgd(f, net.parameters(), 0.1, {.sampling = nnt::minibatch_sampling::with_replacement}),
      "stop.max_iterations: expected a step budget for with_replacement sampling, got the "
      "unbounded default");
  NNT_CHECK_INVALID(nnt::sgd(f, net.parameters(), 0.1,
                             {.batch_size = 2, .epochs = std::numeric_limits<nnt::Index>::max()}),
                    "epochs: expected a size below 2^63, got 9223372036854775807 × 3");
}
