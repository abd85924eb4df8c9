// Adversarial cases for nnt/experiments: every experiment's data and options at and past their
// limits — non-finite or mislabelled data, degenerate (rank-deficient, non-separable, all-inactive)
// problems that must come back as a status, and sizes refused before allocating.
#include <nnt/experiments/catapult.hpp>
#include <nnt/experiments/diagonal_linear_net.hpp>
#include <nnt/experiments/edge_of_stability.hpp>
#include <nnt/experiments/max_margin.hpp>
#include <nnt/experiments/sgd_stationarity.hpp>
#include <nnt/experiments/two_layer_relu_gd.hpp>

#include "adversarial.hpp"

using namespace nnt_adversarial;
using Eigen::MatrixXd;
using Eigen::VectorXd;

TEST_CASE("adversarial experiments: catapult", "[adversarial]") {
  NNT_REFUSES(nnt::random_catapult_problem(0, 8, 0.0, 1), "input_dim");
  NNT_REFUSES(nnt::random_catapult_problem(4, 0, 0.0, 1), "width");
  NNT_REFUSES(nnt::random_catapult_problem(4, 8, NaN, 1), "y");
  NNT_REFUSES(nnt::random_catapult_problem(nnt::Index(1) << 20, nnt::Index(1) << 30, 0.0, 1),
              "width");
  const auto p = nnt::random_catapult_problem(4, 64, 0.5, 1);
  const auto relu = nnt::catapult_model::relu;
  NNT_REFUSES(nnt::catapult_gd(p, relu, {.eta = 0}), "eta");
  NNT_REFUSES(nnt::catapult_gd(p, relu, {.eta = NaN}), "eta");
  NNT_REFUSES(nnt::catapult_gd(p, relu, {.steps = 0}), "steps");
  NNT_REFUSES(nnt::catapult_gd(p, relu, {.converged_loss_ratio = -1}), "converged_loss_ratio");
  NNT_REFUSES(nnt::catapult_gd(p, relu, {.divergence_loss = 0}), "divergence_loss");
  auto bad = p;
  bad.x(0) = NaN;
  NNT_REFUSES(nnt::catapult_gd(bad, relu, {}), "x");
  bad = p;
  bad.u(3, 1) = Inf;
  NNT_REFUSES(nnt::catapult_gd(bad, relu, {}), "u");
  bad = p;
  bad.v = VectorXd::Ones(3);
  NNT_REFUSES(nnt::catapult_gd(bad, relu, {}), "v");
  bad = p;
  bad.x.setZero();
  NNT_REFUSES(nnt::catapult_gd(bad, relu, {}), "|x|^2");
  bad = p;
  bad.u = -bad.u.cwiseAbs();  // every hᵢ ≤ 0 for a positive x: no active unit
  bad.x = bad.x.cwiseAbs();
  NNT_REFUSES(nnt::catapult_gd(bad, relu, {}), "u, v");
  // ηλ₀ = 10 > 4: diverges, reported as such.
  NNT_NOT_OK(nnt::catapult_gd(p, relu, {.eta = 10, .steps = 2000}));
  NNT_NOT_OK(nnt::catapult_gd(p, nnt::catapult_model::quadratic, {.eta = 10, .steps = 2000}));
}

