// COURSE.md K3, reported, not claimed: learning-curve exponents of NNGP and NTK kernel regression
// (ReLU, depth 3, C_w = 2, C_b = 0, ridge 1e-10·tr K/N) on a smooth teacher exp(v·x/√d) with
// |v| = 1.5, inputs on the sphere ‖x‖² = d, d = 2, 4, 8: fitted slopes of the test MSE (500 test
// points, averaged over trials) against N = 16 … 512, with a log–log plot. The claimed scaling
// laws: variance_limited_scaling and resolution_limited_scaling.
#include <nnt/core/random.hpp>
#include <nnt/kernels/nngp_ntk.hpp>
#include <nnt/kernels/regression.hpp>

#include "common/plot_table.hpp"
#include "common/reproduce.hpp"

using namespace nnt_examples;
using Matrix = Eigen::MatrixXd;
using Vector = Eigen::VectorXd;

namespace {

// Kernel regression test MSE (NNGP, NTK) on the sphere S^{d−1}, teacher exp(v·x) with |v| = 1.5.
std::pair<double, double> kernel_curve_point(nnt::Index d, nnt::Index N, int trials,
                                             const nnt_examples::options& opt) {
  const auto net = nnt::fully_connected_kernel(nnt::activation::relu(),
                                               {.hidden_layers = 2, .C_w = 2.0, .C_b = 0.0});
  double nngp_mse = 0, ntk_mse = 0;
  for (int t = 0; t < trials; ++t) {
    auto rng = nnt::random_generator::for_task(opt.seed_for(31 + std::uint64_t(d)),
                                               std::uint64_t(N * 10 + t));
    Vector v(d);
    nnt::random_generator(opt.seed_for(32 + std::uint64_t(d))).fill_normal(v);
    v *= 1.5 / v.norm();
    auto sphere = [&](nnt::Index n) {  // ‖x‖² = d, so xᵀx′/d is the cosine
      Matrix X(d, n);
      rng.fill_normal(X);
      X.colwise().normalize();
      return Matrix(X * std::sqrt(double(d)));
    };
    const Matrix X = sphere(N), Xt = sphere(500);
    auto teacher = [&](const Matrix& Z) {
      return Matrix((v.transpose() * Z / std::sqrt(double(d))).array().exp().matrix());
    };
    const Matrix Y = teacher(X), Yt = teacher(Xt);
    const auto train = nnt::kernel_gram(net, X), cross = nnt::kernel_gram(net, X, Xt);
    auto test_mse = [&](const Matrix& K, const Matrix& K_cross) {
      const auto m = nnt::kernel_ridge_fit(K, Y, {1e-10, true, true});
      return (nnt::kernel_ridge_predict(m, K_cross) - Yt).squaredNorm() / 500.0 / trials;
    };
    nngp_mse += test_mse(train.nngp, cross.nngp);
    ntk_mse += test_mse(train.ntk, cross.ntk);
  }
  return {nngp_mse, ntk_mse};
}

}  // namespace

int main(int argc, char** argv) {
  const auto opt = parse_options(argc, argv, "kernel regression learning curves (K3)");
  nnt_examples::claims claims("kernel_learning_curves");
  std::vector<double> ns{16, 32, 64, 128, 256, 512};
  plot_table curves({});
  curves.add_column("N", ns);
  for (nnt::Index d : {2, 4, 8}) {
    std::vector<double> nngp, ntk;
    for (double N : ns) {
      const auto [a, b] = kernel_curve_point(d, nnt::Index(N), opt.full ? 8 : 3, opt);
      nngp.push_back(a);
      ntk.push_back(b);
    }
    claims.report("NNGP-learning-curve-exponent-d=" + std::to_string(d), loglog_slope(ns, nngp),
                  "fitted slope of test MSE vs N, ReLU depth 3, teacher exp(v.x) on the sphere");
    claims.report("NTK-learning-curve-exponent-d=" + std::to_string(d), loglog_slope(ns, ntk),
                  "fitted slope of test MSE vs N");
    curves.add_column("NNGP d=" + std::to_string(d), nngp);
    curves.add_column("NTK d=" + std::to_string(d), ntk);
  }
  curves.write(
      opt, "kernel_learning_curves",
      linespoints("K3: kernel regression learning curves", "N", "test MSE", axes::log_log));
  return claims.exit_code();
}
