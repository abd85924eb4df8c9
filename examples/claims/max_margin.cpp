// COURSE.md D5: gradient descent on the logistic loss with linearly separable data diverges in norm
// while its direction converges to the hard-margin SVM direction, with angle gap O(1/log t).
// Soudry et al. (2018) sharpen it: w_t = ŵ log t + w̃ + o(1), where the support vectors' duals α_n
// (ŵ = Σ α_n z_n, z_n = y_n x_n) fix w̃ through (η/N) exp(−z_nᵀw̃) = α_n, so the angle is
// atan(|u⊥ᵀw̃| / (log t/γ + uᵀw̃)) → γ|u⊥ᵀw̃| / log t. Every data set is built with a known answer:
// two support vectors at margin γ on either side of a random direction u (so ŵ = u/γ exactly,
// not from a solver) and 38 points with margin ≥ 1.5γ, whose pull on w decays like t^{−½}.
// The library's dual SVM and the GD status are guards; the claims compare GD with the prediction
// over 5 data sets per run (--seed draws new ones).
#include <nnt/core/random.hpp>
#include <nnt/experiments/max_margin.hpp>

#include <Eigen/Dense>

#include "common/reproduce.hpp"

using nnt_examples::format_number;
using nnt_examples::nan_max;
using nnt_examples::tol;

