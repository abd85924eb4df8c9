// Random networks and data shared by the mlp tests.
#pragma once

#include <nnt/mlp/derivatives.hpp>

#include <unsupported/Eigen/AutoDiff>

#include <string>
#include <vector>

#include "support/testing.hpp"

namespace mlp_test {

using AD = Eigen::AutoDiffScalar<Eigen::VectorXd>;

struct net_case {
  std::string name;
  std::vector<nnt::Index> widths;
  nnt::activation hidden;
  nnt::mlp_options options;
  nnt::activation output = nnt::activation::identity();
};

// Several shapes, activations and both parameterisations; small enough for AD with P derivatives.
inline std::vector<net_case> cases() {
  using nnt::activation;
  using nnt::parameterization;
  return {
      {"tanh 3-5-2 standard",
       {3, 5, 2},
       activation::tanh(),
       {1.5, 0.1, parameterization::standard, true}},
      {"gelu 2-4-4-3 ntk",
       {2, 4, 4, 3},
       activation::gelu(),
       {2.0, 0.2, parameterization::ntk, true}},
      {"softplus 4-3-1 no bias",
       {4, 3, 1},
       activation::softplus(),
       {1.0, 0.0, parameterization::standard, false}},
      {"relu 3-6-3-2 ntk",
       {3, 6, 3, 2},
       activation::relu(),
       {2.0, 0.05, parameterization::ntk, true}},
      {"sigmoid 2-3-3 standard, sigmoid output",
       {2, 3, 3},
       activation::sigmoid(),
       {1.2, 0.3, parameterization::standard, true},
       activation::sigmoid()},
      {"silu linear 3-2", {3, 2}, activation::silu(), {1.0, 0.5, parameterization::standard, true}},
  };
}

template <class S = double>
nnt::mlp<S> make_net(const net_case& c, std::uint64_t seed) {
  nnt::mlp<S> net(c.widths, c.hidden, c.options, c.output);
  net.initialize(seed);
  return net;
}

inline Eigen::MatrixXd random_matrix(nnt::Index rows, nnt::Index cols, std::uint64_t seed) {
  nnt::random_generator rng(seed);
  Eigen::MatrixXd m(rows, cols);
  rng.fill_normal(m);
  return m;
}

/// Softmax targets: one-hot-ish probability columns.
inline Eigen::MatrixXd probability_targets(nnt::Index k, nnt::Index N, std::uint64_t seed) {
  Eigen::MatrixXd Y = random_matrix(k, N, seed).array().exp().matrix();
  for (nnt::Index j = 0; j < N; ++j) Y.col(j) /= Y.col(j).sum();
  return Y;
}

/// The network in AutoDiff with ∂/∂θ_i seeded as unit vector i (for gradients and Jacobians).
inline nnt::mlp<AD> seeded_ad(const nnt::mlp<double>& net) {
  nnt::mlp<AD> ad = net.cast<AD>();
  const nnt::Index P = net.parameter_count();
  for (nnt::Index i = 0; i < P; ++i) ad.parameters()(i) = AD(net.parameters()(i), P, i);
  return ad;
}

/// The network in AutoDiff with a single tangent direction v (forward-over-reverse HVPs).
inline nnt::mlp<AD> directional_ad(const nnt::mlp<double>& net, const Eigen::VectorXd& v) {
  nnt::mlp<AD> ad = net.cast<AD>();
  for (nnt::Index i = 0; i < net.parameter_count(); ++i) {
    ad.parameters()(i).value() = net.parameters()(i);
    ad.parameters()(i).derivatives().setConstant(1, v(i));
  }
  return ad;
}

/// Data as AutoDiff constants whose derivative vectors have the size of the seeded parameters:
/// Eigen's AutoDiffScalar asserts (Debug) when it adds derivative vectors of different sizes.
inline nnt::Matrix<AD> to_ad(const Eigen::MatrixXd& m, nnt::Index derivatives) {
  nnt::Matrix<AD> out(m.rows(), m.cols());
  for (nnt::Index j = 0; j < m.cols(); ++j)
    for (nnt::Index i = 0; i < m.rows(); ++i)
      out(i, j) = AD(m(i, j), Eigen::VectorXd::Zero(derivatives));
  return out;
}

}  // namespace mlp_test
