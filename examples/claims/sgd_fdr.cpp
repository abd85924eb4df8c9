// COURSE.md D6: fluctuation–dissipation relations of stationary SGD on least squares
// (dynamics/experiments/sgd_stationarity.hpp). Plain SGD: ⟨θ·∇L⟩ = (η/2)⟨‖g‖²⟩ with the
// uncentred minibatch second moment. Heavy-ball momentum μ (derived in the header from the
// stationarity of ⟨‖θ‖²⟩, ⟨θ·v⟩, ⟨‖v‖²⟩): ⟨θ·∇L⟩ = (η⟨‖g‖²⟩ − 2μ⟨v·g⟩)/(2(1 − μ)); the
// factor 1/(1 − μ) alone is its ⟨v·g⟩ → 0 limit. Each relation is checked as a z-score with
// batch-means standard errors; the plain formula applied to momentum runs is shown to fail.
#include <nnt/core/random.hpp>
#include <nnt/experiments/sgd_stationarity.hpp>

#include "common/reproduce.hpp"

int main(int argc, char** argv) {
  const auto opt =
      nnt_examples::parse_options(argc, argv, "SGD fluctuation-dissipation relations (D6)");
  nnt_examples::claims claims("sgd_fdr");
  nnt::random_generator rng(5);
  Eigen::MatrixXd X(5, 200);
  rng.fill_normal(X);
  Eigen::VectorXd truth(5);
  rng.fill_normal(truth);
  Eigen::VectorXd y = X.transpose() * truth;
  for (nnt::Index n = 0; n < y.size(); ++n) y(n) += 0.5 * rng.normal();

  const nnt::Index steps = opt.full ? 20000000 : 2000000;
  for (double mu : {0.0, 0.5, 0.9}) {
    nnt::sgd_stationarity_options o;
    o.eta = 0.05;
    o.momentum = mu;
    o.batch = 4;
    o.steps = steps;
    o.seed = 7 + std::uint64_t(mu * 10);
    const auto r = nnt::sgd_stationarity(X, y, o);
    const std::string tag = "mu=" + nnt_examples::format_number(mu);
    claims.check_at_most("D6-relation-z-score-" + tag, 4.0,
                         std::abs(r.difference) / r.standard_error);
    claims.report("theta-dot-grad-" + tag, r.theta_dot_grad,
                  "rhs " + nnt_examples::format_number(r.rhs) + " +- " +
                      nnt_examples::format_number(r.standard_error));
    if (mu > 0) {
      const double naive = o.eta / 2 * r.grad_sq, factor_only = naive / (1 - mu);
      claims.check_that("D6-plain-formula-fails-with-momentum-" + tag, "|z| > 10",
                        nnt_examples::format_number((r.theta_dot_grad - naive) / r.standard_error),
                        std::abs(r.theta_dot_grad - naive) > 10 * r.standard_error);
      claims.report("factor-1/(1-mu)-only-" + tag, factor_only,
                    "(eta/2)<|g|^2>/(1 - mu), the <v.g> -> 0 approximation, vs measured " +
                        nnt_examples::format_number(r.theta_dot_grad));
    }
  }

  // plain SGD over learning rates: both sides grow with eta
  std::vector<double> etas, lhs, rhs;
  for (double eta : {0.01, 0.02, 0.05, 0.1}) {
    nnt::sgd_stationarity_options o;
    o.eta = eta;
    o.batch = 4;
    o.steps = steps / 2;
    o.seed = 100 + std::uint64_t(eta * 1000);
    const auto r = nnt::sgd_stationarity(X, y, o);
    etas.push_back(eta);
    lhs.push_back(r.theta_dot_grad);
    rhs.push_back(r.rhs);
  }
  nnt_examples::write_plot(opt, "fdr_plain", {"eta", "<theta . grad L>", "(eta/2) <|g|^2>"},
                           {etas, lhs, rhs},
                           {.title = "D6: plain SGD at stationarity",
                            .xlabel = "eta",
                            .ylabel = "",
                            .logx = true,
                            .logy = true,
                            .extra = "set style data linespoints\n"});
  return claims.exit_code();
}
