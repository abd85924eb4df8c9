// COURSE.md K3: scaling laws of the test loss with the data-set size N.
//   Variance-limited: a fixed model (random-feature regression with P ReLU features, least
//     squares) with N ≫ P has L(N) − L(∞) ∝ N⁻¹ (≈ σ_eff² P/N); fitted slope −1 ± 0.1.
//   Resolution-limited: a piecewise (multi)linear interpolant on a grid of N points of a smooth
//     target in d dimensions has error O(h²), h = N^{−1/d}, so MSE ∝ N^{−4/d}: slopes −4, −2, −4/3
//     for d = 1, 2, 3 (± 0.1·4/d). With m points per axis the spacing is 1/(m − 1), so the local
//     slope is −(4/d)·m/(m − 1): grids start at m = 16 (d ≤ 2) and 32 (d = 3) to keep that under 3%.
//   Reported, not claimed: learning-curve exponents of NNGP and NTK (ReLU, depth 3) kernel
//     regression on a smooth teacher for inputs on the sphere S^{d−1}, d = 2, 4, 8.
#include <nnt/core/random.hpp>
#include <nnt/kernels/nngp_ntk.hpp>
#include <nnt/kernels/regression.hpp>

#include <Eigen/Cholesky>

#include "common/reproduce.hpp"

using nnt_examples::tol;

