// COURSE.md D1: quadratic models z_a = Φ_aᵀθ + (ε/2)θᵀΨ_aθ (quadratic/quadratic_model.hpp), random Φ
// and symmetric Ψ_a. P ≤ N (P = 4, N = 10): the minimiser (Newton, independent of the formula) is
// θ^F + εθ^I + O(ε²): the remainder shrinks 4× when ε halves; the printed formula (first term of
// θ^I only) leaves an O(ε) remainder (2× per halving) because the linear fit does not interpolate.
// P > N (P = 10, N = 4): the minimiser is not unique, so the limit of gradient flow from θ = 0
// depends on the path; its first-order term in ε, measured by central differences of the flow
// limit (DOPRI5), is reported next to the printed formula with pseudo-inverses, which misses it.
#include <nnt/core/random.hpp>
#include <nnt/dynamics/integrators.hpp>
#include <nnt/quadratic/quadratic_model.hpp>

#include <Eigen/QR>

#include "common/reproduce.hpp"

using nnt_examples::tol;

namespace {

struct random_problem {
  Eigen::MatrixXd Phi;
  std::vector<Eigen::MatrixXd> Psi;
  Eigen::VectorXd y;
};

random_problem make(int P, int N, std::uint64_t seed) {
  nnt::random_generator rng(seed);
  random_problem p{Eigen::MatrixXd(P, N), {}, Eigen::VectorXd(N)};
  rng.fill_normal(p.Phi);
  for (int a = 0; a < N; ++a) {
    Eigen::MatrixXd A(P, P);
    rng.fill_normal(A);
    p.Psi.push_back((A + A.transpose()) / 2);
  }
  rng.fill_normal(p.y);
  return p;
}

// θ(∞) of gradient flow dθ/dt = −∇L from θ = 0 (integrated until ‖∇L‖ < 1e-12).
Eigen::VectorXd flow_limit(const nnt::quadratic_model& q, const Eigen::VectorXd& y) {
  Eigen::VectorXd theta = Eigen::VectorXd::Zero(q.parameters());
  auto rhs = [&](const Eigen::VectorXd& th, Eigen::VectorXd& d, double) {
    q.loss(th, y, &d);
    d = -d;
  };
  nnt::dormand_prince_stepper<double> stepper(1e-13, 1e-13);
  std::vector<double> times{0.0};
  for (double t = 1e-2; t < 1e6; t *= 2) times.push_back(t);
  auto until_stationary = [&](const Eigen::VectorXd& th, double) {
    Eigen::VectorXd g;
    q.loss(th, y, &g);
    return g.norm() > 1e-12;
  };
  nnt::integrate_times(stepper, rhs, theta, times, 1e-3, until_stationary);
  return theta;
}

}  // namespace

int main(int argc, char** argv) {
  const auto opt = nnt_examples::parse_options(argc, argv, "quadratic models and the first-order correction (D1)");
  nnt_examples::claims claims("quadratic_model");
  const auto p = make(4, 10, 1);
  std::vector<double> eps_axis, remainder, remainder_printed;
  for (double eps : {0.04, 0.02, 0.01, 0.005}) {
    const nnt::quadratic_model q(p.Phi, p.Psi, eps);
    const auto m = q.minimize(p.y, q.theta_F(p.y));
    eps_axis.push_back(eps);
    remainder.push_back((m.theta - q.theta_F(p.y) - eps * q.theta_I(p.y)).norm());
    remainder_printed.push_back((m.theta - q.theta_F(p.y) - eps * q.theta_I_printed(p.y)).norm());
  }
  claims.check("D1-remainder-ratio-when-eps-halves", 4.0, remainder[2] / remainder[3], tol::abs, 0.2);
  claims.check("D1-remainder-slope-in-eps", 2.0, nnt_examples::loglog_slope(eps_axis, remainder), tol::abs, 0.1);
  claims.erratum("D1", "theta^I = -(Phi Phi^T)^-1 sum_a 1/2 Phi_a (theta^F^T Psi_a theta^F)",
                 "add -(Phi Phi^T)^-1 sum_a r_a Psi_a theta^F (zero only when r = 0)",
                 "remainder slope with the printed term " + nnt_examples::format_number(nnt_examples::loglog_slope(eps_axis, remainder_printed)) +
                     " (O(eps)), with both terms " + nnt_examples::format_number(nnt_examples::loglog_slope(eps_axis, remainder)));

  // P > N: the flow limit's first-order term by central differences in ε.
  const auto w = make(10, 4, 2);
  const double h = 1e-3;
  const Eigen::VectorXd plus = flow_limit(nnt::quadratic_model(w.Phi, w.Psi, h), w.y);
  const Eigen::VectorXd minus = flow_limit(nnt::quadratic_model(w.Phi, w.Psi, -h), w.y);
  const Eigen::VectorXd zero = flow_limit(nnt::quadratic_model(w.Phi, w.Psi, 0.0), w.y);
  const Eigen::VectorXd first_order = (plus - minus) / (2 * h);
  // printed formula with the pseudo-inverse of ΦΦᵀ (θ^F = min-norm interpolant, r = 0)
  const Eigen::MatrixXd G = w.Phi * w.Phi.transpose();
  const auto pinv = G.completeOrthogonalDecomposition();
  const Eigen::VectorXd tF = pinv.solve(w.Phi * w.y);
  Eigen::VectorXd s = Eigen::VectorXd::Zero(10);
  for (int a = 0; a < 4; ++a) s += 0.5 * tF.dot(w.Psi[std::size_t(a)] * tF) * w.Phi.col(a);
  const Eigen::VectorXd printed = -pinv.solve(s);
  claims.check("D1-P>N-flow-from-0-at-eps=0-is-min-norm", 0.0, (zero - tF).norm() / tF.norm(), tol::abs, 1e-9);
  claims.report("P>N-first-order-term-norm", first_order.norm(), "d theta_GF / d eps at 0, central differences h = 1e-3");
  claims.report("P>N-printed-formula-relative-miss", (first_order - printed).norm() / first_order.norm(),
                "|theta^I_flow - theta^I_printed| / |theta^I_flow|: the path-dependent part the formula misses");
  nnt_examples::write_plot(opt, "remainder", {"eps", "|theta* - theta^F - eps theta^I|", "printed theta^I only"},
                           {eps_axis, remainder, remainder_printed},
                           {.title = "D1: remainder of the first-order expansion", .xlabel = "eps", .ylabel = "remainder",
                            .logx = true, .logy = true, .extra = "set style data linespoints\n"});
  return claims.exit_code();
}
