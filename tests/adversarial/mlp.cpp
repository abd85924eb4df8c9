// Adversarial cases for nnt/mlp: construction, indices, forward, losses and every derivative entry
// point fed wrong shapes, non-finite data or parameters, and sizes that would not fit in memory.
#include <nnt/mlp/derivatives.hpp>
#include <nnt/mlp/loss.hpp>
#include <nnt/mlp/mlp_objective.hpp>

#include "adversarial.hpp"

using namespace nnt_adversarial;
using Eigen::MatrixXd;
using Eigen::VectorXd;
using nnt::activation;

namespace {
nnt::mlp<double> small_net() {
  nnt::mlp<double> net({3, 4, 2}, activation::tanh());
  net.initialize(1);
  return net;
}
}  // namespace

TEST_CASE("adversarial mlp: construction refuses bad widths, scales and absurd sizes",
          "[adversarial]") {
  NNT_REFUSES(nnt::mlp<double>({3}, activation::tanh()), "widths");
  NNT_REFUSES(nnt::mlp<double>({3, 0, 2}, activation::tanh()), "widths");
  NNT_REFUSES(nnt::mlp<double>({3, -4, 2}, activation::tanh()), "widths");
  NNT_REFUSES(nnt::mlp<double>({nnt::Index(1) << 32, nnt::Index(1) << 32, 1}, activation::tanh()),
              "widths");
  NNT_REFUSES(nnt::mlp<double>({1, 1000000000000, 1}, activation::tanh()), "theta");
  NNT_REFUSES(nnt::mlp<double>({3, 2}, std::vector<activation>{}), "activations");
  NNT_REFUSES(nnt::mlp<double>({3, 2}, activation::tanh(), {.C_w = NaN}), "C_w");
  NNT_REFUSES(nnt::mlp<double>({3, 2}, activation::tanh(), {.C_w = 0.0}), "C_w");
  NNT_REFUSES(nnt::mlp<double>({3, 2}, activation::tanh(), {.C_w = 1.0, .C_b = -1.0}), "C_b");
  NNT_REFUSES(nnt::mlp<double>({3, 2}, activation::tanh(), {.C_w = 1.0, .C_b = Inf}), "C_b");
}

TEST_CASE("adversarial mlp: indices and parameters", "[adversarial]") {
  auto net = small_net();
  NNT_REFUSES(net.weight(2), "l");
  NNT_REFUSES(net.weight(-1), "l");
  NNT_REFUSES(std::as_const(net).weight(7), "l");
  NNT_REFUSES(net.bias(2), "l");
  NNT_REFUSES(net.width(3), "l");
  NNT_REFUSES(net.weight_scale(-1), "l");
  NNT_REFUSES(net.layer_activation(2), "l");
  NNT_REFUSES(net.set_parameters(VectorXd::Zero(3)), "theta");
  // Non-finite θ is loaded (a diverged iterate, see set_parameters) and must show in every output,
  // for every activation — ReLU's max(x, 0) used to turn a NaN pre-activation into 0.
  for (const auto kind : nnt::activation::all_kinds) {
    nnt::mlp<double> any({3, 4, 2}, nnt::activation::from_name(nnt::activation::kind_name(kind)));
    VectorXd theta = VectorXd::Ones(any.parameter_count());
    theta(0) = NaN;  // W_0(0, 0): reaches unit 0 of layer 1, then every output
    any.set_parameters(theta);
    INFO(any.layer_activation(0).name());
    CHECK(any.forward(MatrixXd::Ones(3, 1)).array().isNaN().all());
    nnt::mlp_workspace<double> ws;
    CHECK(any.forward(MatrixXd::Ones(3, 1).eval(), ws).array().isNaN().all());
  }
}

