// API tour: infinite-width NNGP/NTK Grams of a ReLU network, kernel ridge regression, and the
// NNGP and NTK predictions at test points in one call.
#include <nnt/core/random.hpp>
#include <nnt/kernels/nngp_ntk.hpp>
#include <nnt/kernels/predict.hpp>
#include <nnt/kernels/regression.hpp>

#include <iostream>

int main() {
  nnt::random_generator rng(3);
  const nnt::Matrix<double> X =
      nnt::normal_matrix<double>(5, 40, rng);  // 40 inputs in R^5, one per column
  const nnt::Matrix<double> Y = X.colwise().sum().array().sin().matrix();  // targets, 1 × 40
  const nnt::Matrix<double> X_test = nnt::normal_matrix<double>(5, 6, rng);

  // mlp({5, n, n, 1}, relu, {C_w = 2, C_b = 0.1}) as n → ∞: 2 hidden layers, 3 dense steps.
  const auto net = nnt::fully_connected_kernel(nnt::activation::relu(),
                                               {.hidden_layers = 2, .C_w = 2.0, .C_b = 0.1});
  const auto gram = nnt::kernel_gram(net, X);           // K and Θ, N × N, with a status
  const auto cross = nnt::kernel_gram(net, X, X_test);  // K(X, X*), Θ(X, X*), N × M

  const auto ridge = nnt::kernel_ridge_fit(gram.nngp, Y, {.ridge = 1e-3, .relative = true});
  const nnt::Matrix<double> f = nnt::kernel_ridge_predict(ridge, cross.nngp);

  // NNGP posterior and the trained infinite-width network (t = ∞), with covariances.
  const auto p = nnt::infinite_width_predict(net, X, Y, X_test, {.diag_reg = 1e-6});

  std::cout << "ridge prediction  " << f << "\n"
            << "NNGP mean         " << p.nngp.mean << "\n"
            << "NTK mean          " << p.ntk.mean << "\n"
            << "NTK-GP variances  " << p.ntk.covariance.diagonal().transpose() << "\n";
  return gram.status == nnt::status::ok && p.status == nnt::status::ok ? 0 : 1;
}