int main(int argc, char** argv) {
  const auto opt = nnt_examples::parse_options(
      argc, argv, "logistic GD converges to the max-margin direction (D5)");
  nnt_examples::claims claims("max_margin");
  nnt::random_generator rng(opt.seed_for(3));
  const nnt::Index N = 40, steps = opt.full ? 10000000 : 1000000;
  const double gamma = 0.5, eta = 1.0;
  double svm_error = 0, rho_ratio = 0, angle_ratio = 0;
  std::vector<double> plot_t, plot_angle, plot_pred;
  for (int set = 0; set < 5; ++set) {
    const double phi = rng.uniform(0.0, 6.283185307179586);
    // dynamic sizes: GCC 12 -Warray-bounds misreads AVX-512 loads of fixed 2-vectors
    Eigen::VectorXd u(2), perp(2), z(2);
    u << std::cos(phi), std::sin(phi);
    perp << -u(1), u(0);
    Eigen::MatrixXd X(2, N), Z(2, N);
    Eigen::VectorXd y(N);
    Z.col(0) = gamma * u + rng.uniform(0.5, 2.0) * perp;
    Z.col(1) = gamma * u - rng.uniform(0.5, 2.0) * perp;
    for (nnt::Index n = 2; n < N;) {
      z << rng.uniform(-2.0, 2.0), rng.uniform(-2.0, 2.0);
      if (u.dot(z) >= 1.5 * gamma) Z.col(n++) = z;
    }
    for (nnt::Index n = 0; n < N; ++n) {
      y(n) = rng.uniform() < 0.5 ? -1.0 : 1.0;
      X.col(n) = y(n) * Z.col(n);
    }
    const auto r = nnt::logistic_gd_max_margin(X, y, eta, steps, 4);
    if (r.svm.status != nnt::status::ok || r.status != nnt::status::ok) {
      claims.check_that("D5-guard-svm-and-gd-status", "ok", std::string(to_string(r.status)),
                        false);
      return claims.exit_code();
    }
    const Eigen::VectorXd w_hat = u / gamma;
    svm_error = nan_max(svm_error, (r.svm.w - w_hat).norm() / w_hat.norm());
    // w̃ from the two support vectors: α = [z₁ z₂]⁻¹ŵ, z_nᵀw̃ = log(η/(N α_n))
    const Eigen::MatrixXd S = Z.leftCols(2);
    const Eigen::VectorXd alpha = S.partialPivLu().solve(w_hat);
    const Eigen::VectorXd ell = (eta / (N * alpha.array())).log();
    const Eigen::VectorXd w_tilde = S.transpose().partialPivLu().solve(ell);
    const double t_end = r.t.back(), log_end = std::log(t_end);
    auto predicted = [&](double t) {
      return std::atan2(std::abs(perp.dot(w_tilde)), std::log(t) / gamma + u.dot(w_tilde));
    };
    // Linearised about w̃ from t₀ = 1e4 (τ = log t): dρ/dτ = −H(ρ − w̃) + Σ_{non-SV} c_n e^{−p_nτ},
    // H = Σ α_n z_n z_nᵀ ⪰ I (Hŵ = ŵ; its other eigenvalue is Σα_n b_n² ≥ ‖ŵ‖²/4 = 1),
    // c_n = (η/N)e^{−z_nᵀw̃}z_n, p_n = z_nᵀŵ − 1 ≥ ½. Integrating, ‖ρ − w̃‖ ≤ e^{−(τ−τ₀)}‖ρ₀ − w̃‖
    // + Σ‖c_n‖e^{−pτ}min(1/|1 − p|, τ − τ₀) (e^{−(τ−τ₀)−pτ₀} for p > 1); ×2 for nonlinearity.
    const auto r0 = nnt::logistic_gd_max_margin(X, y, eta, 10000, 1);
    const double tau0 = std::log(1e4), start = (r0.w - w_hat * tau0 - w_tilde).norm();
    auto bound = [&](double t) {
      const double tau = std::log(t);
      double B = std::exp(tau0 - tau) * start;
      for (nnt::Index n = 2; n < N; ++n) {
        const double p = Z.col(n).dot(w_hat) - 1;
        const double decay = p < 1 ? std::exp(-p * tau) : std::exp(tau0 - tau - p * tau0);
        B += eta / N * std::exp(-Z.col(n).dot(w_tilde)) * Z.col(n).norm() * decay *
             std::min(1 / std::abs(1 - p), tau - tau0);
      }
      return 2 * B;
    };
    const Eigen::VectorXd rho = r.w - w_hat * log_end;
    rho_ratio = nan_max(rho_ratio, (rho - w_tilde).norm() / bound(t_end));
    for (std::size_t i = 0; i < r.t.size(); ++i)
      if (r.t[i] >= 1e5) {  // |Δangle| ≤ ‖ρ − w̃‖/(‖w_t‖ − ‖ρ − w̃‖)
        const double B = bound(r.t[i]);
        angle_ratio =
            nan_max(angle_ratio, std::abs(r.angle[i] - predicted(r.t[i])) * (r.norm[i] - B) / B);
      }
    claims.report("set" + std::to_string(set) + "-angle-times-log-t", r.angle.back() * log_end,
                  "predicted gamma|perp.w_tilde| " + format_number(predicted(t_end) * log_end) +
                      "; ||rho - w_tilde|| " + format_number((rho - w_tilde).norm()) +
                      " vs bound " + format_number(bound(t_end)));
    if (set == 0)
      for (std::size_t i = 0; i < r.t.size(); ++i) {
        plot_t.push_back(r.t[i]);
        plot_angle.push_back(r.angle[i]);
        plot_pred.push_back(predicted(r.t[i]));
      }
  }
  // the dual ascent stops at KKT residual 1e-12·max α; ×1e3 for the conditioning of ŵ(α)
  claims.check_at_most("D5-svm-solver-vs-constructed-max-margin-direction", 1e-9, svm_error);
  claims.check_at_most("D5-w_t-minus-what-log-t-to-w_tilde-max-ratio-to-bound", 1.0, rho_ratio);
  claims.check_at_most("D5-angle-matches-soudry-1/log-t-law-t>=1e5-max-ratio-to-bound", 1.0,
                       angle_ratio);
  nnt_examples::write_plot(opt, "angle", {"step t", "angle to SVM direction", "prediction"},
                           {plot_t, plot_angle, plot_pred},
                           {.title = "D5: logistic GD direction -> max-margin direction",
                            .xlabel = "t",
                            .ylabel = "angle (rad)",
                            .logx = true,
                            .logy = true,
                            .extra = "set style data linespoints\n"});
  return claims.exit_code();
}
