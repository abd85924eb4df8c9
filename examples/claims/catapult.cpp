// COURSE.md D2: the catapult phase (nnt/experiments/catapult.hpp). Two-layer ReLU net
// z = m^{-1/2} Σ vᵢ ReLU(uᵢᵀx/√d) on one example (d = 16, y = 1, ‖x‖² = d so c = 1/m) and its
// quadratic model (activation pattern frozen at initialisation), GD at η = (ηλ₀)/λ₀, m = 4096.
// The exact (z, λ) recursion reproduces every step of the quadratic model to rounding; the ReLU
// net leaves it as soon as a unit switches. The printed λ update is an erratum. Plots: loss and ηλ
// trajectories at ηλ₀ = 1.5 (lazy), 3 (catapult), 4.5. The phase diagrams over (ηλ₀, m) are in
// catapult_quadratic_phases and catapult_relu_phases.
#include <nnt/experiments/catapult.hpp>

#include <algorithm>
#include <cmath>

#include "common/plot_table.hpp"
#include "common/reproduce.hpp"

using namespace nnt_examples;
using model = nnt::catapult_model;

namespace {

constexpr nnt::Index input_dim = 16;
constexpr double target = 1.0;

struct recursion_error {
  double z = 0, lambda = 0, printed = 0;  // max one-step relative errors
  long first_switch = -1;                 // first step after which the active set changed
};

// Compares each recorded step with one step of COURSE.md's recursion (written out here, not the
// library's catapult_recursion_step) from the previous state.
recursion_error check_recursion(const nnt::catapult_problem<>& p, const nnt::catapult_run& run) {
  recursion_error e;
  for (std::size_t t = 0; t + 1 < run.z.size(); ++t) {
    if (e.first_switch < 0 && run.active[t + 1] != run.active0) e.first_switch = long(t);
    const nnt::catapult_state s{run.z[t], run.lambda[t]};
    const double r = s.z - p.y, eta = run.eta, c = p.c();
    const nnt::catapult_state next{p.y + r * (1 - eta * s.lambda + c * eta * eta * s.z * r),
                                   s.lambda + eta * c * r * (eta * s.lambda * r - 4 * s.z)};
    const double printed = s.lambda + eta * c * r * r * (eta * s.lambda - 4 / r);
    // size of the terms of the z update: rounding is relative to it, not to the (cancelling) result
    const double scale = std::abs(s.z) + std::abs(p.y) + run.eta * s.lambda * std::abs(r) +
                         p.c() * run.eta * run.eta * std::abs(s.z * r * r);
    e.z = nnt_examples::nan_max(e.z, std::abs(next.z - run.z[t + 1]) / scale);
    e.lambda =
        nnt_examples::nan_max(e.lambda, std::abs(next.lambda - run.lambda[t + 1]) / s.lambda);
    e.printed = nnt_examples::nan_max(e.printed, std::abs(printed - run.lambda[t + 1]) / s.lambda);
  }
  return e;
}

}  // namespace

int main(int argc, char** argv) {
  const auto opt = parse_options(argc, argv, "the catapult recursion of two-layer ReLU nets (D2)");
  nnt_examples::claims claims("catapult");

  // The recursion, on one run in the catapult phase.
  const auto p = nnt::random_catapult_problem(input_dim, 4096, target, opt.seed_for(1));
  nnt::catapult_options one{.eta = 3.0, .steps = 400};
  const auto quad = nnt::catapult_gd(p, model::quadratic, one);
  const auto eq = check_recursion(p, quad),
             er = check_recursion(p, nnt::catapult_gd(p, model::relu, one));
  // m = 4096 products per sum: rounding ≲ m·ε ≈ 5e-13 of the terms' size (typically √m·ε); λ is
  // a sum of positive terms, so the same bound holds relative to λ
  claims.check_at_most("D2-recursion-z-exact-on-quadratic-model", 1e-12, eq.z);
  claims.check_at_most("D2-recursion-lambda-exact-on-quadratic-model", 1e-12, eq.lambda);
  // the catapult read off the trajectory (not the library's phase label): the loss rises above
  // L(0), λ falls until ηλ < 2, then the loss decays (to the run's stop, L ≤ 1e-10·L(0))
  const double peak = *std::ranges::max_element(quad.loss) / quad.loss0,
               end_eta_lambda = quad.eta * quad.lambda.back(), end = quad.loss.back() / quad.loss0;
  claims.check_that(
      "D2-eta-lambda0=3:-loss-rises-then-eta-lambda<2-and-loss-decays",
      "max L/L(0) > 1, final eta lambda < 2, final L/L(0) <= 1e-10",
      format_number(peak) + ", " + format_number(end_eta_lambda) + ", " + format_number(end),
      peak > 1 && end_eta_lambda < 2 && end <= 1e-10);
  claims.report(
      "relu-first-unit-switch-step", double(er.first_switch),
      "step after which the ReLU net's active set first changed (eta lambda0 = 3; m = 4096)");
  claims.report("relu-recursion-z-error", er.z,
                "max one-step relative error of the recursion on the ReLU net (units switch)");
  claims.report("relu-recursion-lambda-error", er.lambda, "same for lambda");
  claims.erratum("D2", "lambda(t+1) = lambda + eta c (z-y)^2 [eta lambda - 4/(z-y)]",
                 "lambda(t+1) = lambda + eta c (z-y) [eta lambda (z-y) - 4 z]",
                 "printed update off by up to " + format_number(eq.printed) +
                     " of lambda per step (exact one: " + format_number(eq.lambda) + ")");

  // Trajectories at m = 4096.
  const std::pair<model, std::string> models[] = {{model::relu, "relu"},
                                                  {model::quadratic, "quadratic"}};
  std::vector<double> steps;
  for (int t = 0; t <= 80; ++t) steps.push_back(t);
  plot_table loss({}), eta_lambda({});
  loss.add_column("step", steps);
  eta_lambda.add_column("step", steps);
  one.steps = 80;
  one.converged_loss_ratio = 0;  // exactly 80 steps
  for (double el : {1.5, 3.0, 4.5})
    for (const auto& [m, name] : models) {
      one.eta = el;
      const auto run = nnt::catapult_gd(p, m, one);
      std::vector<double> l(81, std::nan("")), e(81, std::nan(""));
      for (std::size_t t = 0; t < run.loss.size(); ++t)
        l[t] = run.loss[t] / run.loss0, e[t] = run.eta * run.lambda[t];
      loss.add_column(name + " eta lambda0 = " + format_number(el), l);
      eta_lambda.add_column(name + " eta lambda0 = " + format_number(el), e);
    }
  loss.write(opt, "loss",
             {.title = "D2: loss / L(0), m = 4096",
              .xlabel = "step",
              .ylabel = "loss / L(0)",
              .logy = true,
              .extra = "set yrange [1e-12:1e8]\n"});
  eta_lambda.write(opt, "eta_lambda",
                   {.title = "D2: eta lambda(t), m = 4096",
                    .xlabel = "step",
                    .ylabel = "eta lambda",
                    .extra = "set yrange [0:6]\n"});
  return claims.exit_code();
}