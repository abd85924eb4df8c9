// COURSE.md D1: quadratic models z_a = Φ_aᵀθ + (ε/2)θᵀΨ_aθ (quadratic/quadratic_model.hpp), random Φ
// and symmetric Ψ_a. P ≤ N (P = 4, N = 10): the minimiser (Newton, independent of the formula) is
// θ^F + εθ^I + O(ε²): the remainder shrinks 4× when ε halves; the printed formula (first term of
// θ^I only) leaves an O(ε) remainder (2× per halving) because the linear fit does not interpolate.
// P > N (P = 10, N = 4): the minimiser is not unique, so the limit of gradient flow from θ = 0
// depends on the path; its first-order term in ε, measured by central differences of the flow
// limit (DOPRI5), is reported next to the printed formula with pseudo-inverses, which misses it.
// From a model (quadratic/taylor_model.hpp): the second-order Taylor model of a tanh MLP at θ₀, built
// from its exact Jacobian and per-example output Hessians; its remainder is O(|δ|³) (the linear
// model's O(|δ|²)), and GD on it is compared with GD on the net at several widths.
#include <nnt/core/random.hpp>
#include <nnt/dynamics/integrators.hpp>
#include <nnt/quadratic/quadratic_model.hpp>
#include <nnt/quadratic/taylor_model.hpp>

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

  // A quadratic model from an MLP: tanh 3-n-1 (NTK parameterisation) on 8 inputs.
  std::vector<double> steps, remainder_quadratic, remainder_linear;
  std::vector<double> width_axis, track_quadratic, track_linear;
  for (nnt::Index n : {16, 64, 256}) {
    nnt::mlp<double> net({3, n, 1}, nnt::activation::tanh(), {nnt::parameterization::ntk, 1.0, 0.1, true});
    net.initialize(3);
    nnt::random_generator rng(4);
    Eigen::MatrixXd X(3, 8), Y(1, 8);
    rng.fill_normal(X);
    rng.fill_normal(Y);
    const auto taylor = nnt::second_order_taylor_model(net, X);
    const nnt::quadratic_model linear(taylor.model.Phi(), taylor.model.Psi(), 0.0);
    const Eigen::VectorXd theta0 = net.parameters();
    auto outputs_of = [&](const nnt::mlp<double>& model) {
      const Eigen::MatrixXd Z = model.forward(X);
      return Eigen::VectorXd(Eigen::Map<const Eigen::VectorXd>(Z.data(), Z.size()));
    };
    auto net_outputs = [&](const Eigen::VectorXd& theta) {
      nnt::mlp<double> moved = net;
      moved.set_parameters(theta);
      return outputs_of(moved);
    };
    if (n == 16) {  // remainder along a random direction
      Eigen::VectorXd direction(net.parameter_count());
      rng.fill_normal(direction);
      direction.normalize();
      for (double h : {0.4, 0.2, 0.1, 0.05}) {
        const Eigen::VectorXd z = net_outputs(theta0 + h * direction);
        steps.push_back(h);
        remainder_quadratic.push_back((z - taylor.outputs(theta0 + h * direction)).cwiseAbs().maxCoeff());
        remainder_linear.push_back((z - taylor.z0 - linear.outputs(h * direction)).cwiseAbs().maxCoeff());
      }
    }
    // GD (rate 0.05, sum loss, 40 steps) on the net, its quadratic and its linear model
    const Eigen::VectorXd y = taylor.targets(Y);
    Eigen::VectorXd dq = Eigen::VectorXd::Zero(net.parameter_count()), dl = dq, g;
    double eq = 0, el = 0;
    for (int t = 0; t <= 40; ++t) {
      const Eigen::VectorXd z = outputs_of(net);
      eq = std::max(eq, (z - taylor.z0 - taylor.model.outputs(dq)).cwiseAbs().maxCoeff());
      el = std::max(el, (z - taylor.z0 - linear.outputs(dl)).cwiseAbs().maxCoeff());
      taylor.model.loss(dq, y, &g);
      dq -= 0.05 * g;
      linear.loss(dl, y, &g);
      dl -= 0.05 * g;
      nnt::loss_and_gradient(net, nnt::mse_loss{nnt::reduction::sum}, X, Y, g);
      net.set_parameters(net.parameters() - 0.05 * g);
    }
    width_axis.push_back(double(n));
    track_quadratic.push_back(eq);
    track_linear.push_back(el);
    claims.report("taylor-gd-deviation-quadratic-n" + std::to_string(n), eq, "max_t,a |z_net - z_quadratic| over 40 GD steps (rate 0.05)");
    claims.report("taylor-gd-deviation-linear-n" + std::to_string(n), el, "same for the linear model (eps = 0)");
  }
  nnt_examples::write_plot(opt, "taylor_tracking", {"width", "quadratic model", "linear model"},
                           {width_axis, track_quadratic, track_linear},
                           {.title = "D1: max deviation from GD on the tanh net (40 steps)", .xlabel = "width",
                            .ylabel = "max |z_net - z_model|", .logx = true, .logy = true,
                            .extra = "set style data linespoints\n"});
  claims.check("D1-taylor-model-remainder-order", 3.0, nnt_examples::loglog_slope(steps, remainder_quadratic), tol::abs, 0.15);
  claims.check("D1-linear-model-remainder-order", 2.0, nnt_examples::loglog_slope(steps, remainder_linear), tol::abs, 0.15);
  nnt_examples::write_plot(opt, "taylor_remainder", {"step", "quadratic (Taylor) model", "linear model"},
                           {steps, remainder_quadratic, remainder_linear},
                           {.title = "D1: remainder of the Taylor models of a tanh MLP", .xlabel = "|delta|",
                            .ylabel = "max |z - model|", .logx = true, .logy = true, .extra = "set style data linespoints\n"});
  return claims.exit_code();
}