TEST_CASE("adversarial experiments: diagonal linear net and interpolants", "[adversarial]") {
  MatrixXd X(4, 2);
  X << 1, 0, 0, 1, 1, 1, 0, 2;
  const VectorXd y(VectorXd::LinSpaced(2, 1, 2));
  MatrixXd X_nan = X;
  X_nan(2, 1) = NaN;
  NNT_REFUSES(nnt::diagonal_net_gradient_flow(X_nan, y, 0.1), "X");
  NNT_REFUSES(nnt::diagonal_net_gradient_flow(X, VectorXd::Ones(3), 0.1), "y");
  NNT_REFUSES(nnt::diagonal_net_gradient_flow(X, y, 0.0), "alpha");
  NNT_REFUSES(nnt::diagonal_net_gradient_flow(X, y, NaN), "alpha");
  NNT_REFUSES(nnt::diagonal_net_gradient_flow(X, y, 1e200), "alpha");  // α² overflows
  NNT_REFUSES(nnt::diagonal_net_gradient_flow(X, y, 0.1, {.theta0 = VectorXd::Ones(3)}), "theta0");
  NNT_REFUSES(nnt::diagonal_net_gradient_flow(X, y, 0.1, {.theta0 = -VectorXd::Ones(4)}),
              "theta0(0)");
  NNT_REFUSES(nnt::diagonal_net_gradient_flow(X, y, 0.1, {.tolerance = 0}), "tolerance");
  NNT_REFUSES(nnt::diagonal_net_gradient_flow(X, y, 0.1, {.t_max = Inf}), "t_max");
  NNT_REFUSES(nnt::diagonal_net_gradient_flow(X, y, 0.1, {.absolute_tolerance = -1}),
              "absolute_tolerance");
  NNT_REFUSES(nnt::diagonal_net_gradient_flow(X, y, 0.1, {.observations_per_decade = 0}),
              "observations_per_decade");
  NNT_REFUSES(nnt::diagonal_net_gradient_flow(X, y, 0.1, {.max_steps = 0}), "options.max_steps");
  // A budget too small to interpolate.
  NNT_NOT_OK(nnt::diagonal_net_gradient_flow(X, y, 0.1, {.t_max = 1e-3}));
  NNT_NOT_OK(nnt::diagonal_net_gradient_flow(X, y, 0.1, {.max_steps = 2}));
  NNT_REFUSES(nnt::minimize_q_alpha(X, y, -1.0), "alpha");
  NNT_REFUSES(nnt::minimize_q_alpha(X, y, 0.1, {.stop = {.max_iterations = 0}}),
              "stop.max_iterations");
  NNT_NOT_OK(nnt::minimize_q_alpha(X, y, 0.1, {.stop = {.max_iterations = 1, .tolerance = 1e-15}}));
  // Rank-deficient examples with inconsistent targets: no β interpolates, so no solver may say ok.
  MatrixXd twin(4, 2);
  twin.col(0) << 1, 2, 0, 1;
  twin.col(1) = twin.col(0);
  const VectorXd clash(VectorXd::LinSpaced(2, 1, 2));
  NNT_NOT_OK(nnt::weighted_min_l2(twin, clash));
  NNT_NOT_OK(nnt::min_l1_interpolant(twin, clash));
  NNT_NOT_OK(nnt::minimize_q_alpha(twin, clash, 0.5));
  NNT_NOT_OK(nnt::diagonal_net_gradient_flow(twin, clash, 0.5, {.t_max = 1e3}));
  // Nearly rank-deficient (columns 1e-13 apart): the solve cannot interpolate to working accuracy.
  MatrixXd near = twin;
  near(0, 1) += 1e-13;
  const auto near_l2 = nnt::weighted_min_l2(near, clash);
  CHECK((near_l2.status != nnt::status::ok || near_l2.residual <= 1e-8));
  const auto near_l1 = nnt::min_l1_interpolant(near, clash);
  CHECK((near_l1.status != nnt::status::ok || near_l1.residual <= 1e-8));
  NNT_REFUSES(nnt::min_l1_interpolant(MatrixXd::Ones(21, 2), VectorXd::Ones(2)), "X.rows()");
  NNT_REFUSES(nnt::min_l1_interpolant(MatrixXd::Ones(2, 3), VectorXd::Ones(3)), "X.rows()");
}

TEST_CASE("adversarial experiments: max margin", "[adversarial]") {
  MatrixXd X(2, 4);
  X << 1, 2, -1, -2, 1, 0, -1, 0;
  const VectorXd y = (VectorXd(4) << 1, 1, -1, -1).finished();
  NNT_REFUSES(nnt::hard_margin_svm(X, (VectorXd(4) << 1, 0, -1, -1).finished()), "y(1)");
  NNT_REFUSES(nnt::hard_margin_svm(X, (VectorXd(4) << 1, NaN, -1, -1).finished()), "y(1)");
  NNT_REFUSES(nnt::hard_margin_svm(X, VectorXd::Ones(3)), "y");
  MatrixXd X_zero = X;
  X_zero.col(2).setZero();
  NNT_REFUSES(nnt::hard_margin_svm(X_zero, y), "X.col(2)");
  MatrixXd X_inf = X;
  X_inf(0, 0) = Inf;
  NNT_REFUSES(nnt::hard_margin_svm(X_inf, y), "X");
  NNT_REFUSES(nnt::hard_margin_svm(MatrixXd(2, 0), VectorXd(0)), "X.cols()");
  NNT_REFUSES(nnt::hard_margin_svm(X, y, {.stop = {.tolerance = 0}}), "stop.tolerance");
  // Not separable through the origin (x and −x with the same label): never ok.
  MatrixXd Xn(2, 2);
  Xn << 1, -1, 1, -1;
  const VectorXd yn = VectorXd::Ones(2);
  NNT_NOT_OK(nnt::hard_margin_svm(Xn, yn, {.stop = {.max_iterations = 1000}}));
  NNT_NOT_OK(nnt::logistic_gd_max_margin(Xn, yn, 0.1, 100));
  NNT_REFUSES(nnt::logistic_gd_max_margin(X, y, 0.0, 100), "eta");
  NNT_REFUSES(nnt::logistic_gd_max_margin(X, y, 0.1, 0), "steps");
  NNT_REFUSES(nnt::logistic_gd_max_margin(X, y, 0.1, 100, 0), "records_per_decade");
}

