// Adversarial cases for nnt/dynamics: steppers and integrate functions fed bad times, steps and
// states, systems that blow up or answer with the wrong size, times where t + h == t; schedules
// and learning rates out of range; every optimizer's options at and past their limits, θ₀ and
// objectives that are not finite or answer with the wrong gradient size; linear_flow's domain.
#include <nnt/dynamics/flows.hpp>
#include <nnt/dynamics/integrate.hpp>
#include <nnt/dynamics/optimizers.hpp>

#include <limits>
#include <span>

#include "adversarial.hpp"

using namespace nnt_adversarial;
using Eigen::MatrixXd;
using Eigen::VectorXd;

namespace {
// dx/dt = −x.
auto decay = [](const VectorXd& x, VectorXd& dxdt, double) { dxdt = -x; };
// dx/dt = x²: blows up at t = 1/x₀.
auto blowup = [](const VectorXd& x, VectorXd& dxdt, double) { dxdt = x.cwiseAbs2(); };
// Answers with one entry too few.
auto short_answer = [](const VectorXd& x, VectorXd& dxdt, double) { dxdt = -x.head(x.size() - 1); };
// NaN once x leaves [−2, 2].
auto nan_outside = [](const VectorXd& x, VectorXd& dxdt, double) {
  dxdt = VectorXd::Constant(x.size(), x.cwiseAbs().maxCoeff() > 2 ? NaN : 1.0);
};

// ½‖θ‖², with knobs for hostile behaviour.
struct bowl {
  enum class mode { fine, nan_loss, inf_loss, short_gradient, nan_far } how = mode::fine;
  double value(const VectorXd& theta) {
    VectorXd g;
    return value_and_gradient(theta, g);
  }
  double value_and_gradient(const VectorXd& theta, VectorXd& g) {
    g = theta;
    if (how == mode::short_gradient) g = theta.head(theta.size() - 1);
    if (how == mode::nan_loss) return NaN;
    if (how == mode::inf_loss) return Inf;
    if (how == mode::nan_far && theta.norm() > 3) return NaN;
    return 0.5 * theta.squaredNorm();
  }
  nnt::Index examples() const { return 4; }
  double value_and_gradient(const VectorXd& theta, VectorXd& g, std::span<const nnt::Index>) {
    return value_and_gradient(theta, g);
  }
};
}  // namespace

TEST_CASE("adversarial dynamics: integrate_const refuses bad states, steps and times",
          "[adversarial]") {
  nnt::rk4_stepper<double> rk4;
  VectorXd x = VectorXd::Ones(3), empty(0), xnan = x;
  xnan(1) = NaN;
  NNT_REFUSES(nnt::integrate_const(rk4, decay, empty, 0.0, 1.0, 0.1), "x.size()");
  NNT_REFUSES(nnt::integrate_const(rk4, decay, xnan, 0.0, 1.0, 0.1), "x");
  NNT_REFUSES(nnt::integrate_const(rk4, decay, x, 0.0, 1.0, 0.0), "dt");
  NNT_REFUSES(nnt::integrate_const(rk4, decay, x, 0.0, 1.0, -0.1), "dt");
  NNT_REFUSES(nnt::integrate_const(rk4, decay, x, 0.0, 1.0, NaN), "dt");
  NNT_REFUSES(nnt::integrate_const(rk4, decay, x, 0.0, 1.0, Inf), "dt");
  NNT_REFUSES(nnt::integrate_const(rk4, decay, x, NaN, 1.0, 0.1), "t0");
  NNT_REFUSES(nnt::integrate_const(rk4, decay, x, 0.0, Inf, 0.1), "t1");
  NNT_REFUSES(nnt::integrate_const(rk4, decay, x, 1.0, 0.0, 0.1), "t1");
  NNT_REFUSES(
      nnt::integrate_const(rk4, decay, x, 0.0, 1.0, 0.1, nnt::no_observer{}, {.max_steps = 0}),
      "options.max_steps");
  // A system that fills dxdt with the wrong size is refused, for every stepper.
  nnt::euler_stepper<double> euler;
  nnt::heun_stepper<double> heun;
  NNT_REFUSES(nnt::integrate_const(euler, short_answer, x, 0.0, 1.0, 0.1), "f");
  NNT_REFUSES(nnt::integrate_const(heun, short_answer, x, 0.0, 1.0, 0.1), "f");
  NNT_REFUSES(nnt::integrate_const(rk4, short_answer, x, 0.0, 1.0, 0.1), "f");
  nnt::dormand_prince_stepper<double> dp;
  NNT_REFUSES(nnt::integrate_times(dp, short_answer, x, {0.0, 1.0}, 0.1), "f");
}

