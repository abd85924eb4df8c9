// COURSE.md N4: under gradient descent on ½‖f − y‖² the infinite-width network's mean prediction
// is f_t(X*) = Θ(X*, X) Θ⁻¹ (I − (I − ηΘ)^t) Y (kernels/regression.hpp, f₀ = 0), and a finite
// network trained by plain GD tracks it better as the width grows. The finite net is centred —
// trained on Y + f₀(X) and read as f_t − f₀ — so its initial function does not enter (a standard
// device; the NTK-GP covariance describes that part). Learning rates must satisfy η < 2/λ_max(Θ):
// at 1.8/λ_max training converges, at 2.2/λ_max the infinite model and the finite net diverge.
// Net: ReLU, 2 hidden layers, NTK parameterisation, C_w = 2, C_b = 0.1.
#include <nnt/dynamics/optimizers.hpp>
#include <nnt/kernels/empirical.hpp>
#include <nnt/kernels/nngp_ntk.hpp>
#include <nnt/kernels/regression.hpp>
#include <nnt/mlp/objective.hpp>

#include <Eigen/Eigenvalues>

#include <algorithm>

#include "common/reproduce.hpp"

using nnt_examples::tol;

namespace {

struct training_run {
  Eigen::MatrixXd prediction;  // f_T(X*) − f_0(X*)
  nnt::optimization_result<double> result;
};

training_run train(nnt::Index width, std::uint64_t seed, const Eigen::MatrixXd& X, const Eigen::MatrixXd& Xs,
                   const Eigen::MatrixXd& Y, double eta, nnt::Index steps) {
  nnt::mlp<double> net({X.rows(), width, width, 1}, nnt::activation::relu(), {nnt::parameterization::ntk, 2.0, 0.1, true});
  net.initialize(seed);
  const Eigen::MatrixXd f0_train = net.forward(X), f0_test = net.forward(Xs);
  nnt::mlp_objective objective(net, nnt::mse_loss{nnt::reduction::sum}, X, Eigen::MatrixXd(Y + f0_train));
  nnt::optimizer_options o;
  o.max_iterations = steps;
  o.record_every = 1;
  o.divergence_bound = 1e8;
  training_run run;
  run.result = nnt::gradient_descent(objective, net.parameters(), nnt::constant_schedule{eta}, o);
  net.set_parameters(run.result.theta);
  run.prediction = net.forward(Xs) - f0_test;
  return run;
}

}  // namespace

int main(int argc, char** argv) {
  const auto opt = nnt_examples::parse_options(argc, argv, "wide nets follow the linearised (NTK) dynamics (N4)");
  nnt_examples::claims claims("linearized_training");
  const nnt::Index d = 4, N = 8, M = 4;
  nnt::random_generator rng(9);
  Eigen::MatrixXd X(d, N), Xs(d, M), Y(1, N);
  rng.fill_normal(X);
  rng.fill_normal(Xs);
  X.colwise().normalize();
  Xs.colwise().normalize();
  X *= 2.0;
  Xs *= 2.0;
  for (nnt::Index i = 0; i < N; ++i) Y(0, i) = std::sin(X.col(i).sum());

  nnt::mlp<double> shape({d, 1, 1, 1}, nnt::activation::relu(), {nnt::parameterization::ntk, 2.0, 0.1, true});
  const auto kernel = nnt::kernel_of(shape);
  const auto train_gram = nnt::kernel_gram(kernel, X), cross = nnt::kernel_gram(kernel, X, Xs);
  const double lambda_max = Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd>(train_gram.ntk).eigenvalues()(N - 1);
  const double eta = 1.0 / lambda_max;
  const nnt::Index steps = 300;
  const auto infinite = nnt::infinite_width_training(train_gram.ntk, cross.ntk, Y, eta, double(steps),
                                                     nnt::training_mode::gradient_descent);

  const int seeds = opt.full ? 8 : 4;
  std::vector<double> widths, errors;
  for (nnt::Index n : {64, 256, 1024, 4096}) {
    if (n == 4096 && !opt.full) continue;
    double err = 0;
    for (int s = 0; s < seeds; ++s) {
      const auto run = train(n, 40 + std::uint64_t(s), X, Xs, Y, eta, steps);
      err += (run.prediction - infinite.mean).cwiseAbs().maxCoeff() / infinite.mean.cwiseAbs().maxCoeff() / seeds;
    }
    widths.push_back(double(n));
    errors.push_back(err);
    claims.report("relative-prediction-gap-width-" + std::to_string(n), err, "max |f_net - f_inf| / max |f_inf| on test points");
  }
  claims.check("N4-gap-shrinks-like-width^-1/2", -0.5, nnt_examples::loglog_slope(widths, errors), tol::abs, 0.25);

  // Learning-rate threshold 2/λ_max, for the infinite model and for a finite net (its own Θ).
  const auto below = nnt::infinite_width_training(train_gram.ntk, cross.ntk, Y, 1.8 / lambda_max, 200.0,
                                                  nnt::training_mode::gradient_descent);
  const auto above = nnt::infinite_width_training(train_gram.ntk, cross.ntk, Y, 2.2 / lambda_max, 200.0,
                                                  nnt::training_mode::gradient_descent);
  claims.check_that("N4-infinite-eta=1.8/lambda_max-converges", "ok", std::string(to_string(below.status)),
                    below.status == nnt::status::ok);
  claims.check_that("N4-infinite-eta=2.2/lambda_max-diverges", "diverged", std::string(to_string(above.status)),
                    above.status == nnt::status::diverged);
  nnt::mlp<double> probe({d, 1024, 1024, 1}, nnt::activation::relu(), {nnt::parameterization::ntk, 2.0, 0.1, true});
  probe.initialize(77);
  const double lambda_emp =
      Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd>(nnt::empirical_ntk(probe, X)).eigenvalues()(N - 1);
  const auto slow = train(1024, 77, X, Xs, Y, 1.8 / lambda_emp, 400);
  const auto catapult = train(1024, 77, X, Xs, Y, 3.0 / lambda_emp, 400);
  const auto fast = train(1024, 77, X, Xs, Y, 16.0 / lambda_emp, 400);
  claims.check_that("N4-finite-eta=1.8/lambda_max-converges", "final loss < 1e-6 x initial",
                    nnt_examples::format_number(slow.result.loss.back() / slow.result.loss.front()),
                    slow.result.loss.back() < 1e-6 * slow.result.loss.front());
  claims.check_that("N4-finite-eta=16/lambda_max-diverges", "diverged", std::string(to_string(fast.result.state)),
                    fast.result.state == nnt::status::diverged);
  // Between 2/λ_max and ~6/λ_max the finite net does not diverge although its linearisation does:
  // the loss spikes and the NTK shrinks until η λ_max < 2 (the catapult phase, D2).
  const double spike = *std::max_element(catapult.result.loss.begin(), catapult.result.loss.end()) / catapult.result.loss.front();
  claims.report("finite-eta=3/lambda_max-loss-spike", spike, "max loss / initial loss: catapult, not divergence (linear model diverges)");
  claims.report("finite-eta=3/lambda_max-final-loss-ratio", catapult.result.loss.back() / catapult.result.loss.front(),
                "final / initial loss after 400 steps");

  nnt_examples::write_plot(opt, "linearized_gap", {"width n", "relative gap to the infinite-width prediction"}, {widths, errors},
                           {.title = "N4: GD-trained nets vs. the NTK prediction", .xlabel = "width n", .ylabel = "relative gap",
                            .logx = true, .logy = true, .extra = "set style data linespoints\n"});
  return claims.exit_code();
}