TEST_CASE("adversarial mlp: forward and derivatives refuse wrong shapes and non-finite data",
          "[adversarial]") {
  const auto net = small_net();
  const MatrixXd X = MatrixXd::Ones(3, 5), Y = MatrixXd::Zero(2, 5);
  MatrixXd Xnan = X, XInf = X;
  Xnan(1, 2) = NaN;
  XInf(0, 0) = -Inf;
  const VectorXd v = VectorXd::Ones(net.parameter_count());
  const nnt::mse_loss mse;
  VectorXd g;
  NNT_REFUSES(net.forward(MatrixXd::Ones(2, 5)), "X");
  CHECK(net.forward(MatrixXd::Ones(3, 0)).cols() == 0);  // an empty batch maps to an empty output
  NNT_REFUSES(net.forward(Xnan), "X");
  NNT_REFUSES(net.forward(XInf), "X");
  NNT_REFUSES(nnt::loss_and_gradient(net, mse, Xnan, Y, g), "X");
  NNT_REFUSES(nnt::loss_and_gradient(net, mse, X, MatrixXd::Zero(3, 5), g), "Y");
  NNT_REFUSES(nnt::loss_and_gradient(net, mse, X, MatrixXd::Zero(2, 4), g), "Y");
  MatrixXd Ynan = Y;
  Ynan(0, 0) = NaN;
  NNT_REFUSES(nnt::loss_and_gradient(net, mse, X, Ynan, g), "Y");
  NNT_REFUSES(nnt::jvp(net, X, VectorXd::Ones(3)), "v");
  NNT_REFUSES(nnt::jvp(net, Xnan, v), "X");
  VectorXd vnan = v;
  vnan(0) = NaN;
  NNT_REFUSES(nnt::jvp(net, X, vnan), "v");
  NNT_REFUSES(nnt::vjp(net, X, MatrixXd::Ones(3, 5)), "U");
  NNT_REFUSES(nnt::vjp(net, X, MatrixXd::Ones(2, 4)), "U");
  NNT_REFUSES(nnt::per_example_jacobian(net, Xnan), "X");
  NNT_REFUSES(nnt::input_jacobian(net, MatrixXd::Ones(4, 5)), "X");
  NNT_REFUSES(nnt::hessian_vector_product(net, mse, X, Y, VectorXd::Ones(2)), "v");
  NNT_REFUSES(nnt::hessian_vector_product(net, mse, X, Y, vnan), "v");
  NNT_REFUSES(nnt::hessian_vector_product(net, mse, Xnan, Y, v), "X");
  NNT_REFUSES(nnt::output_hessian_vector_product(net, X, MatrixXd::Ones(1, 5), v), "U");
  NNT_REFUSES(nnt::gauss_newton_vector_product(net, mse, X, Y, VectorXd::Ones(1)), "v");
  NNT_REFUSES(nnt::hessian(net, mse, X, MatrixXd::Zero(2, 3)), "Y");
  NNT_REFUSES(nnt::gauss_newton(net, mse, Xnan, Y), "X");
}

TEST_CASE("adversarial mlp: dense curvature and Jacobians refuse sizes beyond memory",
          "[adversarial]") {
  // 1 × 300000 × 1: P = 900001 parameters, a dense P × P Hessian needs 6.5 TB — refused by
  // require_allocation before anything is built. The net itself is 7 MB.
  nnt::mlp<double> wide({1, 300000, 1}, activation::tanh());
  const MatrixXd X = MatrixXd::Ones(1, 2), Y = MatrixXd::Zero(1, 2);
  NNT_REFUSES(nnt::hessian(wide, nnt::mse_loss{}, X, Y), "net");
  NNT_REFUSES(nnt::gauss_newton(wide, nnt::mse_loss{}, X, Y), "net");
  const nnt::Index saved = nnt::Index(nnt::allocation_limit_bytes());
  nnt::set_allocation_limit_bytes(std::size_t(1) << 20);  // 1 MiB: the 2 × 900001 Jacobian is 14 MB
  NNT_REFUSES(nnt::per_example_jacobian(wide, X), "X.cols()");
  nnt::set_allocation_limit_bytes(std::size_t(saved));
}

