// Thread-count determinism: every routine that runs in parallel (nnt's own OpenMP loops, or GEMMs
// large enough for Eigen to split) gives the same bits at 1 and 2 threads. The sizes are chosen so
// that the products exceed Eigen's threading threshold (inner dimensions ≥ 512), where Eigen's own
// threaded GEMM differs from its single-threaded one at the 1e-16 level.
#include <nnt/curvature/eigenpairs.hpp>
#include <nnt/kernels/empirical.hpp>
#include <nnt/kernels/nngp_ntk.hpp>
#include <nnt/kernels/regression.hpp>
#include <nnt/mlp/derivatives.hpp>

#include "adversarial.hpp"

#ifdef _OPENMP
#include <omp.h>

using Eigen::MatrixXd;
using Eigen::VectorXd;

namespace {
// f() at 1 thread and at 2 threads, compared bit for bit.
template <class F>
void same_bits_on_1_and_2_threads(const char* name, F f) {
  const int saved = omp_get_max_threads();
  omp_set_num_threads(1);
  const MatrixXd one = f();
  omp_set_num_threads(2);
  const MatrixXd two = f();
  omp_set_num_threads(saved);
  INFO(name << ": max |difference| " << (one - two).cwiseAbs().maxCoeff());
  REQUIRE(one.size() > 0);
  CHECK(one.allFinite());
  CHECK((one.array() == two.array()).all());
}
}  // namespace

TEST_CASE("threads: MLP forward, derivatives, curvature and empirical kernels", "[threads]") {
  nnt::random_generator rng(3);
  const int d = 600, N = 64;
  MatrixXd X(d, N), Y(3, N);
  rng.fill_normal(X);
  rng.fill_normal(Y);
  nnt::mlp<double> net({d, 512, 512, 3}, nnt::activation::tanh());
  net.initialize(1);
  const nnt::mse_loss mse;
  VectorXd v(net.parameter_count());
  rng.fill_normal(v);
  same_bits_on_1_and_2_threads("forward", [&] { return net.forward(X); });
  same_bits_on_1_and_2_threads("loss_and_gradient", [&] {
    VectorXd g;
    nnt::loss_and_gradient(net, mse, X, Y, g);
    return MatrixXd(g);
  });
  same_bits_on_1_and_2_threads("hessian_vector_product", [&] {
    return MatrixXd(nnt::hessian_vector_product(net, mse, X, Y, v));
  });
  same_bits_on_1_and_2_threads("gauss_newton_operator", [&] {
    VectorXd out(v.size());
    nnt::gauss_newton_operator<double, nnt::mse_loss>(net, mse, X, Y).apply(v, out);
    return MatrixXd(out);
  });
  same_bits_on_1_and_2_threads("jvp", [&] { return nnt::jvp(net, X, v); });
  same_bits_on_1_and_2_threads("vjp", [&] { return MatrixXd(nnt::vjp(net, X, Y)); });
  same_bits_on_1_and_2_threads("top_eigenpairs(hessian_operator)", [&] {
    const nnt::hessian_operator<double, nnt::mse_loss> H(net, mse, X, Y);
    return MatrixXd(nnt::top_eigenpairs(H, 2).values);
  });
  const MatrixXd few = X.leftCols(24);
  same_bits_on_1_and_2_threads("empirical_ntk", [&] { return nnt::empirical_ntk(net, few); });
  nnt::mlp<double> arch({d, 512, 2}, nnt::activation::relu());
  same_bits_on_1_and_2_threads("monte_carlo_nngp",
                               [&] { return nnt::monte_carlo_nngp(arch, few, 3, 7).mean; });
}

TEST_CASE("threads: infinite-width Grams and kernel regression", "[threads]") {
  nnt::random_generator rng(4);
  const int d = 700, N = 400;
  MatrixXd X(d, N), Y(2, N);
  rng.fill_normal(X);
  rng.fill_normal(Y);
  nnt::mlp<double> net({d, 64, 64, 2}, nnt::activation::erf());
  const auto kn = nnt::kernel_of(net);
  same_bits_on_1_and_2_threads("ntk_gram", [&] { return nnt::ntk_gram(kn, X); });
  same_bits_on_1_and_2_threads(
      "nngp_gram cross", [&] { return nnt::nngp_gram(kn, X.leftCols(150), X.rightCols(250)); });
  const MatrixXd K = nnt::nngp_gram(kn, X), Kc = nnt::nngp_gram(kn, X, X.leftCols(40));
  const MatrixXd Theta = nnt::ntk_gram(kn, X), Theta_c = nnt::ntk_gram(kn, X, X.leftCols(40));
  same_bits_on_1_and_2_threads("kernel_ridge_fit",
                               [&] { return nnt::kernel_ridge_fit(K, Y, {.ridge = 1e-3}).alpha; });
  same_bits_on_1_and_2_threads("gp_posterior_predict", [&] {
    return nnt::gp_posterior_predict(K, Kc, Kc.topRows(40).diagonal(), Y, {.ridge = 1e-3}).mean;
  });
  // Many outputs and test points: α^T K(X, X*) is a GEMM Eigen threads (it differed by 1e-11 at
  // k = 600, N = 1500 before going through the shape-only partition).
  MatrixXd Ymany(600, N), Kwide = nnt::nngp_gram(kn, X, X.leftCols(300));
  rng.fill_normal(Ymany);
  const auto wide = nnt::kernel_ridge_fit(K, Ymany, {.ridge = 1e-3});
  same_bits_on_1_and_2_threads("kernel_ridge_predict (600 outputs)",
                               [&] { return nnt::kernel_ridge_predict(wide, Kwide); });
  same_bits_on_1_and_2_threads("infinite_width_training", [&] {
    return nnt::infinite_width_training(Theta, Theta_c, Y, 0.1, 10.0).mean;
  });
}
#endif
