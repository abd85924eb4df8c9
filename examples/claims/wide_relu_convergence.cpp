// COURSE.md N5 (Du et al. 2019): a wide two-layer ReLU net u(x) = m^{−1/2} Σ_r a_r relu(w_rᵀx),
// first layer trained by gradient descent with a small rate (≈ gradient flow, t = η·steps) on ½‖u −
// y‖², fits 20 unit-norm inputs in R^10 with ‖y − u(t)‖² ≤ e^{−λ₀t}‖y − u(0)‖², λ₀ = λ_min(H^∞) of
// the infinite-width Gram matrix, and its weights move less as it gets wider: the relative change
// ‖W(T) − W(0)‖_F/‖W(0)‖_F falls like 1/√m (fitted slope −½ ± 0.15).
#include <nnt/core/random.hpp>
#include <nnt/experiments/two_layer_relu_gd.hpp>

#include "common/reproduce.hpp"

using nnt_examples::tol;

int main(int argc, char** argv) {
  const auto opt =
      nnt_examples::parse_options(argc, argv, "linear convergence of wide two-layer nets (N5)");
  nnt_examples::claims claims("wide_relu_convergence");
  nnt::random_generator rng(4);
  Eigen::MatrixXd X(10, 20);
  rng.fill_normal(X);
  X.colwise().normalize();
  Eigen::VectorXd y(20);
  rng.fill_normal(y);

  std::vector<double> widths, change;
  nnt::two_layer_relu_result widest;
  for (nnt::Index m : {100, 400, 1600, 6400}) {
    nnt::two_layer_relu_options o;
    o.width = m;
    o.eta = 0.05;
    o.steps = 4000;
    o.record_every = 50;
    const auto r = nnt::two_layer_relu_training(X, y, o);
    double worst = 0;
    for (std::size_t i = 0; i < r.t.size(); ++i) worst = std::max(worst, r.loss[i] / r.bound[i]);
    const std::string tag = "m=" + std::to_string(m);
    claims.check_at_most("N5-loss-below-exp(-lambda0 t)L(0)-" + tag, 1.0 + 1e-12, worst);
    claims.report("final-loss-" + tag, r.loss.back(),
                  "bound e^{-lambda0 T} L(0) = " + nnt_examples::format_number(r.bound.back()));
    claims.report("max-neuron-move-" + tag, r.max_neuron_move,
                  "max_r |w_r(T) - w_r(0)| (O(1/sqrt m))");
    widths.push_back(double(m));
    change.push_back(r.relative_weight_change);
    widest = r;
  }
  claims.report("lambda0", widest.lambda0, "smallest eigenvalue of H^inf (20 unit inputs in R^10)");
  std::size_t k = 0;
  while (k + 1 < widest.t.size() && widest.loss[k] > 1e-12 * widest.loss.front()) ++k;
  claims.report("measured-decay-rate-m=6400",
                std::log(widest.loss.front() / widest.loss[k]) / widest.t[k],
                "average -d log loss / dt down to 1e-12 L(0); the bound's rate is lambda0 (GF "
                "gives >= lambda0)");
  claims.check("N5-relative-weight-change-slope", -0.5, nnt_examples::loglog_slope(widths, change),
               tol::abs, 0.15);
  nnt_examples::write_plot(opt, "loss_vs_bound",
                           {"t", "|y - u(t)|^2 (m = 6400)", "exp(-lambda0 t) |y - u(0)|^2"},
                           {widest.t, widest.loss, widest.bound},
                           {.title = "N5: loss of the widest net under the Du et al. bound",
                            .xlabel = "t",
                            .ylabel = "",
                            .logy = true,
                            .extra = "set style data lines\n"});
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
