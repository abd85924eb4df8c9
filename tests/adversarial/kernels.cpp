// Adversarial cases for nnt/kernels: kernel networks and Gram options out of range, inputs that
// are non-finite, empty or too many to hold, Grams that are not symmetric or not finite for the
// regression routines, degenerate (singular) kernels as a status, and the moment and criticality
// routines at the edges of their domains.
#include <nnt/kernels/criticality.hpp>
#include <nnt/kernels/empirical.hpp>
#include <nnt/kernels/kernel_operator.hpp>
#include <nnt/kernels/large_scale.hpp>
#include <nnt/kernels/moments.hpp>
#include <nnt/kernels/nngp_ntk.hpp>
#include <nnt/kernels/nystrom.hpp>
#include <nnt/kernels/partial_cholesky.hpp>
#include <nnt/kernels/predict.hpp>
#include <nnt/kernels/regression.hpp>

#include <nnt/core/conjugate_gradient.hpp>
#include <nnt/core/dense_operator.hpp>

#include <vector>

#include "adversarial.hpp"

using namespace nnt_adversarial;
using Eigen::MatrixXd;
using Eigen::VectorXd;
using nnt::activation;

namespace {
nnt::kernel_network relu_net() {
  return nnt::kernel_network(
      {nnt::dense(2.0, 0.1), nnt::nonlinearity(activation::relu()), nnt::dense(2.0, 0.1)});
}
}  // namespace

TEST_CASE("adversarial kernels: kernel networks and Gram options", "[adversarial]") {
  NNT_REFUSES(nnt::dense(0.0), "C_w");
  NNT_REFUSES(nnt::dense(NaN), "C_w");
  NNT_REFUSES(nnt::dense(1.0, -0.1), "C_b");
  NNT_REFUSES(nnt::dense(1.0, Inf), "C_b");
  NNT_REFUSES(nnt::nonlinearity(activation::tanh(), -1), "quadrature_order");
  NNT_REFUSES(nnt::nonlinearity(activation::tanh(), nnt::Index(1) << 40), "quadrature_order");
  NNT_REFUSES(nnt::kernel_network(std::vector<nnt::kernel_step>{}), "steps");
  NNT_REFUSES(nnt::kernel_network({nnt::nonlinearity(activation::relu())}), "steps");
  const auto net = relu_net();
  const MatrixXd X = MatrixXd::Ones(3, 4);
  MatrixXd X_nan = X;
  X_nan(2, 3) = NaN;
  NNT_REFUSES(nnt::kernel_gram(net, X_nan), "X");
  NNT_REFUSES(nnt::kernel_gram(net, MatrixXd(3, 0)), "X.cols()");
  NNT_REFUSES(nnt::kernel_gram(net, MatrixXd(0, 4)), "X.rows()");
  NNT_REFUSES(nnt::kernel_gram(net, X, MatrixXd::Ones(2, 4)), "X2");
  NNT_REFUSES(nnt::kernel_gram(net, X, MatrixXd(3, 0)), "X2.cols()");
  NNT_REFUSES(nnt::kernel_gram(net, X, X_nan), "X2");
  NNT_REFUSES(nnt::kernel_gram(net, X, {.block = 0}), "block");
  NNT_REFUSES(nnt::kernel_gram(net, X, {.block = 1 << 20}), "block");  // was bad_alloc in OpenMP
  NNT_REFUSES(nnt::kernel_gram(net, X, {.threads = -1}), "threads");
  NNT_REFUSES(nnt::kernel_gram(net, X, {.threads = 100000}), "threads");
  // 10⁶ inputs: an 8 TB Gram, refused before allocating (a 1-row X costs 8 MB here).
  NNT_REFUSES(nnt::kernel_gram(net, MatrixXd::Ones(1, 1000000)), "X.cols()");
  NNT_REFUSES(nnt::ntk_gram(net, X, MatrixXd::Ones(1, 4)), "X2");
  NNT_REFUSES(nnt::nngp_gram(net, X_nan), "X");
  NNT_REFUSES(nnt::kernel_diagonal(net, X_nan), "X");
  // A zero input is a valid point (K(0, 0) = C_b terms): finite Grams, status ok.
  MatrixXd with_zero = X;
  with_zero.col(1).setZero();
  const auto g = nnt::kernel_gram(net, with_zero);
  CHECK(g.status == nnt::status::ok);
  CHECK((g.nngp.allFinite() && g.ntk.allFinite()));
  // Variances that overflow (C_w = 1e300 over 3 layers): a status, not NaN with ok.
  const nnt::kernel_network exploding({nnt::dense(1e300), nnt::nonlinearity(activation::relu()),
                                       nnt::dense(1e300), nnt::nonlinearity(activation::relu()),
                                       nnt::dense(1e300)});
  NNT_NOT_OK(nnt::kernel_gram(exploding, X));
  NNT_NOT_OK(nnt::kernel_diagonal(exploding, X));
}