namespace {

double teacher(const Eigen::VectorXd& x) { return std::sin(x(0)) + 0.5 * x(1) * x(2) + 0.3 * std::cos(2 * x(3)); }

// Variance-limited part: excess test loss of P-feature least squares, averaged over trials.
std::vector<double> random_feature_curve(const std::vector<nnt::Index>& sizes, nnt::Index P, int trials,
                                         double& loss_infinity) {
  const nnt::Index d = 4;
  const double noise = 0.3;
  nnt::random_generator rng(21);
  Eigen::MatrixXd W(P, d);
  Eigen::VectorXd b(P);
  rng.fill_normal(W);
  rng.fill_normal(b);
  auto features = [&](const Eigen::MatrixXd& X) {  // N × (P + 1), last column constant
    Eigen::MatrixXd F(X.cols(), P + 1);
    F.leftCols(P) = ((W * X).colwise() + b).transpose().cwiseMax(0.0);
    F.col(P).setOnes();
    return F;
  };
  auto sample = [&](nnt::Index N, nnt::random_generator& r, Eigen::MatrixXd& X, Eigen::VectorXd& y) {
    X.resize(d, N);
    r.fill_normal(X);
    y.resize(N);
    for (nnt::Index i = 0; i < N; ++i) y(i) = teacher(X.col(i)) + noise * r.normal();
  };
  auto fit = [&](const Eigen::MatrixXd& X, const Eigen::VectorXd& y) {
    const Eigen::MatrixXd F = features(X);
    Eigen::MatrixXd G = F.transpose() * F;
    G.diagonal().array() += 1e-10 * G.trace() / double(P + 1);
    return Eigen::VectorXd(G.ldlt().solve(F.transpose() * y));
  };
  Eigen::MatrixXd Xt;
  Eigen::VectorXd yt;
  nnt::random_generator test_rng(22);
  sample(200000, test_rng, Xt, yt);
  const Eigen::MatrixXd Ft = features(Xt);
  auto test_loss = [&](const Eigen::VectorXd& w) { return (Ft * w - yt).squaredNorm() / double(yt.size()); };
  // L(∞): the best fit in the model class, estimated from 10⁶ samples (its own excess ~σ²P/10⁶).
  Eigen::MatrixXd Xb;
  Eigen::VectorXd yb;
  nnt::random_generator big_rng(23);
  sample(1000000, big_rng, Xb, yb);
  loss_infinity = test_loss(fit(Xb, yb));
  std::vector<double> excess;
  for (nnt::Index N : sizes) {
    double sum = 0;
    for (int t = 0; t < trials; ++t) {
      auto r = nnt::random_generator::for_task(24 + std::uint64_t(N), std::uint64_t(t));
      Eigen::MatrixXd X;
      Eigen::VectorXd y;
      sample(N, r, X, y);
      sum += test_loss(fit(X, y)) - loss_infinity;
    }
    excess.push_back(sum / trials);
  }
  return excess;
}

// Resolution-limited part: multilinear interpolation on an m^d grid of [0, 1]^d.
double interpolation_mse(int d, int m, const Eigen::MatrixXd& test) {
  auto f = [d](const double* x) {
    double s = 0;
    for (int i = 0; i < d; ++i) s += std::sin(3 * x[i] + i);
    return std::exp(0.5 * s);
  };
  const double h = 1.0 / (m - 1);
  double mse = 0;
  for (nnt::Index j = 0; j < test.cols(); ++j) {
    int cell[3];
    double frac[3];
    for (int i = 0; i < d; ++i) {
      cell[i] = std::min(m - 2, int(test(i, j) / h));
      frac[i] = test(i, j) / h - cell[i];
    }
    double value = 0;
    for (int corner = 0; corner < (1 << d); ++corner) {
      double x[3], w = 1;
      for (int i = 0; i < d; ++i) {
        const int bit = (corner >> i) & 1;
        x[i] = (cell[i] + bit) * h;
        w *= bit ? frac[i] : 1 - frac[i];
      }
      value += w * f(x);
    }
    const double truth = f(&test.col(j).coeffRef(0));
    mse += (value - truth) * (value - truth) / double(test.cols());
  }
  return mse;
}

// Kernel regression test MSE on the sphere S^{d−1}, teacher f(x) = exp(v·x) with |v| = 1.5.
std::pair<double, double> kernel_curve_point(nnt::Index d, nnt::Index N, int trials) {
  const auto net = nnt::fully_connected_kernel(3, nnt::activation::relu(), 2.0, 0.0);
  double nngp_mse = 0, ntk_mse = 0;
  for (int t = 0; t < trials; ++t) {
    auto rng = nnt::random_generator::for_task(31 + std::uint64_t(d), std::uint64_t(N * 10 + t));
    Eigen::VectorXd v(d);
    nnt::random_generator(32 + std::uint64_t(d)).fill_normal(v);
    v *= 1.5 / v.norm();
    Eigen::MatrixXd X(d, N), Xt(d, 500);
    rng.fill_normal(X);
    rng.fill_normal(Xt);
    X.colwise().normalize();
    Xt.colwise().normalize();
    X *= std::sqrt(double(d));  // ‖x‖² = d, so xᵀx′/d is the cosine
    Xt *= std::sqrt(double(d));
    const Eigen::MatrixXd Y = (v.transpose() * X / std::sqrt(double(d))).array().exp().matrix();
    const Eigen::MatrixXd Yt = (v.transpose() * Xt / std::sqrt(double(d))).array().exp().matrix();
    const auto train = nnt::kernel_gram(net, X), cross = nnt::kernel_gram(net, X, Xt);
    const nnt::ridge_options tiny{1e-10, true, true};
    const auto m1 = nnt::kernel_ridge_fit(train.nngp, Y, tiny);
    const auto m2 = nnt::kernel_ridge_fit(train.ntk, Y, tiny);
    nngp_mse += (nnt::kernel_ridge_predict(m1, cross.nngp) - Yt).squaredNorm() / 500.0 / trials;
    ntk_mse += (nnt::kernel_ridge_predict(m2, cross.ntk) - Yt).squaredNorm() / 500.0 / trials;
  }
  return {nngp_mse, ntk_mse};
}

}  // namespace