TEST_CASE("adversarial experiments: SGD stationarity", "[adversarial]") {
  const MatrixXd X = MatrixXd::Identity(3, 5);
  const VectorXd y = VectorXd::Ones(5);
  NNT_REFUSES(nnt::sgd_stationarity(X, VectorXd::Ones(4)), "y");
  VectorXd y_nan = y;
  y_nan(0) = NaN;
  NNT_REFUSES(nnt::sgd_stationarity(X, y_nan), "y");
  NNT_REFUSES(nnt::sgd_stationarity(X, y, {.eta = -1}), "eta");
  NNT_REFUSES(nnt::sgd_stationarity(X, y, {.momentum = 1.0}), "momentum");
  NNT_REFUSES(nnt::sgd_stationarity(X, y, {.batch = 0}), "batch");
  NNT_REFUSES(nnt::sgd_stationarity(X, y, {.burn_in = -1}), "burn_in");
  NNT_REFUSES(nnt::sgd_stationarity(X, y, {.batches = 1}), "batches");
  NNT_REFUSES(nnt::sgd_stationarity(X, y, {.steps = 10, .batches = 20}), "steps");
  // η far beyond 2/λ_max: θ leaves the finite range, reported. (Examples 3 and 4 are zero: their
  // minibatch gradient is exactly 0, which used to end the run at once as "converged".)
  NNT_NOT_OK(nnt::sgd_stationarity(X, y, {.eta = 100, .burn_in = 100, .steps = 2000}));
}

TEST_CASE("adversarial experiments: two-layer ReLU and edge of stability", "[adversarial]") {
  const MatrixXd X = MatrixXd::Identity(3, 3);
  const VectorXd y = VectorXd::Ones(3);
  MatrixXd X_nan = X;
  X_nan(0, 0) = NaN;
  NNT_REFUSES(nnt::two_layer_relu_gram(X_nan), "X");
  NNT_REFUSES(nnt::two_layer_relu_gram(MatrixXd(3, 0)), "X.cols()");
  NNT_REFUSES(nnt::two_layer_relu_training(X, VectorXd::Ones(2)), "y");
  NNT_REFUSES(nnt::two_layer_relu_training(X, y, {.width = 0}), "width");
  NNT_REFUSES(nnt::two_layer_relu_training(X, y, {.width = nnt::Index(1) << 31}), "width");
  NNT_REFUSES(nnt::two_layer_relu_training(X, y, {.eta = 0}), "eta");
  NNT_REFUSES(nnt::two_layer_relu_training(X, y, {.steps = 0}), "steps");
  NNT_REFUSES(nnt::two_layer_relu_training(X, y, {.record_every = 0}), "record_every");
  NNT_REFUSES(nnt::two_layer_relu_objective<double>(X, VectorXd::Ones(2), VectorXd::Ones(4)), "y");
  NNT_REFUSES(nnt::two_layer_relu_objective<double>(X, y, VectorXd(0)), "a.size()");

  nnt::mlp<double> net({2, 8, 1}, nnt::activation::tanh());
  net.initialize(1);
  const nnt::mse_loss mse;
  const MatrixXd Xe = MatrixXd::Random(2, 6), Ye = MatrixXd::Zero(1, 6);
  NNT_REFUSES(nnt::gradient_descent_sharpness(net, mse, Xe, Ye, {.eta = 0}), "eta");
  NNT_REFUSES(nnt::gradient_descent_sharpness(net, mse, Xe, Ye, {.steps = 0}), "steps");
  NNT_REFUSES(nnt::gradient_descent_sharpness(net, mse, Xe, Ye, {.sharpness_every = 0}),
              "sharpness_every");
  NNT_REFUSES(nnt::gradient_descent_sharpness(net, mse, Xe, MatrixXd::Zero(1, 5)), "Y");
  MatrixXd Xe_nan = Xe;
  Xe_nan(1, 1) = NaN;
  NNT_REFUSES(nnt::gradient_descent_sharpness(net, mse, Xe_nan, Ye), "X");
  NNT_NOT_OK(nnt::gradient_descent_sharpness(net, mse, Xe, MatrixXd::Constant(1, 6, 10.0),
                                             {.eta = 1e3, .steps = 200, .sharpness_every = 50}));
}