TEST_CASE("adversarial kernels: regression refuses bad Grams and reports singular ones",
          "[adversarial]") {
  const MatrixXd K = MatrixXd::Identity(3, 3) * 2, Y = MatrixXd::Ones(2, 3);
  MatrixXd K_asym = K, K_nan = K, Y_nan = Y;
  K_asym(0, 2) = 0.5;
  K_nan(1, 1) = NaN;
  Y_nan(1, 0) = Inf;
  NNT_REFUSES(nnt::kernel_ridge_fit(K_asym, Y), "K");  // read as symmetric: refused, not halved
  NNT_REFUSES(nnt::kernel_ridge_fit(K_nan, Y), "K");
  NNT_REFUSES(nnt::kernel_ridge_fit(MatrixXd::Ones(3, 2), Y), "K");
  NNT_REFUSES(nnt::kernel_ridge_fit(MatrixXd(0, 0), MatrixXd(2, 0)), "K.rows()");
  NNT_REFUSES(nnt::kernel_ridge_fit(K, MatrixXd::Ones(2, 4)), "Y");
  NNT_REFUSES(nnt::kernel_ridge_fit(K, Y_nan), "Y");
  NNT_REFUSES(nnt::kernel_ridge_fit(K, Y, {.ridge = -1}), "ridge");
  NNT_REFUSES(nnt::kernel_ridge_fit(K, Y, {.ridge = NaN}), "ridge");
  NNT_REFUSES(nnt::kernel_ridge_fit(K, Y, {.ridge = Inf}), "ridge");
  // Rank one, no ridge, no jitter: singular.
  const MatrixXd rank_one = MatrixXd::Ones(3, 3);
  NNT_NOT_OK(nnt::kernel_ridge_fit(rank_one, Y, {.allow_jitter = false}));
  NNT_NOT_OK(nnt::kernel_ridge_fit(-K, Y));  // negative definite: no jitter rescues it
  // y outside the range of a rank-one K: no interpolant, so either singular or the jitter shows.
  const auto norm = nnt::rkhs_norm_squared(rank_one, VectorXd::LinSpaced(3, 0, 1));
  CHECK((norm.status != nnt::status::ok || norm.jitter > 0));
  NNT_REFUSES(nnt::rkhs_norm_squared(K, VectorXd::Ones(2)), "y");
  const auto fitted = nnt::kernel_ridge_fit(K, Y);
  NNT_REFUSES(nnt::kernel_ridge_predict(fitted, MatrixXd::Ones(2, 5)), "K_cross");
  MatrixXd Kc_nan = MatrixXd::Ones(3, 5);
  Kc_nan(0, 0) = NaN;
  NNT_REFUSES(nnt::kernel_ridge_predict(fitted, Kc_nan), "K_cross");
  const auto unfitted = nnt::kernel_ridge_fit(rank_one, Y, {.allow_jitter = false});
  NNT_REFUSES(nnt::kernel_ridge_predict(unfitted, MatrixXd::Ones(3, 5)), "model");
  const MatrixXd Kc = MatrixXd::Ones(3, 5);
  NNT_REFUSES(nnt::gp_posterior_predict(K, Kc, VectorXd::Ones(4), Y), "K_test_diagonal");
  NNT_REFUSES(nnt::gp_posterior_predict(K, Kc_nan, VectorXd::Ones(5), Y), "K_cross");
  VectorXd diag_nan = VectorXd::Ones(5);
  diag_nan(4) = NaN;
  NNT_REFUSES(nnt::gp_posterior_predict(K, Kc, diag_nan, Y), "K_test_diagonal");
  NNT_REFUSES(nnt::gp_posterior_predict(K_asym, Kc, VectorXd::Ones(5), Y), "K");
  NNT_NOT_OK(
      nnt::gp_posterior_predict(rank_one, Kc, VectorXd::Ones(5), Y, {.allow_jitter = false}));
}

