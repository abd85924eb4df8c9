#include <nnt/core/random.hpp>
#include <nnt/experiments/diagonal_linear_net.hpp>

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

TEST_CASE("diagonal linear net: gradient-flow limit = argmin Q_α (dual Newton), checked both ways",
          "[experiments][diagonal]") {
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

TEST_CASE("diagonal linear net limits: α → ∞ weighted ℓ2; α → 0 sparse",
          "[experiments][diagonal]") {
  Matrix<double> X;
  Vector<double> y;
  sparse_problem(X, y);
  const auto min_l2 = nnt::weighted_min_l2(X, y);
  REQUIRE(min_l2.status == nnt::status::ok);
  const Vector<double>& l2 = min_l2.beta;
  CHECK((X.transpose() * l2 - y).norm() < 1e-12);
  // minimum-norm solution by the pseudo-inverse (θ₀ = 1: plain ℓ2), an independent route
  const Vector<double> pinv = X * (X.transpose() * X).inverse() * y;
  CHECK((l2 - pinv).norm() < 1e-12);
  CHECK((nnt::minimize_q_alpha(X, y, 100.0).beta - l2).norm() < 1e-4 * l2.norm());
  // small α: β_α approaches the minimum-ℓ1 interpolant (exact LP by vertex enumeration)
  const auto min_l1 = nnt::min_l1_interpolant(X, y);
  REQUIRE(min_l1.status == nnt::status::ok);
  CHECK(min_l1.residual < 1e-12);
  const Vector<double>& l1 = min_l1.beta;
  const Vector<double> small = nnt::minimize_q_alpha(X, y, 1e-4).beta,
                       big = nnt::minimize_q_alpha(X, y, 1.0).beta;
  CHECK(small.lpNorm<1>() >= l1.lpNorm<1>() * (1 - 1e-12));
  CHECK((small - l1).norm() < 0.05 * l1.norm());  // the α → 0 approach is slow (~1/log(1/α))
  CHECK((small - l1).norm() < 0.2 * (big - l1).norm());
}

TEST_CASE("diagonal linear net: bad input", "[experiments][diagonal]") {
  Matrix<double> X;
  Vector<double> y;
  sparse_problem(X, y);
  NNT_CHECK_INVALID(nnt::minimize_q_alpha(X, y, 0.0), "alpha: expected a positive value, got 0");
  NNT_CHECK_INVALID(
      nnt::diagonal_net_gradient_flow(
          X, y, 1.0, {.observations_per_decade = std::numeric_limits<double>::infinity()}),
      "observations_per_decade: expected a value in [0.001, 10000], got inf");
  Vector<double> t0 = Vector<double>::Ones(8);
  t0(3) = -1;
  NNT_CHECK_INVALID(nnt::diagonal_net_gradient_flow(X, y, 1.0, {.theta0 = t0}),
                    "theta0(3): expected a finite positive value, got -1");
  NNT_CHECK_INVALID(nnt::weighted_min_l2(X, Vector<double>::Zero(2)),
                    "y: expected 3 entries, got 2");
}

TEST_CASE(
    "diagonal linear net: rank-deficient data are a status, not a β that does not interpolate",
    "[experiments][diagonal]") {
  Matrix<double> X(6, 3);
  nnt::random_generator rng(4);
  rng.fill_normal(X);
  X.col(2) = X.col(0) + X.col(1);  // rank 2 < N = 3: Xᵀβ = y has no solution for generic y
  const Vector<double> y =
      Vector<double>::LinSpaced(3, 1.0, 2.0) + Vector<double>::Constant(3, 0.3);
  CHECK(nnt::weighted_min_l2(X, y).status == nnt::status::singular);
  CHECK(nnt::min_l1_interpolant(X, y).status == nnt::status::singular);
  const auto q = nnt::minimize_q_alpha(X, y, 1.0);
  CHECK(q.status != nnt::status::ok);
}

TEST_CASE("diagonal linear net: the flow's reported β, t and residual belong together",
          "[experiments][diagonal]") {
  // The stop test runs on the dense output at an observation time: the β returned must be that
  // state at that time, so its residual is the one tested and the status follows from it. A
  // small random problem at α = 3 (where the step end used to be returned instead).
  for (std::uint64_t seed : {1u, 2u, 3u, 4u, 5u}) {
    nnt::random_generator rng(seed);
    Matrix<double> X(6, 3);
    rng.fill_normal(X);
    Vector<double> y(3);
    rng.fill_normal(y);
    const auto gf = nnt::diagonal_net_gradient_flow(X, y, 3.0);
    INFO("seed " << seed << ": t = " << gf.t << ", residual " << gf.residual);
    CHECK(gf.status == nnt::status::ok);
    CHECK(gf.stop_reason == nnt::stop_reason::tolerance);
    CHECK(gf.residual <= 1e-10);
    CHECK((X.transpose() * gf.beta - y).norm() == Approx(gf.residual).epsilon(1e-12));
    // the same β from the dual route (independent of the ODE)
    CHECK((gf.beta - nnt::minimize_q_alpha(X, y, 3.0).beta).norm() < 1e-7);
  }
  // Looser ODE tolerances are settable: with 1e-9 error control the fit tolerance must be looser
  // too (the residual settles at the integration error), and the limit agrees more loosely.
  Matrix<double> X;
  Vector<double> y;
  sparse_problem(X, y);
  const auto loose = nnt::diagonal_net_gradient_flow(
      X, y, 1.0, {.tolerance = 1e-6, .absolute_tolerance = 1e-9, .relative_tolerance = 1e-9});
  CHECK(loose.status == nnt::status::ok);
  CHECK((loose.beta - nnt::minimize_q_alpha(X, y, 1.0).beta).norm() < 1e-5);
}
