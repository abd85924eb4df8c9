// COURSE.md D1, a quadratic model from a network (quadratic/taylor_model.hpp): the second-order
// Taylor model z(θ₀ + δ) ≈ z(θ₀) + Jδ + ½δᵀH_aδ of a tanh MLP 3-n-1 (NTK parameterisation, 8
// inputs), built from its exact Jacobian and per-example output Hessians. Its remainder along a
// random direction is O(|δ|³) (the linear model's O(|δ|²)); GD on it (rate 0.05, sum loss, 40
// steps) is compared with GD on the net and on the linear model at widths n = 16, 64, 256.
// Random quadratic models and the first-order correction θ^I: quadratic_model.
#include <nnt/core/random.hpp>
#include <nnt/quadratic/quadratic_model.hpp>
#include <nnt/quadratic/taylor_model.hpp>

#include "common/plot_table.hpp"
#include "common/reproduce.hpp"

using namespace nnt_examples;
using Vector = Eigen::VectorXd;
using enum nnt::parameterization;  // standard, ntk

int main(int argc, char** argv) {
  const auto opt = parse_options(argc, argv, "the quadratic (Taylor) model of a tanh MLP (D1)");
  nnt_examples::claims claims("taylor_model");

  plot_table taylor_remainder({"step", "quadratic (Taylor) model", "linear model"}),
      tracking({"width", "quadratic model", "linear model"});
  for (nnt::Index n : {16, 64, 256}) {
    nnt::mlp<double> net({3, n, 1}, nnt::activation::tanh(), {1.0, 0.1, ntk, true});
    net.initialize(opt.seed_for(3));
    nnt::random_generator rng(opt.seed_for(4));
    Eigen::MatrixXd X(3, 8), Y(1, 8);
    rng.fill_normal(X);
    rng.fill_normal(Y);
    const auto taylor = nnt::second_order_taylor_model(net, X);
    const nnt::quadratic_model<double> linear(taylor.model.Phi(), taylor.model.Psi(), 0.0);
    auto error = [](const Vector& a, const Vector& b) {
      return (a - b).cwiseAbs().maxCoeff<Eigen::PropagateNaN>();
    };
    if (n == 16) {  // remainder along a random direction
      Vector direction(net.parameter_count());
      rng.fill_normal(direction);
      direction.normalize();
      for (double h : {0.4, 0.2, 0.1, 0.05}) {
        nnt::mlp<double> moved = net;
        moved.set_parameters(taylor.theta0 + h * direction);
        const Vector z = moved.forward(X).reshaped();  // flattened like the models' outputs
        taylor_remainder.add_row({h, error(z, taylor.outputs(moved.parameters())),
                                  error(z - taylor.z0, linear.outputs(h * direction))});
      }
    }
    // GD (rate 0.05, sum loss, 40 steps) on the net, its quadratic and its linear model
    const Vector y = taylor.targets(Y);
    Vector dq = Vector::Zero(net.parameter_count()), dl = dq, g;
    double eq = 0, el = 0;
    for (int t = 0; t <= 40; ++t) {
      const Vector z = Vector(net.forward(X).reshaped()) - taylor.z0;
      eq = nnt_examples::nan_max(eq, error(z, taylor.model.outputs(dq)));
      el = nnt_examples::nan_max(el, error(z, linear.outputs(dl)));
      taylor.model.loss(dq, y, &g);
      dq -= 0.05 * g;
      linear.loss(dl, y, &g);
      dl -= 0.05 * g;
      nnt::loss_and_gradient(net, nnt::mse_loss{nnt::reduction::sum}, X, Y, g);
      net.set_parameters(net.parameters() - 0.05 * g);
    }
    tracking.add_row({double(n), eq, el});
    claims.report("taylor-gd-deviation-quadratic-n" + std::to_string(n), eq,
                  "max_t,a |z_net - z_quadratic| over 40 GD steps (rate 0.05)");
    claims.report("taylor-gd-deviation-linear-n" + std::to_string(n), el,
                  "same for the linear model (eps = 0)");
  }
  tracking.write(opt, "taylor_tracking",
                 linespoints("D1: max deviation from GD on the tanh net (40 steps)", "width",
                             "max |z_net - z_model|", axes::log_log));
  claims.check("D1-taylor-model-remainder-order", 3.0,
               loglog_slope(taylor_remainder[0], taylor_remainder[1]), tol::abs, 0.15);
  claims.check("D1-linear-model-remainder-order", 2.0,
               loglog_slope(taylor_remainder[0], taylor_remainder[2]), tol::abs, 0.15);
  taylor_remainder.write(opt, "taylor_remainder",
                         linespoints("D1: remainder of the Taylor models of a tanh MLP", "|delta|",
                                     "max |z - model|", axes::log_log));
  return claims.exit_code();
}