TEST_CASE("adversarial dynamics: integrations end with a status instead of hanging or NaN",
          "[adversarial]") {
  nnt::rk4_stepper<double> rk4;
  nnt::dormand_prince_stepper<double> dp;
  auto run_const = [&](auto system, double t0, double t1, double dt, nnt::Index budget) {
    VectorXd x = VectorXd::Constant(2, 0.5);
    return nnt::integrate_const(rk4, system, x, t0, t1, dt, nnt::no_observer{},
                                {.max_steps = budget});
  };
  auto run_times = [&](auto system, std::vector<double> times, double dt, nnt::Index budget) {
    VectorXd x = VectorXd::Constant(2, 0.5);
    return nnt::integrate_times(dp, system, x, times, dt, nnt::no_observer{},
                                {.max_steps = budget});
  };
  // t + h == t at t = 1e17 with h = 1: stalled, not an infinite loop.
  NNT_NOT_OK(run_const(decay, 1e17, 1e17 + 1e3, 1.0, 1000000));
  CHECK(run_const(decay, 1e17, 1e17 + 1e3, 1.0, 1000000).stop_reason ==
        nnt::stop_reason::no_progress);
  NNT_NOT_OK(run_times(decay, {1e17, 1e17 + 1e3}, 1.0, 1000000));
  {
    nnt::euler_stepper<double> euler;
    VectorXd x = VectorXd::Ones(2);
    NNT_NOT_OK(nnt::integrate_times(euler, decay, x, {1e17, 1e17 + 1e3}, 1.0));
  }
  // Budgets: far more steps than allowed.
  NNT_NOT_OK(run_const(decay, 0.0, 1e6, 1e-3, 1000));
  CHECK(run_const(decay, 0.0, 1e6, 1e-3, 1000).stop_reason == nnt::stop_reason::iteration_limit);
  NNT_NOT_OK(run_times(decay, {0.0, 1e6}, 1e-3, 10));
  // Blow-up: x′ = x² from 0.5 explodes at t = 2.
  NNT_NOT_OK(run_const(blowup, 0.0, 10.0, 0.25, 1000000));
  NNT_NOT_OK(run_times(blowup, {0.0, 10.0}, 0.1, 1000000));
  CHECK(run_times(blowup, {0.0, 10.0}, 0.1, 1000000).status == nnt::status::diverged);
  // A system that turns NaN outside a box.
  NNT_NOT_OK(run_const(nan_outside, 0.0, 10.0, 0.1, 1000000));
  NNT_NOT_OK(run_times(nan_outside, {0.0, 10.0}, 0.1, 1000000));
}

TEST_CASE("adversarial dynamics: integrate_times and the adaptive stepper refuse bad input",
          "[adversarial]") {
  nnt::dormand_prince_stepper<double> dp;
  VectorXd x = VectorXd::Ones(2);
  NNT_REFUSES(nnt::integrate_times(dp, decay, x, {}, 0.1), "times.size()");
  NNT_REFUSES(nnt::integrate_times(dp, decay, x, {0.0, NaN}, 0.1), "times");
  NNT_REFUSES(nnt::integrate_times(dp, decay, x, {0.0, -Inf}, 0.1), "times");
  NNT_REFUSES(nnt::integrate_times(dp, decay, x, {1.0, 0.0}, 0.1), "times");
  NNT_REFUSES(nnt::integrate_times(dp, decay, x, {0.0, 1.0}, -1.0), "dt");
  NNT_REFUSES(
      nnt::integrate_times(dp, decay, x, {0.0, 1.0}, 0.1, nnt::no_observer{}, {.max_steps = -3}),
      "options.max_steps");
  NNT_REFUSES(nnt::dormand_prince_stepper<double>(-1e-8, 1e-8), "absolute_tolerance");
  NNT_REFUSES(nnt::dormand_prince_stepper<double>(1e-8, NaN), "relative_tolerance");
  NNT_REFUSES(nnt::dormand_prince_stepper<double>(Inf, 1e-8), "absolute_tolerance");
  NNT_REFUSES(nnt::dormand_prince_stepper<double>(0.0, 0.0), "absolute_tolerance");
  VectorXd out;
  NNT_REFUSES(dp.interpolate(x, 0.5, out), "interpolate");  // no accepted step yet
}