TEST_CASE("adversarial kernels: infinite-width training and prediction", "[adversarial]") {
  const MatrixXd Theta = MatrixXd::Identity(3, 3), Tc = MatrixXd::Ones(3, 4),
                 Y = MatrixXd::Ones(1, 3);
  MatrixXd T_asym = Theta, Tc_nan = Tc;
  T_asym(0, 1) = 0.3;
  Tc_nan(2, 3) = NaN;
  NNT_REFUSES(nnt::infinite_width_training(T_asym, Tc, Y, 0.1, 1.0), "theta");
  NNT_REFUSES(nnt::infinite_width_training(Theta, Tc_nan, Y, 0.1, 1.0), "theta_cross");
  NNT_REFUSES(nnt::infinite_width_training(Theta, MatrixXd::Ones(2, 4), Y, 0.1, 1.0),
              "theta_cross");
  NNT_REFUSES(nnt::infinite_width_training(Theta, Tc, MatrixXd::Ones(1, 2), 0.1, 1.0), "Y");
  NNT_REFUSES(nnt::infinite_width_training(Theta, Tc, Y, 0.0, 1.0), "eta");
  NNT_REFUSES(nnt::infinite_width_training(Theta, Tc, Y, NaN, 1.0), "eta");
  NNT_REFUSES(nnt::infinite_width_training(Theta, Tc, Y, 0.1, -1.0), "t");
  NNT_REFUSES(nnt::infinite_width_training(Theta, Tc, Y, 0.1, NaN), "t");
  NNT_REFUSES(
      nnt::infinite_width_training(Theta, Tc, Y, 0.1, 2.5, nnt::training_mode::gradient_descent),
      "t");
  // Optional NNGP blocks are checked like the NTK (a NaN or asymmetric K was read unchecked).
  nnt::nngp_blocks<double> blocks{Theta, Tc, MatrixXd::Identity(4, 4)};
  blocks.train(0, 2) = NaN;
  NNT_REFUSES(nnt::infinite_width_training(Theta, Tc, Y, 0.1, 1.0,
                                           nnt::training_mode::gradient_flow, blocks),
              "K.train");
  blocks.train = Theta;
  blocks.test(0, 3) = 0.7;
  NNT_REFUSES(nnt::infinite_width_training(Theta, Tc, Y, 0.1, 1.0,
                                           nnt::training_mode::gradient_flow, blocks),
              "K.test");
  // Converged descent at η λ_max ≥ 2 has no limit; a rank-deficient Θ has no exact inverse.
  NNT_NOT_OK(
      nnt::infinite_width_training(Theta, Tc, Y, 3.0, Inf, nnt::training_mode::gradient_descent));
  NNT_NOT_OK(nnt::infinite_width_training(MatrixXd::Ones(3, 3), Tc, Y, 0.1, Inf));
  NNT_NOT_OK(nnt::infinite_width_training(Theta, Tc, Y, 3.0, 2000.0,
                                          nnt::training_mode::gradient_descent));
  const auto net = relu_net();
  NNT_REFUSES(nnt::infinite_width_predict(net, MatrixXd::Ones(3, 4), MatrixXd::Ones(1, 3),
                                          MatrixXd::Ones(3, 2)),
              "Y_train");
  NNT_REFUSES(nnt::infinite_width_predict(net, MatrixXd::Ones(3, 4), MatrixXd::Ones(1, 4),
                                          MatrixXd::Ones(3, 2), {.diag_reg = -1}),
              "diag_reg");
}