int main(int argc, char** argv) {
  const auto opt = nnt_examples::parse_options(argc, argv, "learning curves and scaling laws (K3)");
  nnt_examples::claims claims("kernel_learning_curves");

  // Variance-limited.
  const nnt::Index P = 20;
  const std::vector<nnt::Index> sizes{8 * P, 16 * P, 32 * P, 64 * P, 128 * P, 256 * P};
  double loss_infinity = 0;
  const auto excess = random_feature_curve(sizes, P, opt.full ? 400 : 100, loss_infinity);
  std::vector<double> n_axis(sizes.begin(), sizes.end());
  claims.check("K3-variance-limited-slope", -1.0, nnt_examples::loglog_slope(n_axis, excess), tol::abs, 0.1);
  claims.report("random-features-L(inf)", loss_infinity, "best test MSE of the 20-feature model (noise variance 0.09)");
  nnt_examples::write_plot(opt, "variance_limited", {"N", "L(N) - L(inf)"}, {n_axis, excess},
                           {.title = "K3: random features, P = 20: excess loss ~ 1/N", .xlabel = "N", .ylabel = "excess test MSE",
                            .logx = true, .logy = true, .extra = "set style data linespoints\n"});

  // Resolution-limited.
  std::vector<std::vector<double>> grid_n(3), grid_mse(3);
  for (int d = 1; d <= 3; ++d) {
    Eigen::MatrixXd test(d, 4000);
    nnt::random_generator rng(40 + std::uint64_t(d));
    for (nnt::Index j = 0; j < test.cols(); ++j)
      for (int i = 0; i < d; ++i) test(i, j) = rng.uniform();
    const std::vector<int> ms = d == 1 ? std::vector<int>{16, 32, 64, 128, 256} : d == 2 ? std::vector<int>{16, 24, 32, 48, 64}
                                                                                        : std::vector<int>{32, 48, 64, 96, 128};
    for (int m : ms) {
      grid_n[d - 1].push_back(std::pow(double(m), d));
      grid_mse[d - 1].push_back(interpolation_mse(d, m, test));
    }
    claims.check("K3-resolution-limited-slope-d=" + std::to_string(d), -4.0 / d,
                 nnt_examples::loglog_slope(grid_n[d - 1], grid_mse[d - 1]), tol::abs, 0.1 * 4.0 / d);
  }
  nnt_examples::write_plot(opt, "resolution_limited_d2", {"N", "MSE (d = 2)"}, {grid_n[1], grid_mse[1]},
                           {.title = "K3: grid interpolation, MSE ~ N^(-4/d), d = 2", .xlabel = "N", .ylabel = "MSE",
                            .logx = true, .logy = true, .extra = "set style data linespoints\n"});

  // Kernel regression exponents (reported).
  std::vector<double> ns;
  std::vector<std::vector<double>> curves;
  std::vector<std::string> header{"N"};
  for (nnt::Index N : {16, 32, 64, 128, 256, 512}) ns.push_back(double(N));
  for (nnt::Index d : {2, 4, 8}) {
    std::vector<double> nngp, ntk;
    for (double N : ns) {
      const auto [a, b] = kernel_curve_point(d, nnt::Index(N), opt.full ? 8 : 3);
      nngp.push_back(a);
      ntk.push_back(b);
    }
    claims.report("NNGP-learning-curve-exponent-d=" + std::to_string(d), nnt_examples::loglog_slope(ns, nngp),
                  "fitted slope of test MSE vs N, ReLU depth 3, teacher exp(v.x) on the sphere");
    claims.report("NTK-learning-curve-exponent-d=" + std::to_string(d), nnt_examples::loglog_slope(ns, ntk),
                  "fitted slope of test MSE vs N");
    curves.push_back(nngp);
    curves.push_back(ntk);
    header.push_back("NNGP d=" + std::to_string(d));
    header.push_back("NTK d=" + std::to_string(d));
  }
  curves.insert(curves.begin(), ns);
  nnt_examples::write_plot(opt, "kernel_learning_curves", header, curves,
                           {.title = "K3: kernel regression learning curves", .xlabel = "N", .ylabel = "test MSE",
                            .logx = true, .logy = true, .extra = "set style data linespoints\n"});
  return claims.exit_code();
}