TEST_CASE("adversarial dynamics: schedules and learning rates out of range", "[adversarial]") {
  NNT_REFUSES(nnt::learning_rate(0.0), "learning rate");
  NNT_REFUSES(nnt::learning_rate(-0.1), "learning rate");
  NNT_REFUSES(nnt::learning_rate(NaN), "learning rate");
  NNT_REFUSES(nnt::learning_rate(Inf), "learning rate");
  NNT_REFUSES(nnt::learning_rate(nnt::step_schedule{0.1, 0.5, 0}), "step_schedule.every");
  NNT_REFUSES(nnt::learning_rate(nnt::step_schedule{0.1, 0.5, -2}), "step_schedule.every");
  NNT_REFUSES(nnt::learning_rate(nnt::step_schedule{0.1, 0.0, 10}), "step_schedule.factor");
  NNT_REFUSES(nnt::learning_rate(nnt::step_schedule{NaN, 0.5, 10}), "learning rate");
  NNT_REFUSES(nnt::learning_rate(nnt::cosine_schedule{0.1, 0.0, 10}), "cosine_schedule.eta_min");
  NNT_REFUSES(nnt::learning_rate(nnt::cosine_schedule{0.1, 1e-3, 0}), "cosine_schedule.total");
  NNT_REFUSES(nnt::learning_rate(nnt::cosine_schedule{-1.0, 1e-3, 10}), "learning rate");
  NNT_REFUSES(nnt::learning_rate(nnt::warmup_schedule<nnt::constant_schedule>{{0.1}, -1}),
              "warmup_schedule.steps");
  NNT_REFUSES(nnt::learning_rate(nnt::constant_schedule{0.0}), "learning rate");
  // A schedule that goes bad later is refused when that rate is drawn, naming the step.
  const nnt::learning_rate late([](nnt::Index t) { return t < 5 ? 0.1 : NaN; });
  NNT_REFUSES(late(5), "learning rate");
  // factor^⌊t/every⌋ underflows to 0 after enough stages: refused when drawn, never a 0 step.
  const nnt::learning_rate vanishing(nnt::step_schedule{0.1, 1e-10, 1});
  NNT_REFUSES(vanishing(40), "learning rate");
  bowl f;
  NNT_REFUSES(nnt::gradient_descent(f, VectorXd::Ones(2), late, {.stop = {.max_iterations = 10}}),
              "learning rate");
}

