// Adversarial cases for nnt/quadratic: quadratic models with bad Φ/Ψ/ε, wrong-length and
// non-finite θ, y, v, rank-deficient Φ (singular, not a garbage solution), Newton budgets; the
// second-order Taylor model of an MLP.
#include <nnt/quadratic/quadratic_model.hpp>
#include <nnt/quadratic/taylor_model.hpp>

#include <vector>

#include "adversarial.hpp"

using namespace nnt_adversarial;
using Eigen::MatrixXd;
using Eigen::VectorXd;

namespace {
// P = 3 parameters, N = 4 examples, ΦΦᵀ invertible.
nnt::quadratic_model<double> small_model(double eps = 0.1) {
  MatrixXd Phi(3, 4);
  Phi << 1, 0, 0, 1, 0, 1, 0, 1, 0, 0, 1, 1;
  std::vector<MatrixXd> Psi(4, MatrixXd::Identity(3, 3));
  return {Phi, Psi, eps};
}
}  // namespace

TEST_CASE("adversarial quadratic: construction", "[adversarial]") {
  const MatrixXd Phi = MatrixXd::Ones(3, 2);
  const std::vector<MatrixXd> Psi(2, MatrixXd::Identity(3, 3));
  MatrixXd Phi_nan = Phi, asym = MatrixXd::Identity(3, 3);
  Phi_nan(1, 1) = NaN;
  asym(0, 2) = 1;
  NNT_REFUSES(nnt::quadratic_model<double>(Phi_nan, Psi, 0.1), "Phi");
  NNT_REFUSES(nnt::quadratic_model<double>(Phi, Psi, NaN), "eps");
  NNT_REFUSES(nnt::quadratic_model<double>(Phi, Psi, Inf), "eps");
  NNT_REFUSES(nnt::quadratic_model<double>(Phi, {MatrixXd::Identity(3, 3)}, 0.1), "Psi.size()");
  NNT_REFUSES(
      nnt::quadratic_model<double>(Phi, {MatrixXd::Identity(3, 3), MatrixXd::Identity(2, 2)}, 0.1),
      "Psi[1]");
  NNT_REFUSES(nnt::quadratic_model<double>(Phi, {asym, MatrixXd::Identity(3, 3)}, 0.1), "Psi[0]");
  MatrixXd inf_psi = MatrixXd::Identity(3, 3);
  inf_psi(1, 1) = Inf;
  NNT_REFUSES(nnt::quadratic_model<double>(Phi, {MatrixXd::Identity(3, 3), inf_psi}, 0.1),
              "Psi[1]");
}

TEST_CASE("adversarial quadratic: evaluation refuses wrong shapes and non-finite data",
          "[adversarial]") {
  const auto model = small_model();
  const VectorXd theta = VectorXd::Ones(3), y = VectorXd::Ones(4), v = VectorXd::Ones(3);
  VectorXd y_nan = y, v_inf = v;
  y_nan(2) = NaN;
  v_inf(0) = Inf;
  NNT_REFUSES(model.outputs(VectorXd::Ones(2)), "theta");
  NNT_REFUSES(model.loss(theta, VectorXd::Ones(3)), "y");
  NNT_REFUSES(model.loss(theta, y_nan), "y");
  NNT_REFUSES(model.hessian_vector_product(theta, y, VectorXd::Ones(4)), "v");
  NNT_REFUSES(model.hessian_vector_product(theta, y, v_inf), "v");
  NNT_REFUSES(model.hessian_vector_product(theta, y_nan, v), "y");
  NNT_REFUSES(model.theta_F(VectorXd::Ones(5)), "y");
  NNT_REFUSES(model.theta_F(y_nan), "y");
  NNT_REFUSES(model.theta_I(y_nan), "y");
  NNT_REFUSES(model.theta_I_printed(y_nan), "y");
  NNT_REFUSES(model.minimize(y_nan, theta), "y");
  NNT_REFUSES(model.minimize(y, VectorXd::Ones(4)), "theta0");
  VectorXd theta_nan = theta;
  theta_nan(0) = NaN;
  NNT_REFUSES(model.minimize(y, theta_nan), "theta0");
  NNT_REFUSES(model.minimize(y, theta, {.stop = {.max_iterations = 0}}), "stop.max_iterations");
  NNT_REFUSES(model.minimize(y, theta, {.stop = {.tolerance = NaN}}), "stop.tolerance");
  NNT_REFUSES(nnt::quadratic_objective<double>(model, y_nan), "y");
  NNT_REFUSES(nnt::quadratic_objective<double>(model, VectorXd::Ones(2)), "y");
  // θ is an iterate, not data: a diverged one evaluates to NaN (what optimizers report).
  CHECK(std::isnan(model.loss(theta_nan, y)));
  const nnt::quadratic_objective<double> f(model, y);
  CHECK(f.dimension() == 3);
  VectorXd out;
  NNT_REFUSES(f.hvp(theta, VectorXd::Ones(4), out), "v");
  NNT_REFUSES(f.hvp(VectorXd::Ones(2), v, out), "theta");
  NNT_REFUSES(f.hvp(theta, v_inf, out), "v");
}

