// COURSE.md N6: kernel ridge regression f*(x) = k(x, X)(K + λI)⁻¹y; the GP posterior mean with
// noise variance λ is the same function; representer theorem (the regularised least-squares
// minimiser over a larger span of kernel functions equals the one spanned by the data); RKHS norm
// ‖f‖²_H = yᵀK⁻¹y of the minimum-norm interpolant. Kernel: the NNGP of a depth-3 ReLU net (nnt).
#include <nnt/core/random.hpp>
#include <nnt/kernels/nngp_ntk.hpp>
#include <nnt/kernels/regression.hpp>

#include <Eigen/LU>

#include <numbers>

#include "common/reproduce.hpp"

using nnt_examples::tol;

int main(int argc, char** argv) {
  const auto opt = nnt_examples::parse_options(
      argc, argv, "kernel ridge, GP posterior, representer theorem (N6)");
  nnt_examples::claims claims("kernel_regression");
  // 1-D inputs on the circle, x ↦ (cos t, sin t), target sin(3t) + noise.
  const nnt::Index N = 25, M = 200;
  nnt::random_generator rng(4);
  auto embed = [](Eigen::MatrixXd& A, nnt::Index j, double t) {
    A(0, j) = std::cos(t);
    A(1, j) = std::sin(t);
  };
  Eigen::MatrixXd X(2, N), Xs(2, M);
  Eigen::MatrixXd Y(1, N);
  std::vector<double> t_train, t_test;
  for (nnt::Index i = 0; i < N; ++i) {
    const double t = rng.uniform(0.0, 2 * std::numbers::pi);
    embed(X, i, t);
    Y(0, i) = std::sin(3 * t) + 0.1 * rng.normal();
    t_train.push_back(t);
  }
  for (nnt::Index j = 0; j < M; ++j) {
    t_test.push_back(2 * std::numbers::pi * double(j) / double(M));
    embed(Xs, j, t_test.back());
  }
  const auto net = nnt::fully_connected_kernel(nnt::activation::relu(),
                                               {.hidden_layers = 2, .C_w = 2.0, .C_b = 0.1});
  const Eigen::MatrixXd K = nnt::nngp_gram(net, X), Kc = nnt::nngp_gram(net, X, Xs);
  const Eigen::VectorXd Kss = nnt::kernel_diagonal(net, Xs).nngp;
  const double noise = 0.01;

  // Ridge predictor vs. the GP posterior mean written out with an LU solve.
  const auto ridge = nnt::kernel_ridge_fit(K, Y, {noise, false, true});
  const Eigen::MatrixXd f_ridge = nnt::kernel_ridge_predict(ridge, Kc);
  const Eigen::MatrixXd A = K + noise * Eigen::MatrixXd::Identity(N, N);
  const Eigen::MatrixXd f_gp = Y * A.fullPivLu().solve(Kc);
  claims.check("N6-ridge-equals-GP-posterior-mean", 0.0, (f_ridge - f_gp).cwiseAbs().maxCoeff(),
               tol::abs, 1e-12);

  // Representer theorem: minimise ‖K_XZ β − y‖² + λ βᵀ K_ZZ β over the span of 3N centres Z ⊃ X.
  Eigen::MatrixXd Z(2, 3 * N);
  Z.leftCols(N) = X;
  for (nnt::Index i = N; i < 3 * N; ++i) embed(Z, i, rng.uniform(0.0, 2 * std::numbers::pi));
  const Eigen::MatrixXd KZ = nnt::nngp_gram(net, Z), KXZ = KZ.topRows(N),
                        KZs = nnt::nngp_gram(net, Z, Xs);
  const Eigen::MatrixXd normal = KXZ.transpose() * KXZ + noise * KZ;
  const Eigen::VectorXd beta =
      normal.completeOrthogonalDecomposition().solve(KXZ.transpose() * Y.transpose());
  const Eigen::RowVectorXd f_wide = (KZs.transpose() * beta).transpose();
  claims.check("N6-representer-wider-span-gives-same-function", 0.0,
               (f_wide - f_ridge).cwiseAbs().maxCoeff(), tol::abs, 1e-6);

  // RKHS norm: yᵀK⁻¹y equals ‖f‖²_H = αᵀKα of the interpolant, and any other interpolant in the
  // wider span (minimum coefficient norm, not RKHS norm) has a larger RKHS norm.
  const Eigen::VectorXd y = Y.row(0).transpose();
  const double rkhs = nnt::rkhs_norm_squared(K, y).value;
  const Eigen::VectorXd alpha = K.fullPivLu().solve(y);
  claims.check("N6-rkhs-norm-yKinvy", alpha.dot(K * alpha), rkhs, tol::rel, 1e-9);
  const Eigen::VectorXd gamma =
      KXZ.completeOrthogonalDecomposition().solve(y);  // another interpolant
  const double other = gamma.dot(KZ * gamma);
  claims.check_that("N6-min-norm-interpolant", "y'K^-1 y <= norm of another interpolant",
                    nnt_examples::format_number(rkhs) + " <= " + nnt_examples::format_number(other),
                    rkhs <= other * (1 + 1e-9));

  const auto gp = nnt::gp_posterior_predict(K, Kc, Kss, Y, {noise, false, true});
  std::vector<double> mean, upper, lower, truth;
  for (nnt::Index j = 0; j < M; ++j) {
    mean.push_back(gp.mean(0, j));
    upper.push_back(gp.mean(0, j) + 2 * std::sqrt(gp.variance(j)));
    lower.push_back(gp.mean(0, j) - 2 * std::sqrt(gp.variance(j)));
    truth.push_back(std::sin(3 * t_test[j]));
  }
  double mse = 0;
  for (nnt::Index j = 0; j < M; ++j) mse += (mean[j] - truth[j]) * (mean[j] - truth[j]) / M;
  claims.report("test-mse", mse, "GP posterior mean vs sin(3t), 25 noisy samples");
  nnt_examples::write_plot(opt, "gp_posterior",
                           {"t", "posterior mean", "mean + 2 sd", "mean - 2 sd", "sin(3t)"},
                           {t_test, mean, upper, lower, truth},
                           {.title = "N6: NNGP (ReLU, depth 3) posterior on the circle",
                            .xlabel = "t",
                            .ylabel = "f",
                            .extra = "set style data lines\n"});
  return claims.exit_code();
}