TEST_CASE("adversarial dynamics: optimizer options at and past their limits", "[adversarial]") {
  bowl f;
  const VectorXd theta0 = VectorXd::Ones(3);
  using nnt::optimizer_stopping;
  NNT_REFUSES(nnt::gradient_descent(f, theta0, 0.1, {.stop = {.max_iterations = -1}}),
              "stop.max_iterations");
  NNT_REFUSES(nnt::gradient_descent(f, theta0, 0.1, {.stop = {.gradient_tolerance = -1}}),
              "stop.gradient_tolerance");
  NNT_REFUSES(nnt::gradient_descent(f, theta0, 0.1, {.stop = {.gradient_tolerance = NaN}}),
              "stop.gradient_tolerance");
  NNT_REFUSES(nnt::gradient_descent(f, theta0, 0.1, {.stop = {.loss_tolerance = NaN}}),
              "stop.loss_tolerance");
  NNT_REFUSES(nnt::gradient_descent(f, theta0, 0.1, {.stop = {.loss_tolerance = Inf}}),
              "stop.loss_tolerance");
  NNT_REFUSES(nnt::gradient_descent(f, theta0, 0.1, {.stop = {.divergence_bound = 0}}),
              "stop.divergence_bound");
  NNT_REFUSES(nnt::gradient_descent(f, theta0, 0.1, {.stop = {.divergence_bound = NaN}}),
              "stop.divergence_bound");
  NNT_REFUSES(nnt::gradient_descent(f, theta0, 0.1, {.record_every = 0}), "record_every");
  NNT_REFUSES(nnt::momentum(f, theta0, 0.1, {.mu = 1.0}), "mu");
  NNT_REFUSES(nnt::momentum(f, theta0, 0.1, {.mu = -0.1}), "mu");
  NNT_REFUSES(nnt::momentum(f, theta0, 0.1, {.mu = NaN}), "mu");
  NNT_REFUSES(nnt::adam(f, theta0, 0.1, {.beta1 = 1.0}), "beta1");
  NNT_REFUSES(nnt::adam(f, theta0, 0.1, {.beta1 = -0.5}), "beta1");
  NNT_REFUSES(nnt::adam(f, theta0, 0.1, {.beta2 = NaN}), "beta2");
  NNT_REFUSES(nnt::adam(f, theta0, 0.1, {.epsilon = 0}), "epsilon");
  NNT_REFUSES(nnt::adam(f, theta0, 0.1, {.epsilon = Inf}), "epsilon");
  NNT_REFUSES(nnt::lbfgs(f, theta0, {.memory = 0}), "memory");
  NNT_REFUSES(nnt::lbfgs(f, theta0, {.armijo = 0.0}), "armijo");
  NNT_REFUSES(nnt::lbfgs(f, theta0, {.armijo = 0.7}), "armijo");
  NNT_REFUSES(nnt::lbfgs(f, theta0, {.backtrack = 1.0}), "backtrack");
  NNT_REFUSES(nnt::lbfgs(f, theta0, {.backtrack = NaN}), "backtrack");
  NNT_REFUSES(nnt::lbfgs(f, theta0, {.max_line_search = 0}), "max_line_search");
  NNT_REFUSES(nnt::sgd(f, theta0, 0.1, {.batch_size = 0}), "batch_size");
  NNT_REFUSES(nnt::sgd(f, theta0, 0.1, {.batch_size = 5}), "batch_size");  // > f.examples() = 4
  NNT_REFUSES(nnt::sgd(f, theta0, 0.1, {.batch_size = 2, .epochs = 0}), "epochs");
  NNT_REFUSES(nnt::sgd(f, theta0, 0.1, {.batch_size = 2, .momentum = 1.0}), "momentum");
  NNT_REFUSES(nnt::sgd(f, theta0, 0.1,
                       {.batch_size = 2, .sampling = nnt::minibatch_sampling::with_replacement}),
              "stop.max_iterations");
  NNT_REFUSES(nnt::sgd(f, theta0, 0.1,
                       {.batch_size = nnt::Index(1) << 41,
                        .sampling = nnt::minibatch_sampling::with_replacement,
                        .stop = {.max_iterations = 3}}),
              "batch_size");
  // epochs × batches per epoch would overflow the step counter.
  NNT_REFUSES(nnt::sgd(f, theta0, 0.1,
                       {.batch_size = 1, .epochs = std::numeric_limits<nnt::Index>::max() / 2}),
              "epochs");
}