TEST_CASE("adversarial kernels: empirical kernels of finite nets", "[adversarial]") {
  nnt::mlp<double> net({3, 5, 2}, activation::tanh());
  net.initialize(1);
  MatrixXd X = MatrixXd::Ones(3, 4);
  NNT_REFUSES(nnt::empirical_ntk(net, MatrixXd::Ones(2, 4)), "X");
  NNT_REFUSES(nnt::empirical_ntk(net, MatrixXd(3, 0)), "X.cols()");
  X(0, 0) = NaN;
  NNT_REFUSES(nnt::empirical_ntk(net, X), "X");
  NNT_REFUSES(nnt::monte_carlo_nngp(net, X, 4, 1), "X");
  NNT_REFUSES(nnt::monte_carlo_nngp(net, MatrixXd::Ones(3, 4), 1, 1), "samples");
  NNT_REFUSES(nnt::monte_carlo_nngp(net, MatrixXd::Ones(3, 0), 4, 1), "X.cols()");
  NNT_REFUSES(nnt::empirical_ntk(net, MatrixXd::Ones(3, 1 << 19)), "X.cols()");  // 2.2 TB
  NNT_REFUSES(nnt::monte_carlo_nngp(net, MatrixXd::Ones(3, 1 << 20), 2, 1), "X.cols()");
}

TEST_CASE("adversarial kernels: moments and criticality at the edges", "[adversarial]") {
  NNT_REFUSES(nnt::single_input_gaussian_moments<double>(activation::tanh(), -1.0), "K");
  NNT_REFUSES(nnt::single_input_gaussian_moments<double>(activation::tanh(), NaN), "K");
  NNT_REFUSES(nnt::single_input_gaussian_moments<double>(activation::gelu(), Inf), "K");
  // Huge but finite K: bounded work, finite moments (the panel count used to overflow to 0).
  const auto big = nnt::single_input_gaussian_moments<double>(activation::tanh(), 1e300);
  CHECK(std::isfinite(big.sigma2));
  CHECK(big.sigma2 == Approx(1.0).epsilon(1e-6));
  NNT_REFUSES(nnt::fixed_point<double>(activation::tanh(), 0.0, 0.0), "C_w");
  NNT_REFUSES(nnt::fixed_point<double>(activation::tanh(), 1.0, -1.0), "C_b");
  NNT_REFUSES(nnt::fixed_point<double>(activation::tanh(), 1.0, 0.0, {.K_start = -1}), "K_start");
  NNT_REFUSES(nnt::fixed_point<double>(activation::tanh(), 1.0, 0.0, {.stop = {.tolerance = 0}}),
              "stop.tolerance");
  // ReLU at C_w = 3 > 2: K grows geometrically, no fixed point: not ok.
  NNT_NOT_OK(nnt::fixed_point<double>(activation::relu(), 3.0, 0.1, {.K_start = 1.0}));
  NNT_REFUSES(nnt::critical_points<double>(activation::tanh(), {.K_min = 0}), "K_min");
  NNT_REFUSES(nnt::critical_points<double>(activation::tanh(), {.K_max = Inf}), "K_max");
  nnt::gaussian_pair<double> bad{1.0, 1.0, 2.0, 0.0, 0.0};  // |k12| > √(k11 k22)
  NNT_REFUSES(nnt::activation_moments(activation::tanh(), bad), "");
  NNT_REFUSES(nnt::kernel_depth_profile<double>(activation::tanh(), 0.0, 0.0,
                                                nnt::gaussian_pair<double>{1, 1, 0.5, 1, 0}, 3),
              "C_w");
}