TEST_CASE("adversarial mlp: losses refuse wrong shapes, non-finite data, out-of-range targets",
          "[adversarial]") {
  const MatrixXd Z = MatrixXd::Zero(2, 3);
  MatrixXd G;
  NNT_REFUSES(nnt::mse_loss{}.value(Z, MatrixXd::Zero(3, 3)), "Y");
  NNT_REFUSES(nnt::mse_loss{}.value(Z, MatrixXd::Zero(2, 2)), "Y");
  NNT_REFUSES(nnt::mse_loss{}.value_and_gradient(Z, MatrixXd::Constant(2, 3, NaN), G), "Y");
  NNT_REFUSES(nnt::mse_loss{}.hessian_product(Z, Z, MatrixXd::Zero(2, 4), G), "V");
  NNT_REFUSES(nnt::mse_loss{}.example_hessian(Z, Z, 3), "a");
  NNT_REFUSES(nnt::mse_loss{}.example_hessian(Z, Z, -1), "a");
  NNT_REFUSES(nnt::binary_cross_entropy_loss{}.value(Z, MatrixXd::Constant(2, 3, 2.0)), "Y");
  NNT_REFUSES(nnt::binary_cross_entropy_loss{}.value(Z, MatrixXd::Constant(2, 3, -0.5)), "Y");
  // Soft labels need not sum to 1 (documented as class weights), but must be non-negative.
  NNT_REFUSES(nnt::softmax_cross_entropy_loss{}.value(Z, MatrixXd::Constant(2, 3, -0.2)), "Y");
  NNT_REFUSES(nnt::softmax_cross_entropy_loss{}.hessian_product(Z, MatrixXd::Zero(2, 2), Z, G),
              "Y");
  // Extreme but finite logits: the loss must stay finite (log-sum-exp), not overflow to NaN.
  MatrixXd Zbig(2, 1), Yone(2, 1);
  Zbig << 1e300, -1e300;
  Yone << 0.0, 1.0;
  CHECK(std::isfinite(nnt::softmax_cross_entropy_loss{}.value(Zbig, Yone)) ==
        std::isfinite(1e300 * 2));
}

TEST_CASE("adversarial mlp: mlp_objective refuses bad batches and θ", "[adversarial]") {
  const auto net = small_net();
  nnt::mlp_objective f(net, nnt::mse_loss{}, MatrixXd::Ones(3, 4), MatrixXd::Zero(2, 4));
  VectorXd g;
  const VectorXd theta = net.parameters();
  const std::vector<nnt::Index> out_of_range{0, 4}, negative{-1}, empty{};
  NNT_REFUSES(f.value_and_gradient(theta, g, std::span<const nnt::Index>(out_of_range)), "batch");
  NNT_REFUSES(f.value_and_gradient(theta, g, std::span<const nnt::Index>(negative)), "batch");
  NNT_REFUSES(f.value_and_gradient(theta, g, std::span<const nnt::Index>(empty)), "batch");
  NNT_REFUSES(f.value(VectorXd::Zero(2)), "theta");
  NNT_REFUSES(nnt::mlp_objective(net, nnt::mse_loss{}, MatrixXd::Ones(2, 4), MatrixXd::Zero(2, 4)),
              "X");
}