TEST_CASE("adversarial dynamics: optimizers refuse bad θ₀ and objectives, report divergence",
          "[adversarial]") {
  const VectorXd theta0 = VectorXd::Ones(3);
  VectorXd theta_nan = theta0;
  theta_nan(2) = NaN;
  bowl fine, nan_loss{bowl::mode::nan_loss}, inf_loss{bowl::mode::inf_loss},
      short_gradient{bowl::mode::short_gradient}, nan_far{bowl::mode::nan_far};
  NNT_REFUSES(nnt::gradient_descent(fine, VectorXd(0), 0.1), "theta0.size()");
  NNT_REFUSES(nnt::gradient_descent(fine, theta_nan, 0.1), "theta0");
  NNT_REFUSES(nnt::momentum(fine, theta_nan, 0.1), "theta0");
  NNT_REFUSES(nnt::adam(fine, theta_nan, 0.1), "theta0");
  NNT_REFUSES(nnt::lbfgs(fine, theta_nan), "theta0");
  NNT_REFUSES(nnt::sgd(fine, theta_nan, 0.1, {.batch_size = 2}), "theta0");
  // An objective answering with the wrong gradient size is refused, not read past its end.
  NNT_REFUSES(nnt::gradient_descent(short_gradient, theta0, 0.1), "f");
  NNT_REFUSES(nnt::momentum(short_gradient, theta0, 0.1, {.nesterov = true}), "f");
  NNT_REFUSES(nnt::adam(short_gradient, theta0, 0.1), "f");
  NNT_REFUSES(nnt::lbfgs(short_gradient, theta0), "f");
  NNT_REFUSES(nnt::sgd(short_gradient, theta0, 0.1, {.batch_size = 2}), "f");
  // Non-finite losses and blow-ups come back as diverged.
  NNT_NOT_OK(nnt::gradient_descent(nan_loss, theta0, 0.1));
  NNT_NOT_OK(nnt::gradient_descent(inf_loss, theta0, 0.1));
  NNT_NOT_OK(nnt::momentum(nan_loss, theta0, 0.1));
  NNT_NOT_OK(nnt::adam(inf_loss, theta0, 0.1));
  NNT_NOT_OK(nnt::lbfgs(nan_loss, theta0));
  NNT_NOT_OK(nnt::sgd(nan_loss, theta0, 0.1, {.batch_size = 2}));
  NNT_NOT_OK(nnt::gradient_descent(fine, theta0, 3.0));  // |1 − η| = 2 per step: diverges
  CHECK(nnt::gradient_descent(fine, theta0, 3.0).status == nnt::status::diverged);
  NNT_NOT_OK(nnt::momentum(fine, theta0, 5.0, {.mu = 0.5}));
  NNT_NOT_OK(nnt::sgd(fine, theta0, 3.0, {.batch_size = 1, .epochs = 1000}));
  NNT_NOT_OK(nnt::gradient_descent(nan_far, theta0, 3.0));  // NaN once ‖θ‖ > 3
  // SGD on a batch whose gradient is exactly zero (a zero example) keeps going: that batch proves
  // nothing about the others. Examples 0–3 of `zero_first` below: example 0 is the zero input.
  {
    struct one_zero_example : bowl {
      using bowl::value_and_gradient;
      double value_and_gradient(const VectorXd& theta, VectorXd& g, std::span<const nnt::Index> b) {
        g = b[0] == 0 ? VectorXd::Zero(theta.size()).eval() : theta;
        return b[0] == 0 ? 0.0 : 0.5 * theta.squaredNorm();
      }
    } zero_first;
    const auto r = nnt::sgd(zero_first, theta0, 0.1, {.batch_size = 1, .epochs = 3});
    CHECK(r.iterations == 12);
    CHECK(r.stop_reason == nnt::stop_reason::iteration_limit);
  }
  // A budget that runs out before a requested tolerance is not ok.
  NNT_NOT_OK(nnt::gradient_descent(fine, theta0, 1e-6,
                                   {.stop = {.max_iterations = 3, .gradient_tolerance = 1e-9}}));
  NNT_NOT_OK(
      nnt::lbfgs(fine, theta0, {.stop = {.max_iterations = 0, .gradient_tolerance = 1e-12}}));
}

