#include <nnt/core/random.hpp>
#include <nnt/experiments/two_layer_relu_gd.hpp>

#include <Eigen/Eigenvalues>

#include <cmath>

#include "support/testing.hpp"

namespace {

void unit_inputs(nnt::Matrix<double>& X, nnt::Vector<double>& y) {
  nnt::random_generator rng(4);
  X.resize(6, 8);
  rng.fill_normal(X);
  X.colwise().normalize();
  y.resize(8);
  rng.fill_normal(y);
}

}  // namespace

TEST_CASE("H∞ equals its Monte-Carlo definition E_w[xᵢᵀxⱼ 1{wᵀxᵢ>0} 1{wᵀxⱼ>0}]",
          "[experiments][two_layer_relu]") {
  nnt::Matrix<double> X;
  nnt::Vector<double> y;
  unit_inputs(X, y);
  const nnt::Matrix<double> H = nnt::two_layer_relu_gram(X);
  nnt::random_generator rng(9);
  const int M = 200000;
  nnt::Matrix<double> sum = nnt::Matrix<double>::Zero(8, 8), sum_sq = sum;
  nnt::Vector<double> w(6);
  for (int s = 0; s < M; ++s) {
    rng.fill_normal(w);
    const nnt::Vector<double> on =
        (X.transpose() * w).unaryExpr([](double z) { return z > 0 ? 1.0 : 0.0; });
    const nnt::Matrix<double> sample = (X.transpose() * X).cwiseProduct(on * on.transpose());
    sum += sample;
    sum_sq += sample.cwiseAbs2();
  }
  const nnt::Matrix<double> mean = sum / M;
  const nnt::Matrix<double> se = ((sum_sq / M - mean.cwiseAbs2()) / M).cwiseSqrt();
  CHECK(((mean - H).cwiseAbs().array() <= 4 * se.array() + 1e-15).all());
}

TEST_CASE("wide two-layer nets: loss under e^{-λ₀t} L(0), weight change ∝ 1/√m",
          "[experiments][two_layer_relu]") {
  nnt::Matrix<double> X;
  nnt::Vector<double> y;
  unit_inputs(X, y);
  std::vector<double> change;
  for (nnt::Index m : {200, 3200}) {
    nnt::two_layer_relu_options o;
    o.width = m;
    o.eta = 0.05;
    o.steps = 1500;
    const auto r = nnt::two_layer_relu_training(X, y, o);
    REQUIRE(r.status == nnt::status::ok);
    CHECK(r.lambda0 > 0);
    for (std::size_t i = 0; i < r.t.size(); ++i) CHECK(r.loss[i] <= r.bound[i] * (1 + 1e-12));
    change.push_back(r.relative_weight_change);
  }
  // 16× the width: 4× smaller relative change (±35% for these finite widths)
  CHECK(change[0] / change[1] > 4 / 1.35);
  CHECK(change[0] / change[1] < 4 * 1.35);
}

TEST_CASE("two-layer ReLU GD: divergence status and bad input", "[experiments][two_layer_relu]") {
  nnt::Matrix<double> X;
  nnt::Vector<double> y;
  unit_inputs(X, y);
  nnt::two_layer_relu_options o;
  o.width = 50;
  o.eta = 100.0;
  o.steps = 200;
  CHECK(nnt::two_layer_relu_training(X, y, o).status == nnt::status::diverged);
  o.eta = 0.01;
  o.width = 0;
  NNT_CHECK_INVALID(nnt::two_layer_relu_training(X, y, o),
                    "width: expected a value in [1, 1073741824], got 0");
  o.width = 10;
  NNT_CHECK_INVALID(nnt::two_layer_relu_training(X, nnt::Vector<double>::Zero(3), o),
                    "y: expected 8 entries, got 3");
}

TEST_CASE("two-layer ReLU Gram: a zero input gives a zero row, not NaN; near-duplicates stay PSD",
          "[experiments][two_layer_relu]") {
  nnt::Matrix<double> X(3, 4);
  X << 1, 0, 0.3, 1, 0, 0, -0.2, 1e-9, 2, 0, 0.5, 2;
  const nnt::Matrix<double> H = nnt::two_layer_relu_gram(X);
  CHECK(H.allFinite());
  CHECK(H.col(1).norm() == 0.0);
  CHECK(H.row(1).norm() == 0.0);
  // x₀ and x₃ differ by 1e-9: θ ≈ 1e-10, so H₀₃ = x₀ᵀx₃ (π − θ)/2π to ~1e-10 relative.
  CHECK(H(0, 3) == Approx(X.col(0).dot(X.col(3)) / 2).epsilon(1e-9));
  CHECK(Eigen::SelfAdjointEigenSolver<nnt::Matrix<double>>(H).eigenvalues().minCoeff() > -1e-12);
}