TEST_CASE("adversarial kernels: layer building blocks, quadrature choice, susceptibilities",
          "[adversarial]") {
  NNT_REFUSES(nnt::fully_connected_kernel(activation::relu(), {.hidden_layers = -1}),
              "hidden_layers");
  NNT_REFUSES(nnt::fully_connected_kernel(activation::relu(), {.hidden_layers = 1000000}),
              "hidden_layers");
  NNT_REFUSES(
      nnt::fully_connected_kernel(activation::relu(), {.param = nnt::parameterization::standard}),
      "hidden_width");
  NNT_REFUSES(nnt::fully_connected_kernel(activation::relu(), {.C_w = NaN}), "C_w");
  const auto net = nnt::fully_connected_kernel(activation::relu(), {.hidden_layers = 2});
  CHECK(net.dense_count() == 3);
  const VectorXd x = VectorXd::Ones(3), y = VectorXd::Zero(3);
  NNT_REFUSES(nnt::input_entry<double>(x, VectorXd::Ones(2)), "y");
  NNT_REFUSES(nnt::input_entry<double>(VectorXd(0), VectorXd(0)), "x.size()");
  NNT_REFUSES(nnt::pair_kernel(net, x, VectorXd::Ones(4)), "y");
  VectorXd xnan = x;
  xnan(1) = NaN;
  NNT_REFUSES(nnt::pair_kernel(net, xnan, y), "x");
  NNT_REFUSES(nnt::pair_kernel(net, VectorXd(0), VectorXd(0)), "x.size()");
  // The zero input: ReLU of a zero-variance side is 0, not NaN.
  const auto e0 = nnt::pair_kernel(net, x, y);
  CHECK(std::isfinite(e0.k12));
  CHECK(std::isfinite(e0.t12));
  // A standard first layer needs the input dimension as its fan-in.
  const nnt::moment_quadrature<double> q;
  const auto standard = nnt::dense(1.0, 0.0, nnt::parameterization::standard);
  NNT_REFUSES(nnt::apply_step(standard, nnt::input_entry<double>(x, y), 0, q), "input_dim");
  // A nonlinearity refuses an entry that is not a Gaussian pair.
  nnt::kernel_entry<double> bad = nnt::input_entry<double>(x, x);
  bad.k12 = 2;
  NNT_REFUSES(nnt::apply_step(nnt::nonlinearity(activation::tanh()), bad, 3, q), "k12");
  bad.k12 = NaN;
  NNT_REFUSES(nnt::apply_step(nnt::nonlinearity(activation::tanh()), bad, 3, q), "k12");

  NNT_REFUSES(nnt::moment_quadrature<double>(-1), "order");
  NNT_REFUSES(nnt::moment_quadrature<double>(nnt::Index(1) << 40), "order");
  CHECK(nnt::moment_quadrature<double>(0).fixed_order() == 0);
  CHECK(nnt::moment_quadrature<double>(32).rule_for(activation::tanh(), 1e300).order() == 32);
  // Past the last rung of the ladder: the last rung's order, not an out-of-range read.
  const auto& far = q.rule_for(activation::tanh(), 1e300);
  CHECK(far.order() == q.rule_for(activation::tanh(), 1e6).order());
  CHECK(q.rule_for(activation::tanh(), NaN).order() > 0);
  const nnt::step_quadratures<double> rules(
      nnt::kernel_network({nnt::dense(), nnt::nonlinearity(activation::tanh(), 48), nnt::dense()}));
  CHECK(rules.size() == 3);
  CHECK(rules[1].fixed_order() == 48);
  CHECK(rules.any());

  NNT_REFUSES(nnt::susceptibilities_at<double>(activation::tanh(), 0.0, 1.0), "C_w");
  NNT_REFUSES(nnt::susceptibilities_at<double>(activation::tanh(), NaN, 1.0), "C_w");
  NNT_REFUSES(nnt::susceptibilities_at<double>(activation::tanh(), 1.0, -1.0), "K");
  NNT_REFUSES(nnt::susceptibilities_at<double>(activation::relu(), 2.0, Inf), "K");
  const auto chi = nnt::susceptibilities_at<double>(activation::relu(), 2.0, 1.0);
  CHECK(chi.parallel == 1.0);  // ReLU at C_w = 2: marginal, exactly
  NNT_REFUSES(nnt::correlation_length<double>(0.0), "chi");
  NNT_REFUSES(nnt::correlation_length<double>(NaN), "chi");
  CHECK(nnt::correlation_length<double>(1.0) == Inf);
  CHECK(nnt::correlation_length<double>(std::exp(-1.0)) == Approx(1.0).epsilon(1e-15));
  nnt::critical_point<double> p;
  p.attracting_from_above = true;
  CHECK(p.attracting());  // at K* = 0 only the side above exists
  p.K_star = 1;
  CHECK_FALSE(p.attracting());
}