TEST_CASE("adversarial experiments: building blocks (objectives, recursion, phase grids)",
          "[adversarial]") {
  NNT_REFUSES(nnt::logistic_objective<double>(MatrixXd(2, 0)), "Z.cols()");
  MatrixXd Z = MatrixXd::Ones(2, 3);
  Z(1, 2) = NaN;
  NNT_REFUSES(nnt::logistic_objective<double>(Z), "Z");
  const nnt::logistic_objective<double> logistic(MatrixXd::Ones(2, 3));
  VectorXd g;
  NNT_REFUSES(logistic.value(VectorXd::Zero(3)), "w");
  NNT_REFUSES(logistic.value_and_gradient(VectorXd::Zero(1), g), "w");
  CHECK(logistic.value(VectorXd::Constant(2, -1e300)) == 2e300);  // log1p_exp: no overflow
  CHECK(logistic.value(VectorXd::Constant(2, 1e300)) == 0);

  NNT_REFUSES(nnt::least_squares_objective<double>(MatrixXd(2, 0), VectorXd(0)), "X.cols()");
  NNT_REFUSES(nnt::least_squares_objective<double>(MatrixXd::Ones(2, 3), VectorXd::Ones(2)), "y");
  NNT_REFUSES(
      nnt::least_squares_objective<double>(MatrixXd::Constant(2, 3, Inf), VectorXd::Ones(3)), "X");
  const nnt::least_squares_objective<double> ls(MatrixXd::Identity(2, 3), VectorXd::Ones(3));
  NNT_REFUSES(ls.value(VectorXd::Zero(3)), "theta");
  NNT_REFUSES(ls.value_and_gradient(VectorXd::Zero(1), g), "theta");
  const std::vector<nnt::Index> past{3}, negative{-1}, none{};
  NNT_REFUSES(ls.value_and_gradient(VectorXd::Zero(2), g, past), "batch");
  NNT_REFUSES(ls.value_and_gradient(VectorXd::Zero(2), g, negative), "batch");
  NNT_REFUSES(ls.value_and_gradient(VectorXd::Zero(2), g, none), "batch.size()");

  // The (z, λ) recursion: NaN in, NaN out; the printed λ update is finite at z = y (no 0·∞).
  const nnt::catapult_state s{.z = 0.5, .lambda = 2.0};
  CHECK(std::isnan(nnt::catapult_recursion_step({NaN, 1.0}, 0.1, 0.01, 0.5).z));
  CHECK(nnt::catapult_recursion_step(s, 0.1, 0.01, 0.5).z == 0.5);  // at z = y GD stays put
  CHECK(nnt::catapult_lambda_printed(s, 0.1, 0.01, 0.5) == 2.0);
  const auto p = nnt::random_catapult_problem(4, 16, 0.5, 1);
  CHECK(p.c() == Approx(p.x.squaredNorm() / (16.0 * 4.0)));
  const auto net = nnt::catapult_mlp(p);
  // z = m^{−1/2} Σ vᵢ ReLU(uᵢᵀx/√d) with m = 16, d = 4 (the header formula).
  CHECK(net.forward(MatrixXd(p.x))(0) == Approx(p.v.dot((p.u * p.x / 2.0).cwiseMax(0.0)) / 4.0));

  const auto quadratic = nnt::catapult_model::quadratic;
  NNT_REFUSES(nnt::catapult_phases(quadratic, {}, {1.0}, 4, 0.5, 1), "widths.size()");
  NNT_REFUSES(nnt::catapult_phases(quadratic, {16}, {}, 4, 0.5, 1), "eta_lambda0.size()");
  NNT_REFUSES(nnt::catapult_phases(quadratic, {16}, {2.0, 1.0}, 4, 0.5, 1), "eta_lambda0");
  NNT_REFUSES(nnt::catapult_phases(quadratic, {16}, {1.0, NaN}, 4, 0.5, 1), "eta_lambda0[1]");
  NNT_REFUSES(nnt::catapult_phases(quadratic, {16}, {-1.0}, 4, 0.5, 1), "eta_lambda0[0]");
  NNT_REFUSES(nnt::catapult_phases(quadratic, {16, 0}, {1.0}, 4, 0.5, 1), "widths[1]");
  NNT_REFUSES(nnt::catapult_phases(quadratic, {16}, {1.0}, 0, 0.5, 1), "input_dim");
  NNT_REFUSES(nnt::catapult_phases(quadratic, {16}, {1.0}, 4, NaN, 1), "y");
}
