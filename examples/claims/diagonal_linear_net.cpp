// COURSE.md D4: implicit bias of diagonal linear nets β = u⊙u − v⊙v with u₀ = v₀ = α·1. Gradient
// flow on ½‖Xᵀβ − y‖² (underdetermined: d = 12 unknowns, N = 4 equations, a 2-sparse truth)
// converges to argmin Q_α(β) s.t. Xᵀβ = y; the example integrates the flow (DOPRI5) and solves the
// constrained problem independently (Newton on the dual, KKT residual), then follows the solution
// from α → 0 (minimum ℓ1, exact by vertex enumeration) to α → ∞ (minimum ℓ2).
#include <nnt/core/random.hpp>
#include <nnt/experiments/diagonal_linear_net.hpp>

#include "common/reproduce.hpp"

using nnt_examples::tol;

int main(int argc, char** argv) {
  const auto opt =
      nnt_examples::parse_options(argc, argv, "implicit bias of diagonal linear nets (D4)");
  nnt_examples::claims claims("diagonal_linear_net");
  nnt::random_generator rng(2);
  const nnt::Index d = 12, N = 4;
  Eigen::MatrixXd X(d, N);
  rng.fill_normal(X);
  Eigen::VectorXd truth = Eigen::VectorXd::Zero(d);
  truth(1) = 1.5;
  truth(7) = -0.7;
  const Eigen::VectorXd y = X.transpose() * truth;

  for (double alpha : {0.01, 0.1, 1.0}) {
    const std::string tag = "alpha=" + nnt_examples::format_number(alpha);
    const auto q = nnt::minimize_q_alpha(X, y, alpha);
    const auto gf = nnt::diagonal_net_gradient_flow(X, y, alpha);
    claims.check_at_most("D4-dual-newton-kkt-residual-" + tag, 1e-10, q.kkt_residual);
    // DOPRI5 at 1e-12 tolerances, stopped when ‖Xᵀβ − y‖ ≤ 1e-10
    claims.check("D4-flow-limit-equals-argmin-Q_alpha-" + tag, 0.0, (gf.beta - q.beta).norm(),
                 tol::abs, 1e-8);
    claims.report("flow-time-to-fit-" + tag, gf.t, "time until the residual fell below 1e-10");
  }
  const Eigen::VectorXd l1 = nnt::min_l1_interpolant(X, y).beta,
                        l2 = nnt::weighted_min_l2(X, y).beta;
  claims.report("min-l1-norm", l1.lpNorm<1>(),
                "exact LP by enumerating the 495 supports of size 4");
  std::vector<double> alphas, to_l1, to_l2, norm1;
  for (double e = -6; e <= 3.01; e += 0.25) {
    const double alpha = std::pow(10.0, e);
    const auto q = nnt::minimize_q_alpha(X, y, alpha);
    alphas.push_back(alpha);
    to_l1.push_back((q.beta - l1).norm() / l1.norm());
    to_l2.push_back((q.beta - l2).norm() / l2.norm());
    norm1.push_back(q.beta.lpNorm<1>());
  }
  // α → 0 approaches min-ℓ1 only logarithmically (the distance at 1e-6 is ~1/log(1/α²) of that at
  // 1)
  claims.check_at_most("D4-alpha=1e-6-near-min-l1-relative-distance", 0.05, to_l1.front());
  claims.check_at_most("D4-alpha=1e3-equals-min-l2-relative-distance", 1e-5, to_l2.back());
  claims.report("relative-distance-to-min-l1-at-alpha=1", to_l1[24],
                "for scale: the α = 1 solution");
  nnt_examples::write_plot(
      opt, "path", {"alpha", "|beta - beta_l1| / |beta_l1|", "|beta - beta_l2| / |beta_l2|"},
      {alphas, to_l1, to_l2},
      {.title = "D4: from minimum l1 (alpha -> 0) to minimum l2 (alpha -> inf)",
       .xlabel = "alpha",
       .ylabel = "relative distance",
       .logx = true,
       .logy = true,
       .extra = "set style data linespoints\n"});
  return claims.exit_code();
}