TEST_CASE("adversarial kernels: matrix-free operators, RPCholesky, CG and PCG kernel ridge",
          "[adversarial]") {
  const MatrixXd X = MatrixXd::Random(3, 12);
  MatrixXd bad = X;
  bad(2, 5) = NaN;
  NNT_REFUSES(nnt::kernel_operator<double>(relu_net(), bad), "X");
  NNT_REFUSES(nnt::kernel_operator<double>(relu_net(), MatrixXd(0, 4)), "X.rows()");
  NNT_REFUSES(nnt::kernel_operator<double>(relu_net(), X, {.block = 70000}), "block");
  NNT_REFUSES(nnt::kernel_operator<double>(relu_net(), X, {.threads = -1}), "threads");
  const nnt::kernel_operator<double> op(relu_net(), X);
  MatrixXd out(12, 1);
  MatrixXd V = MatrixXd::Ones(12, 1);
  V(4, 0) = Inf;
  NNT_REFUSES(op.apply(V, out), "V");
  NNT_REFUSES(op.multiply(MatrixXd::Ones(11, 2)), "V");
  VectorXd vo(11);
  NNT_REFUSES(op.apply(VectorXd(VectorXd::Ones(12)), vo), "out");
  NNT_REFUSES(op.columns(std::vector<nnt::Index>{12}), "columns[0]");
  MatrixXd share(12, 1);
  NNT_REFUSES(op.apply_share(MatrixXd::Ones(12, 1), share, 2, 2), "part");
  NNT_REFUSES(op.apply_share(MatrixXd::Ones(12, 1), share, -1, 2), "part");
  NNT_REFUSES(op.apply_share(MatrixXd::Ones(12, 1), share, 0, 0), "parts");
  NNT_REFUSES(op.apply_share(MatrixXd::Ones(11, 1), share, 0, 1), "V");
  CHECK(std::isfinite(op.trace()));
  NNT_REFUSES(nnt::kernel_cross_operator<double>(relu_net(), X, bad), "B");
  NNT_REFUSES(nnt::kernel_cross_operator<double>(relu_net(), MatrixXd::Ones(2, 3), X), "B");
  const nnt::kernel_cross_operator<double> cross(relu_net(), MatrixXd::Ones(3, 4), X);
  MatrixXd o4(4, 1), o12(12, 1);
  NNT_REFUSES(cross.apply(MatrixXd::Ones(4, 1), o4), "V");
  NNT_REFUSES(cross.apply_transpose(MatrixXd::Ones(4, 2), o12), "out");
  NNT_REFUSES(cross.multiply(MatrixXd::Ones(3, 1)), "V");
  CHECK(cross.row_diagonal().allFinite());
  NNT_REFUSES(cross.columns(std::vector<nnt::Index>{-1}), "columns[0]");
  NNT_REFUSES(cross.apply_normal(MatrixXd::Ones(4, 1), o12), "V");
  MatrixXd normal(12, 2);
  NNT_REFUSES(cross.apply_normal(MatrixXd::Ones(12, 1), normal), "out");
  // A variance that overflows is a status, the products NaN.
  const nnt::kernel_network hot({nnt::dense(1e200), nnt::nonlinearity(activation::relu()),
                                 nnt::dense(1e200), nnt::nonlinearity(activation::relu()),
                                 nnt::dense(1e200)});
  const nnt::kernel_operator<double> overflowing(hot, X);
  CHECK(overflowing.status() == nnt::status::overflow);
  CHECK(overflowing.overflow_step() >= 0);
  CHECK(overflowing.ntk());
  CHECK(nnt::kernel_cross_operator<double>(hot, X, X, {.ntk = false}).ntk() == false);
  NNT_NOT_OK(nnt::kernel_ridge_pcg(overflowing, MatrixXd::Ones(1, 12), {.ridge = 1.0}));
  NNT_NOT_OK(nnt::rp_cholesky(overflowing, {.rank = 2}));

  // RPCholesky and its preconditioner.
  NNT_REFUSES(nnt::rp_cholesky(op, {.rank = 13}), "rank");
  NNT_REFUSES(nnt::rp_cholesky(op, {.rank = 2, .block = 0}), "block");
  NNT_REFUSES(nnt::rp_cholesky(op, {.rank = 2, .tolerance = NaN}), "tolerance");
  NNT_REFUSES(nnt::rp_cholesky(MatrixXd::Ones(2, 3), {.rank = 1}), "K");
  NNT_REFUSES(nnt::nystrom_preconditioner<double>(MatrixXd::Ones(4, 2), NaN), "ridge");
  NNT_REFUSES(nnt::nystrom_preconditioner<double>(MatrixXd(0, 2), 1.0), "F.rows()");
  const nnt::nystrom_preconditioner<double> P(MatrixXd::Ones(4, 1), 1.0);
  CHECK(P.rank() == 1);
  CHECK(P.ridge() == 1.0);
  MatrixXd Z(4, 1);
  NNT_REFUSES(P.apply(MatrixXd::Ones(5, 1), Z), "R");

  // Conjugate gradients on any operator.
  const nnt::dense_operator<double> A(MatrixXd::Identity(4, 4));
  NNT_REFUSES(nnt::conjugate_gradient(A, MatrixXd::Ones(3, 1)), "B");
  NNT_REFUSES(nnt::conjugate_gradient(A, MatrixXd::Ones(4, 1), {.tolerance = 0.0}), "tolerance");
  NNT_REFUSES(nnt::preconditioned_cg(A, MatrixXd::Ones(4, 1), P, {.max_iterations = 0}),
              "max_iterations");
  nnt::identity_preconditioner<double> I;
  MatrixXd R = MatrixXd::Ones(4, 1), Zi(4, 1);
  I.apply(R, Zi);
  CHECK(Zi == R);
  NNT_NOT_OK(nnt::conjugate_gradient(nnt::dense_operator<double>(-MatrixXd::Identity(4, 4)),
                                     MatrixXd::Ones(4, 1)));

  // Kernel ridge by PCG.
  NNT_REFUSES(nnt::kernel_ridge_pcg(op, MatrixXd::Ones(1, 12), {.ridge = NaN}), "ridge");
  NNT_REFUSES(nnt::kernel_ridge_pcg(op, MatrixXd::Ones(1, 11), {.ridge = 1.0}), "Y");
  {
    const auto fit = nnt::kernel_ridge_pcg(op, MatrixXd::Ones(1, 12), {.ridge = 1.0});
    const nnt::kernel_cross_operator<double> k_star(relu_net(), X, X.leftCols(3));
    CHECK(k_star.column_diagonal().size() == 3);
    NNT_REFUSES(nnt::kernel_ridge_pcg_variance(op, fit, k_star, {.block = 0}), "block");
    const nnt::kernel_cross_operator<double> short_side(relu_net(), X.leftCols(5), X);
    NNT_REFUSES(nnt::kernel_ridge_pcg_variance(op, fit, short_side), "K_train_test");
    auto unfitted = fit;
    unfitted.status = nnt::status::not_converged;
    NNT_REFUSES(nnt::kernel_ridge_pcg_variance(op, unfitted, k_star), "model");
    NNT_REFUSES(nnt::kernel_ridge_pcg_variance(op, fit, k_star, {.tolerance = 2.0}), "tolerance");
  }
  NNT_REFUSES(
      nnt::kernel_ridge_pcg(op, MatrixXd::Ones(1, 12), {.ridge = 1.0, .preconditioner_rank = -2}),
      "preconditioner_rank");
  NNT_NOT_OK(nnt::kernel_ridge_pcg(
      op, MatrixXd::Ones(1, 12),
      {.ridge = 1e-12, .preconditioner_rank = 0, .tolerance = 1e-14, .max_iterations = 1}));

  // Nyström regression.
  const MatrixXd Y = MatrixXd::Ones(1, 12);
  NNT_REFUSES(nnt::nystrom_ridge_fit(relu_net(), X, Y, {.centres = 13, .ridge = 1.0}), "centres");
  NNT_REFUSES(nnt::nystrom_ridge_fit(relu_net(), X, Y, {.centres = 3, .ridge = -1.0}), "ridge");
  NNT_REFUSES(nnt::nystrom_ridge_fit(relu_net(), bad, Y, {.centres = 3, .ridge = 1.0}), "X");
  NNT_REFUSES(
      nnt::nystrom_ridge_fit(relu_net(), X, MatrixXd::Ones(1, 3), {.centres = 3, .ridge = 1.0}),
      "Y");
  NNT_REFUSES(nnt::nystrom_ridge_fit(relu_net(), X, Y, {.centres = 3, .ridge = 1.0, .block = 0}),
              "block");
  NNT_NOT_OK(nnt::nystrom_ridge_fit(hot, X, Y, {.centres = 3, .ridge = 1.0}));
  const auto fitted = nnt::nystrom_ridge_fit(relu_net(), X, Y, {.centres = 3, .ridge = 1.0});
  REQUIRE(fitted.status == nnt::status::ok);
  NNT_REFUSES(nnt::nystrom_predict(fitted, relu_net(), MatrixXd::Ones(2, 3)), "X_test");
  NNT_REFUSES(nnt::nystrom_predict(fitted, relu_net(), bad), "X_test");
}