TEST_CASE("adversarial mlp: offsets, workspaces, casts, output Hessians, softmax limits",
          "[adversarial]") {
  auto net = small_net();
  NNT_REFUSES(net.weight_offset(2), "l");
  NNT_REFUSES(net.bias_offset(-1), "l");
  CHECK(net.depth() == 2);
  CHECK(net.output_dim() == 2);
  CHECK(net.bias_scale() == std::sqrt(net.options().C_b));  // NTK parameterisation, the default
  nnt::mlp_workspace<double> ws;
  NNT_REFUSES(net.prepare(ws, -1), "X.cols()");
  NNT_REFUSES(net.prepare(ws, nnt::Index(1) << 62), "X.cols()");
  CHECK(ws.batch == -1);  // a refused prepare leaves the workspace as it was
  // A diverged θ stays visible through a cast (float and long double).
  VectorXd theta = net.parameters();
  theta(1) = Inf;
  net.set_parameters(theta);
  CHECK(std::isinf(net.cast<float>().parameters()(1)));
  CHECK(net.cast<long double>()
            .forward(Eigen::Matrix<long double, -1, -1>::Ones(3, 1))
            .array()
            .isNaN()
            .any() == net.forward(MatrixXd::Ones(3, 1)).array().isNaN().any());

  const auto ok = small_net();
  const MatrixXd X = MatrixXd::Ones(3, 2);
  NNT_REFUSES(nnt::output_hessian(ok, X, MatrixXd::Ones(2, 3)), "U");
  NNT_REFUSES(nnt::output_hessian(ok, X, MatrixXd::Ones(1, 2)), "U");
  MatrixXd Xnan = X;
  Xnan(0, 1) = NaN;
  NNT_REFUSES(nnt::output_hessian(ok, Xnan, MatrixXd::Ones(2, 2)), "X");
  NNT_REFUSES(nnt::per_example_output_hessians(ok, Xnan), "X");
  NNT_REFUSES(nnt::per_example_output_hessians(ok, MatrixXd::Ones(2, 2)), "X");
  // k·N dense P × P Hessians of a 1 × 300000 × 1 net: 2 · 6.5 TB, refused before any is built.
  nnt::mlp<double> wide({1, 300000, 1}, activation::tanh());
  NNT_REFUSES(nnt::per_example_output_hessians(wide, MatrixXd::Ones(1, 2)), "X.cols()");

  // The operators count their applications and keep the loss of the point they were built at.
  const nnt::mse_loss mse;
  const MatrixXd Y = MatrixXd::Zero(2, 2);
  const nnt::hessian_operator<double, nnt::mse_loss> H(ok, mse, X, Y);
  const nnt::gauss_newton_operator<double, nnt::mse_loss> GN(ok, mse, X, Y);
  CHECK(H.loss_value() == mse.value(ok.forward(X), Y));
  VectorXd out(ok.parameter_count());
  NNT_REFUSES(H.apply(VectorXd::Ones(3), out), "v");
  VectorXd too_short(2);
  NNT_REFUSES(GN.apply(VectorXd::Ones(ok.parameter_count()), too_short), "out");
  GN.apply(VectorXd::Ones(ok.parameter_count()), out);
  CHECK(H.applications() == 0);
  CHECK(GN.applications() == 1);

  nnt::mlp_objective f(ok, mse, X, Y);
  CHECK(f.dimension() == ok.parameter_count());
  CHECK(f.network().parameter_count() == ok.parameter_count());
  VectorXd hv;
  NNT_REFUSES(f.hvp(ok.parameters(), VectorXd::Ones(2), hv), "v");
  NNT_REFUSES(f.hvp(VectorXd::Ones(2), VectorXd::Ones(ok.parameter_count()), hv), "theta");

  // softmax and logsumexp: no read of an empty column, the right limits at infinite logits.
  using sce = nnt::softmax_cross_entropy_loss;
  NNT_REFUSES(sce::softmax(MatrixXd(0, 3)), "Z.rows()");
  NNT_REFUSES(sce::logsumexp<double>(VectorXd(0)), "z.size()");
  VectorXd z(3);
  z << 1.0, Inf, Inf;
  CHECK(sce::logsumexp<double>(z) == Inf);
  const MatrixXd p = sce::softmax(MatrixXd(z));
  CHECK(p(0) == 0);
  CHECK(p(1) == 0.5);
  z << -Inf, -Inf, -Inf;
  CHECK(sce::logsumexp<double>(z) == -Inf);
  z << 1e308, 1e308, -1e308;
  CHECK(std::abs(sce::logsumexp<double>(z) - (1e308 + std::log(2.0))) <= 1e292);
}
