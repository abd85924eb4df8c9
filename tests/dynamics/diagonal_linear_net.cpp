#include <nnt/core/random.hpp>
#include <nnt/dynamics/experiments/diagonal_linear_net.hpp>

#include <Eigen/LU>

#include <cmath>
#include <vector>

#include "support/testing.hpp"

using nnt::Index;
using nnt::Matrix;
using nnt::Vector;

namespace {

void sparse_problem(Matrix<double>& X, Vector<double>& y) {
  nnt::random_generator rng(2);
  X.resize(8, 3);
  rng.fill_normal(X);
  Vector<double> truth = Vector<double>::Zero(8);
  truth(1) = 1.5;
  truth(5) = -0.7;
  y = X.transpose() * truth;
}

// q(z) = 2 − √(4 + z²) + z asinh(z/2), Q_α = Σ c_i q(β_i/c_i)
double q_alpha(const Vector<double>& beta, double alpha) {
  double s = 0;
  for (Index i = 0; i < beta.size(); ++i) {
    const double c = alpha * alpha, z = beta(i) / c;
    s += c * (2 - std::sqrt(4 + z * z) + z * std::asinh(z / 2));
  }
  return s;
}

}  // namespace

TEST_CASE("diagonal linear net: gradient-flow limit = argmin Q_α (dual Newton), checked both ways", "[dynamics][diagonal]") {
  Matrix<double> X;
  Vector<double> y;
  sparse_problem(X, y);
  for (double alpha : {0.05, 1.0}) {
    INFO("alpha " << alpha);
    const auto q = nnt::minimize_q_alpha(X, y, alpha);
    REQUIRE(q.status == nnt::status::ok);
    CHECK(q.kkt_residual < 1e-10);
    const auto gf = nnt::diagonal_net_gradient_flow(X, y, alpha);
    REQUIRE(gf.status == nnt::status::ok);
    // two independent routes (ODE integration at 1e-12 tolerances, Newton on the dual)
    CHECK((gf.beta - q.beta).norm() < 1e-8);
    // Q_α is minimal on the constraint set: moving along null-space directions of Xᵀ raises it
    const Eigen::FullPivLU<Matrix<double>> lu(X.transpose());
    const Matrix<double> null = lu.kernel();
    const double q0 = q_alpha(q.beta, alpha);
    for (Index k = 0; k < null.cols(); ++k)
      for (double h : {1e-3, -1e-3}) CHECK(q_alpha(q.beta + h * null.col(k), alpha) > q0);
  }
}

TEST_CASE("diagonal linear net limits: α → ∞ weighted ℓ2; α → 0 sparse", "[dynamics][diagonal]") {
  Matrix<double> X;
  Vector<double> y;
  sparse_problem(X, y);
  const Vector<double> l2 = nnt::weighted_min_l2(X, y);
  CHECK((X.transpose() * l2 - y).norm() < 1e-12);
  // minimum-norm solution by the pseudo-inverse (θ₀ = 1: plain ℓ2), an independent route
  const Vector<double> pinv = X * (X.transpose() * X).inverse() * y;
  CHECK((l2 - pinv).norm() < 1e-12);
  CHECK((nnt::minimize_q_alpha(X, y, 100.0).beta - l2).norm() < 1e-4 * l2.norm());
  // small α: β_α approaches the minimum-ℓ1 interpolant (exact LP by vertex enumeration)
  const Vector<double> l1 = nnt::min_l1_interpolant(X, y);
  const Vector<double> small = nnt::minimize_q_alpha(X, y, 1e-4).beta, big = nnt::minimize_q_alpha(X, y, 1.0).beta;
  CHECK(small.lpNorm<1>() >= l1.lpNorm<1>() * (1 - 1e-12));
  CHECK((small - l1).norm() < 0.05 * l1.norm());  // the α → 0 approach is slow (~1/log(1/α))
  CHECK((small - l1).norm() < 0.2 * (big - l1).norm());
}

TEST_CASE("diagonal linear net: bad input", "[dynamics][diagonal]") {
  Matrix<double> X;
  Vector<double> y;
  sparse_problem(X, y);
  NNT_CHECK_INVALID(nnt::minimize_q_alpha(X, y, 0.0), "alpha: expected a positive value, got 0");
  Vector<double> t0 = Vector<double>::Ones(8);
  t0(3) = -1;
  NNT_CHECK_INVALID(nnt::diagonal_net_gradient_flow(X, y, 1.0, t0), "theta0(3): expected a positive value, got -1");
  NNT_CHECK_INVALID(nnt::weighted_min_l2(X, Vector<double>::Zero(2)), "y: expected 3 entries, got 2");
}
