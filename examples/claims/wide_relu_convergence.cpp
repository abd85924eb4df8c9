// COURSE.md N5 (Du et al. 2019): a wide two-layer ReLU net u(x) = m^{−1/2} Σ_r a_r relu(w_rᵀx),
// first layer trained by GD with a small rate (≈ gradient flow, t = η·steps) on ½‖u − y‖², fits 20
// unit inputs in R^10 with ‖y − u(t)‖² ≤ e^{−λ₀t}‖y − u(0)‖², λ₀ = λ_min(H^∞) (checked against
// H^∞ built here); as m grows the late decay rate of the loss tends to 2λ₀ (the slowest mode of
// du/dt = −H^∞(u − y)), and ‖W(T) − W(0)‖_F/‖W(0)‖_F falls like 1/√m.
#include <nnt/core/random.hpp>
#include <nnt/experiments/two_layer_relu_gd.hpp>

#include "common/reproduce.hpp"

using nnt_examples::tol;

int main(int argc, char** argv) {
  const auto opt =
      nnt_examples::parse_options(argc, argv, "linear convergence of wide two-layer nets (N5)");
  nnt_examples::claims claims("wide_relu_convergence");
  nnt::random_generator rng(opt.seed_for(4));
  Eigen::MatrixXd X(10, 20);
  rng.fill_normal(X);
  X.colwise().normalize();
  Eigen::VectorXd y(20);
  rng.fill_normal(y);

  // λ₀ by hand: H^∞_ij = x_iᵀx_j (π − θ_ij)/(2π), θ = 2 asin(‖x_i − x_j‖/2) for unit inputs
  // (acos of x_iᵀx_j ≈ 1 would lose half the digits near the diagonal).
  Eigen::MatrixXd Hinf(20, 20);
  for (int i = 0; i < 20; ++i)
    for (int j = 0; j < 20; ++j)
      Hinf(i, j) = X.col(i).dot(X.col(j)) *
                   (M_PI - 2 * std::asin((X.col(i) - X.col(j)).norm() / 2)) / (2 * M_PI);
  const Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> eig(Hinf);
  const double lambda0 = eig.eigenvalues()(0);
  // At width m, λ_min(H(0)) = λ₀ + v₀ᵀ(H(0) − H^∞)v₀ + O(1/m), a mean of m i.i.d. terms
  // q(w) = ‖Σ_i v_i x_i 1{wᵀx_i > 0}‖²: its SD, by Monte Carlo over 4000 w ~ N(0, I).
  Eigen::MatrixXd Wmc(10, 4000);
  rng.fill_normal(Wmc);
  const Eigen::ArrayXd q = (X * ((X.transpose() * Wmc).array() > 0)
                                    .cast<double>()
                                    .matrix()
                                    .cwiseProduct(eig.eigenvectors().col(0).replicate(1, 4000)))
                               .colwise()
                               .squaredNorm();
  const double sd_q = std::sqrt((q - q.mean()).square().mean());
  std::vector<double> widths, change;
  nnt::two_layer_relu_result widest;
  Eigen::setNbThreads(1);  // small GEMMs: Eigen's threads only spin on a loaded machine
  for (nnt::Index m : {100, 400, 1600, 6400}) {
    nnt::two_layer_relu_options o;
    o.width = m;
    o.eta = 0.05;
    o.steps = 4000;
    o.record_every = 50;
    o.seed = opt.seed_for(1);
    const auto r = nnt::two_layer_relu_training(X, y, o);
    double worst = 0;  // t > 0: at t = 0 the bound is an identity
    for (std::size_t i = 1; i < r.t.size(); ++i)
      worst = nnt_examples::nan_max(worst, r.loss[i] / r.bound[i]);
    const std::string tag = "m=" + std::to_string(m);
    // "Wide enough": on some seeds m = 100 breaks the bound, m = 400 the rate; m ≥ 1600 claimed.
    if (m < 1600) claims.report("max-loss/bound-" + tag, worst, "not wide enough to be claimed");
    if (m >= 1600) claims.check_at_most("N5-loss-below-exp(-lambda0 t)L(0)-" + tag, 1.0, worst);
    // Late decay of ‖y − u‖² (steps 2000..4000): the slowest mode, per GD step (1 − ηλ)², i.e.
    // rate −2 log(1 − ηλ₀)/η.
    const std::size_t k = r.t.size() / 2;
    const double rate = std::log(r.loss[k] / r.loss.back()) / (r.t.back() - r.t[k]);
    // The bound in rate form: late rate ≥ λ₀ (λ₀ itself checked below). First-order perturbation
    // (SD of the width-m shift of λ_min, 3·2·sd_q/√m) does not cover the measured deficit below
    // 2λ₀ (second-order, downward): the approach to 2λ₀ is reported, not claimed.
    if (m >= 1600)
      claims.check_that("N5-late-loss-decay-rate>=lambda0-" + tag,
                        ">= " + nnt_examples::format_number(lambda0),
                        nnt_examples::format_number(rate), rate >= lambda0);
    claims.report("late-rate/(GD 2 lambda0)-" + tag,
                  rate * o.eta / (-2 * std::log(1 - o.eta * lambda0)),
                  "-> 1 as m grows; first-order SD " +
                      nnt_examples::format_number(2 * sd_q / std::sqrt(double(m)) / (2 * lambda0)));
    claims.report("max-neuron-move-" + tag, r.max_neuron_move,
                  "max_r |w_r(T) - w_r(0)| (O(1/sqrt m))");
    widths.push_back(double(m));
    change.push_back(r.relative_weight_change);
    widest = r;
  }
  claims.check("N5-lambda0=lambda_min(H^inf)-by-hand", lambda0, widest.lambda0, tol::rel,
               1e-10);  // two dense eigensolvers of a 20 × 20 PD matrix: ε·κ(H^∞) ≈ 1e-14
  // 0.15: not an SE (one seed): the O(m^{-1/2}) correction to ‖ΔW‖ at m = 100 moves it ~0.1.
  claims.check("N5-relative-weight-change-slope", -0.5, nnt_examples::loglog_slope(widths, change),
               tol::abs, 0.15);
  nnt_examples::write_plot(opt, "loss_vs_bound",
                           {"t", "|y - u(t)|^2 (m = 6400)", "exp(-lambda0 t) |y - u(0)|^2"},
                           {widest.t, widest.loss, widest.bound},
                           {"N5: loss of the widest net under the Du et al. bound", "t", "", false,
                            true, "set style data lines\n"});
  nnt_examples::write_plot(opt, "weight_change", {"width m", "|W(T) - W(0)|_F / |W(0)|_F"},
                           {widths, change},
                           {.title = "N5: relative weight change ~ 1/sqrt(m)",
                            .xlabel = "m",
                            .ylabel = "",
                            .logx = true,
                            .logy = true,
                            .extra = "set style data linespoints\n"});
  return claims.exit_code();
}
