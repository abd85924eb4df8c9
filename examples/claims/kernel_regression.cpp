// COURSE.md N6: kernel ridge regression f*(x) = k(x, X)(K + λI)⁻¹y; the GP posterior mean with
// noise variance λ is the same function; representer theorem (the regularised least-squares
// minimiser over a larger span of kernel functions equals the one spanned by the data); RKHS norm
// ‖f‖²_H = yᵀK⁻¹y of the minimum-norm interpolant. Kernel: the NNGP of a depth-3 ReLU net (nnt).
#include <nnt/core/random.hpp>
#include <nnt/kernels/nngp_ntk.hpp>
#include <nnt/kernels/regression.hpp>

#include <numbers>

#include "common/reproduce.hpp"

using nnt_examples::tol;

int main(int argc, char** argv) {
  const auto opt = nnt_examples::parse_options(
      argc, argv, "kernel ridge, GP posterior, representer theorem (N6)");
  nnt_examples::claims claims("kernel_regression");
  // 1-D inputs on the circle, x ↦ (cos t, sin t), target sin(3t) + noise.
  const nnt::Index N = 25, M = 200;
  nnt::random_generator rng(opt.seed_for(4));
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
  // GP posterior by conditioning the prior on (f(X), f(Xs)) one noisy observation at a time
  // (rank-one updates, no solve): an independent route to the posterior mean and variance.
  Eigen::MatrixXd C(N + M, N + M);
  C << K, Kc, Kc.transpose(), nnt::nngp_gram(net, Xs);
  Eigen::VectorXd m = Eigen::VectorXd::Zero(N + M);
  for (nnt::Index i = 0; i < N; ++i) {
    const Eigen::VectorXd c = C.col(i) / (C(i, i) + noise);
    m += c * (Y(0, i) - m(i));
    C -= c * C.row(i);
  }
  const auto ridge = nnt::kernel_ridge_fit(K, Y, {noise, false, true});
  const Eigen::MatrixXd f_ridge = nnt::kernel_ridge_predict(ridge, Kc);
  const auto gp = nnt::gp_posterior_predict(K, Kc, Kss, Y, {noise, false, true});
  auto sup = [](const auto& A) { return A.cwiseAbs().template maxCoeff<Eigen::PropagateNaN>(); };
  // both routes are backward stable: error ≲ 1e3·ε·κ(K + λI)·‖y‖∞, κ ≤ (tr K + λ)/λ
  const double round = 1e3 * 2.2e-16 * (K.trace() + noise) / noise * sup(Y);
  claims.check("N6-ridge-equals-GP-posterior-mean", 0.0, sup(f_ridge.transpose() - m.tail(M)),
               tol::abs, round);
  claims.check("N6-gp-posterior-variance-by-conditioning", 0.0,
               sup(gp.variance - C.diagonal().tail(M)), tol::abs, round);
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
  // the normal equations square the conditioning: round·κ(K + λI) ≈ 1e-6 in the worst case
  claims.check("N6-representer-wider-span-gives-same-function", 0.0, sup(f_wide - f_ridge),
               tol::abs, 1e-6);
  // ‖f‖²_H = yᵀK⁻¹y through an explicit feature map: k(x,x′) = (1 + xᵀx′)^p has features
  // √(p!/(i!j!l!)) x₁ʲx₂ˡ (i + j + l = p), and ‖f‖²_H = min ‖w‖² s.t. Φᵀw = y (QR least norm).
  const Eigen::VectorXd y = Y.row(0).transpose();
  const int p = 48;  // on the circle: trig polynomials of degree ≤ 48, dimension 97 ≫ N
  Eigen::MatrixXd Phi((p + 1) * (p + 2) / 2, N);
  for (nnt::Index n = 0, r = 0; n < N; ++n, r = 0)
    for (int j = 0; j <= p; ++j)
      for (int l = 0; j + l <= p; ++l)
        Phi(r++, n) = std::sqrt(std::exp(std::lgamma(p + 1.0) - std::lgamma(p - j - l + 1.0) -
                                         std::lgamma(j + 1.0) - std::lgamma(l + 1.0))) *
                      std::pow(X(0, n), j) * std::pow(X(1, n), l);
  const Eigen::MatrixXd Kp = (1 + (X.transpose() * X).array()).pow(p).matrix();
  const Eigen::VectorXd w = Phi.transpose().completeOrthogonalDecomposition().solve(y);
  const double kappa = 1 / Kp.ldlt().rcond();  // both sides lose ~κ·ε (relative)
  claims.check("N6-rkhs-norm-yKinvy-vs-explicit-features", w.squaredNorm(),
               nnt::rkhs_norm_squared(Kp, y).value, tol::rel, 1e3 * 2.2e-16 * kappa);
  const double rkhs = nnt::rkhs_norm_squared(K, y).value;
  // another interpolant in the wider span (least coefficient norm, not RKHS norm): larger ‖·‖_H
  const Eigen::VectorXd gamma = KXZ.completeOrthogonalDecomposition().solve(y);
  const double other = gamma.dot(KZ * gamma);
  claims.check_that("N6-min-norm-interpolant", "y'K^-1 y <= norm of another interpolant",
                    nnt_examples::format_number(rkhs) + " <= " + nnt_examples::format_number(other),
                    rkhs <= other * (1 + 1e-9));
  std::vector<double> mean, upper, lower, truth;
  double mse = 0;
  for (nnt::Index j = 0; j < M; ++j) {
    mean.push_back(gp.mean(0, j));
    upper.push_back(mean[j] + 2 * std::sqrt(gp.variance(j)));
    lower.push_back(mean[j] - 2 * std::sqrt(gp.variance(j)));
    truth.push_back(std::sin(3 * t_test[j]));
    mse += (mean[j] - truth[j]) * (mean[j] - truth[j]) / M;
  }
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