TEST_CASE("adversarial quadratic: rank deficiency is singular, budgets are not ok",
          "[adversarial]") {
  // Φ with two equal rows: ΦΦᵀ has rank 2 < P = 3.
  MatrixXd Phi(3, 4);
  Phi << 1, 0, 0, 1, 1, 0, 0, 1, 0, 0, 1, 1;
  const nnt::quadratic_model<double> deficient(
      Phi, std::vector<MatrixXd>(4, MatrixXd::Identity(3, 3)), 0.1);
  const VectorXd y = VectorXd::LinSpaced(4, -1, 2);
  NNT_NOT_OK(deficient.theta_F(y));
  NNT_NOT_OK(deficient.theta_I(y));
  NNT_NOT_OK(deficient.theta_I_printed(y));
  CHECK(deficient.theta_F(y).status == nnt::status::singular);
  // P > N: ΦΦᵀ (P × P) has rank N.
  const nnt::quadratic_model<double> wide(MatrixXd::Identity(3, 2),
                                          std::vector<MatrixXd>(2, MatrixXd::Identity(3, 3)), 0.1);
  NNT_NOT_OK(wide.theta_F(VectorXd::Ones(2)));
  // Newton with one step on a non-quadratic loss cannot reach 1e-14.
  const auto model = small_model(0.5);
  NNT_NOT_OK(model.minimize(y, VectorXd::Constant(3, 3.0), {.stop = {.max_iterations = 1}}));
  // ε so large that the quartic loss overflows: diverged or stalled, never ok.
  NNT_NOT_OK(
      small_model(1e300).minimize(y, VectorXd::Constant(3, 1e10), {.stop = {.max_iterations = 5}}));
}

TEST_CASE("adversarial quadratic: taylor_model", "[adversarial]") {
  nnt::mlp<double> net({2, 3, 1}, nnt::activation::tanh());
  net.initialize(1);
  MatrixXd X = MatrixXd::Ones(2, 4);
  X(1, 1) = NaN;
  NNT_REFUSES(nnt::second_order_taylor_model(net, X), "X");
  NNT_REFUSES(nnt::second_order_taylor_model(net, MatrixXd::Ones(3, 4)), "X");
  const auto taylor = nnt::second_order_taylor_model(net, MatrixXd::Ones(2, 4));
  NNT_REFUSES(taylor.outputs(VectorXd::Ones(3)), "theta");
  NNT_REFUSES(taylor.targets(MatrixXd::Ones(2, 4)), "Y.size()");
  MatrixXd Y = MatrixXd::Ones(1, 4);
  Y(0, 3) = Inf;
  NNT_REFUSES(taylor.targets(Y), "Y");
  // P·N·k per-example Hessians of P² entries each: refused before allocating.
  nnt::mlp<double> wide({2, 20000, 1}, nnt::activation::tanh());
  NNT_REFUSES(nnt::second_order_taylor_model(wide, MatrixXd::Ones(2, 8)), "X.cols()");
}
