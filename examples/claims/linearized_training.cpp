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
#include <nnt/mlp/mlp_objective.hpp>

#include <Eigen/Eigenvalues>

#include <algorithm>

#include "common/reproduce.hpp"

using nnt_examples::tol;

int main(int argc, char** argv) {
  const auto opt = nnt_examples::parse_options(
      argc, argv, "wide nets follow the linearised (NTK) dynamics (N4)");
  nnt_examples::claims claims("linearized_training");
  const nnt::mlp_options init{2.0, 0.1, nnt::parameterization::ntk, true};
  const nnt::Index d = 4, N = 8, M = 4;
  nnt::random_generator rng(9);
  auto inputs = [&](nnt::Index count) {  // Gaussian directions on the sphere of radius 2
    Eigen::MatrixXd A(d, count);
    rng.fill_normal(A);
    return Eigen::MatrixXd(2.0 * A.colwise().normalized());
  };
  const Eigen::MatrixXd X = inputs(N), Xs = inputs(M), Y = X.colwise().sum().array().sin().matrix();

  struct training_run {
    Eigen::MatrixXd prediction;  // f_T(X*) − f_0(X*)
    nnt::optimization_result<double> result;
    double final_loss_ratio() const { return result.loss.back() / result.loss.front(); }
  };
  auto train = [&](nnt::Index width, std::uint64_t seed, double eta, nnt::Index steps) {
    nnt::mlp<double> net({d, width, width, 1}, nnt::activation::relu(), init);
    net.initialize(seed);
    const Eigen::MatrixXd f0_train = net.forward(X), f0_test = net.forward(Xs);
    nnt::mlp_objective objective(net, nnt::mse_loss{nnt::reduction::sum}, X,
                                 Eigen::MatrixXd(Y + f0_train));
    const auto result =
        nnt::gradient_descent(objective, net.parameters(), eta,
                              {.stop = {.max_iterations = steps, .divergence_bound = 1e8}});
    net.set_parameters(result.theta);
    return training_run{net.forward(Xs) - f0_test, result};
  };

  const auto kernel = nnt::kernel_of(nnt::mlp<double>({d, 1, 1, 1}, nnt::activation::relu(), init));
  const auto train_gram = nnt::kernel_gram(kernel, X), cross = nnt::kernel_gram(kernel, X, Xs);
  auto infinite = [&](double eta, double t) {
    return nnt::infinite_width_training(train_gram.ntk, cross.ntk, Y, eta, t,
                                        nnt::training_mode::gradient_descent);
  };
  using eigensolver = Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd>;
  const double lambda_max = eigensolver(train_gram.ntk).eigenvalues()(N - 1);
  const auto reference = infinite(1.0 / lambda_max, 300.0);

  const int seeds = opt.full ? 8 : 4;
  std::vector<double> widths, errors;
  for (nnt::Index n : {64, 256, 1024, 4096}) {
    if (n == 4096 && !opt.full) continue;
    double err = 0;
    for (int s = 0; s < seeds; ++s) {
      const auto run = train(n, 40 + std::uint64_t(s), 1.0 / lambda_max, 300);
      err += (run.prediction - reference.mean).cwiseAbs().maxCoeff() /
             reference.mean.cwiseAbs().maxCoeff() / seeds;
    }
    widths.push_back(double(n));
    errors.push_back(err);
    claims.report("relative-prediction-gap-width-" + std::to_string(n), err,
                  "max |f_net - f_inf| / max |f_inf| on test points");
  }
  claims.check("N4-gap-shrinks-like-width^-1/2", -0.5, nnt_examples::loglog_slope(widths, errors),
               tol::abs, 0.25);

  // Learning-rate threshold 2/λ_max, for the infinite model and for a finite net (its own Θ).
  auto check_status = [&](const std::string& id, nnt::status expected, nnt::status measured) {
    claims.check_that(id, std::string(to_string(expected)), std::string(to_string(measured)),
                      measured == expected);
  };
  check_status("N4-infinite-eta=1.8/lambda_max-converges", nnt::status::ok,
               infinite(1.8 / lambda_max, 200.0).status);
  check_status("N4-infinite-eta=2.2/lambda_max-diverges", nnt::status::diverged,
               infinite(2.2 / lambda_max, 200.0).status);
  nnt::mlp<double> probe({d, 1024, 1024, 1}, nnt::activation::relu(), init);
  probe.initialize(77);
  const double lambda_emp = eigensolver(nnt::empirical_ntk(probe, X)).eigenvalues()(N - 1);
  const auto slow = train(1024, 77, 1.8 / lambda_emp, 400);
  const auto catapult = train(1024, 77, 3.0 / lambda_emp, 400);
  const auto fast = train(1024, 77, 16.0 / lambda_emp, 400);
  claims.check_that("N4-finite-eta=1.8/lambda_max-converges", "final loss < 1e-6 x initial",
                    nnt_examples::format_number(slow.final_loss_ratio()),
                    slow.final_loss_ratio() < 1e-6);
  check_status("N4-finite-eta=16/lambda_max-diverges", nnt::status::diverged, fast.result.status);
  // Between 2/λ_max and ~6/λ_max the finite net does not diverge although its linearisation does:
  // the loss spikes and the NTK shrinks until η λ_max < 2 (the catapult phase, D2).
  claims.report("finite-eta=3/lambda_max-loss-spike",
                std::ranges::max(catapult.result.loss) / catapult.result.loss.front(),
                "max loss / initial loss: catapult, not divergence (linear model diverges)");
  claims.report("finite-eta=3/lambda_max-final-loss-ratio", catapult.final_loss_ratio(),
                "final / initial loss after 400 steps");

  nnt_examples::write_plot(opt, "linearized_gap",
                           {"width n", "relative gap to the infinite-width prediction"},
                           {widths, errors},
                           {.title = "N4: GD-trained nets vs. the NTK prediction",
                            .xlabel = "width n",
                            .ylabel = "relative gap",
                            .logx = true,
                            .logy = true,
                            .extra = "set style data linespoints\n"});
  return claims.exit_code();
}