TEST_CASE("adversarial dynamics: linear_flow's domain", "[adversarial]") {
  const MatrixXd H = MatrixXd::Identity(3, 3);
  const VectorXd star = VectorXd::Zero(3), theta0 = VectorXd::Ones(3);
  MatrixXd Hnan = H, Hasym = H;
  Hnan(0, 1) = Hnan(1, 0) = NaN;
  Hasym(0, 1) = 1;
  NNT_REFUSES(nnt::linear_flow<double>(MatrixXd::Identity(3, 2), VectorXd::Zero(3)), "H");
  NNT_REFUSES(nnt::linear_flow<double>(H, VectorXd::Zero(2)), "theta_star");
  NNT_REFUSES(nnt::linear_flow<double>(Hnan, star), "H");
  NNT_REFUSES(nnt::linear_flow<double>(Hasym, star), "H");
  NNT_REFUSES(nnt::linear_flow<double>(1e200 * Hasym, star), "H");  // ‖·‖ must not be inf ≤ inf
  VectorXd star_inf = star;
  star_inf(0) = Inf;
  NNT_REFUSES(nnt::linear_flow<double>(H, star_inf), "theta_star");
  const nnt::linear_flow<double> flow(H, star);
  NNT_REFUSES(flow.state_at(NaN, theta0), "t");
  NNT_REFUSES(flow.state_at(Inf, theta0), "t");
  NNT_REFUSES(flow.state_at(-1.0, theta0), "t");
  NNT_REFUSES(flow.state_at(1.0, VectorXd::Ones(4)), "theta0");
  VectorXd theta0_nan = theta0;
  theta0_nan(1) = NaN;
  NNT_REFUSES(flow.state_at(1.0, theta0_nan), "theta0");
  // A negative eigenvalue makes e^{−tλ} overflow at large t: status overflow, and at() throws.
  const nnt::linear_flow<double> unstable(-H, star);
  NNT_NOT_OK(unstable.state_at(1e6, theta0));
  CHECK_THROWS_AS(unstable.at(1e6, theta0), nnt::numerical_error);
}

TEST_CASE("adversarial dynamics: steppers called directly refuse bad times and sizes",
          "[adversarial]") {
  VectorXd x = VectorXd::Ones(3);
  auto check_fixed = [&](auto stepper) {
    INFO(decltype(stepper)::order);
    NNT_REFUSES(stepper.do_step(decay, x, 0.0, NaN), "dt");
    NNT_REFUSES(stepper.do_step(decay, x, NaN, 0.1), "t");
    NNT_REFUSES(stepper.do_step(decay, x, 0.0, Inf), "dt");
    auto short_f = [](const VectorXd&, VectorXd& dxdt, double) { dxdt = VectorXd::Zero(1); };
    NNT_REFUSES(stepper.do_step(short_f, x, 0.0, 0.1), "f");
    CHECK(x.allFinite());  // a refused step leaves x untouched
    stepper.do_step(decay, x, 0.0, 0.1);
    CHECK(x(0) < 1);
  };
  check_fixed(nnt::euler_stepper<double>{});
  check_fixed(nnt::heun_stepper<double>{});
  check_fixed(nnt::rk4_stepper<double>{});

  nnt::dormand_prince_stepper<double> dp;
  x = VectorXd::Ones(3);
  double t = 0, dt = NaN;
  NNT_REFUSES(dp.try_step(decay, x, t, dt), "dt");
  dt = 0;
  NNT_REFUSES(dp.try_step(decay, x, t, dt), "dt");
  t = Inf;
  dt = 0.1;
  NNT_REFUSES(dp.try_step(decay, x, t, dt), "t");
  t = 0;
  VectorXd out;
  NNT_REFUSES(dp.interpolate(x, 0.0, out), "interpolate");  // no accepted step yet
  REQUIRE(dp.try_step(decay, x, t, dt));
  CHECK(dp.accepted_steps() == 1);
  CHECK(dp.rejected_steps() == 0);
  CHECK(dp.evaluations() == 7);
  CHECK(dp.last_step_start() == 0);
  CHECK(dp.last_step_size() == 0.1);
  NNT_REFUSES(dp.interpolate(VectorXd::Ones(5), 0.05, out), "x_now");
  NNT_REFUSES(dp.interpolate(x, NaN, out), "t_query");
  dp.interpolate(x, 0.05, out);
  CHECK(std::abs(out(0) - std::exp(-0.05)) < 1e-8);
  // A system that blows up makes every stage non-finite: the step is rejected and shrunk hard.
  auto blow_up = [](const VectorXd& y, VectorXd& dydt, double) {
    dydt = VectorXd::Constant(y.size(), Inf);
  };
  dp.reset();
  double t2 = 0, dt2 = 0.1;
  VectorXd y = VectorXd::Ones(2);
  CHECK_FALSE(dp.try_step(blow_up, y, t2, dt2));
  CHECK(t2 == 0);
  CHECK(dt2 < 0.1);
  CHECK(y.allFinite());
  CHECK(nnt::learning_rate(0.1).is_constant());
  CHECK_FALSE(
      nnt::learning_rate(nnt::step_schedule{.eta0 = 0.1, .factor = 0.5, .every = 2}).is_constant());
}
