#include <nnt/core/random.hpp>
#include <nnt/dynamics/optimizers.hpp>
#include <nnt/quadratic/quadratic_model.hpp>

#include <Eigen/Eigenvalues>

#include <cmath>

#include "support/testing.hpp"

namespace {

nnt::quadratic_model<double> make_model(int P, int N, double eps, nnt::Vector<double>& y) {
  nnt::random_generator rng(1);
  nnt::Matrix<double> Phi(P, N);
  rng.fill_normal(Phi);
  std::vector<nnt::Matrix<double>> Psi;
  for (int a = 0; a < N; ++a) {
    nnt::Matrix<double> A(P, P);
    rng.fill_normal(A);
    Psi.push_back((A + A.transpose()) / 2);
  }
  y.resize(N);
  rng.fill_normal(y);
  return nnt::quadratic_model(Phi, Psi, eps);
}

}  // namespace

TEST_CASE("quadratic model: gradient and Hessian equal central differences", "[quadratic]") {
  nnt::Vector<double> y;
  const auto q = make_model(3, 5, 0.3, y);
  nnt::Vector<double> theta(3), g;
  theta << 0.2, -0.4, 0.7;
  nnt::Matrix<double> H;
  q.loss(theta, y, &g, &H);
  for (int i = 0; i < 3; ++i) {
    nnt::Vector<double> e = nnt::Vector<double>::Zero(3);
    e(i) = 1e-6;
    nnt::Vector<double> gp, gm;
    const double fd = (q.loss(theta + e, y) - q.loss(theta - e, y)) / 2e-6;
    CHECK(std::abs(fd - g(i)) < 1e-7);  // h²|L‴| + ε|L|/h ≈ 1e-10
    q.loss(theta + e, y, &gp);
    q.loss(theta - e, y, &gm);
    CHECK(((gp - gm) / 2e-6 - H.col(i)).norm() < 1e-6);
  }
}

TEST_CASE("quadratic model: θ* = θ^F + εθ^I + O(ε²) against Newton's minimiser", "[quadratic]") {
  nnt::Vector<double> y;
  double previous = 0, previous_printed = 0;
  for (double eps : {0.02, 0.01, 0.005}) {
    const auto q = make_model(4, 10, eps, y);
    const auto m = q.minimize(y, q.theta_F(y).theta);
    REQUIRE(m.status == nnt::status::ok);
    const double R = (m.theta - q.theta_F(y).theta - eps * q.theta_I(y).theta).norm();
    const double Rp = (m.theta - q.theta_F(y).theta - eps * q.theta_I_printed(y).theta).norm();
    if (previous > 0) {
      CHECK(previous / R > 3.6);  // O(ε²): 4 when ε halves (measured 3.92, 3.96)
      CHECK(previous / R < 4.4);
      CHECK(previous_printed / Rp < 2.3);  // the printed term alone leaves O(ε): 2
    }
    previous = R;
    previous_printed = Rp;
  }
}

TEST_CASE("quadratic model: bad input", "[quadratic]") {
  nnt::Matrix<double> Phi = nnt::Matrix<double>::Ones(3, 2);
  std::vector<nnt::Matrix<double>> Psi(2, nnt::Matrix<double>::Identity(3, 3));
  Psi[1](0, 1) = 1;
  NNT_CHECK_INVALID(nnt::quadratic_model(Phi, Psi, 0.1),
                    "Psi[1]: expected a symmetric matrix, got an asymmetric one");
  Psi[1](0, 1) = 0;
  const nnt::quadratic_model q(Phi, Psi, 0.1);  // P = 3 > N = 2: θ^F is not unique
  // rank deficiency is a status, not an exception
  CHECK(q.theta_F(nnt::Vector<double>::Zero(2)).status == nnt::status::singular);
  CHECK(q.theta_F(nnt::Vector<double>::Zero(2)).theta.size() == 0);
  CHECK(q.theta_I(nnt::Vector<double>::Zero(2)).status == nnt::status::singular);
}

TEST_CASE(
    "quadratic model: as an objective, GD reaches Newton's minimiser and the HVP is the Hessian",
    "[quadratic]") {
  nnt::Vector<double> y;
  const auto q = make_model(4, 10, 0.05, y);
  nnt::quadratic_objective f(q, y);
  nnt::Vector<double> theta(4), v(4), Hv;
  theta << 0.3, -0.1, 0.2, 0.5;
  v << 1.0, -2.0, 0.5, 0.25;
  nnt::Matrix<double> H;
  nnt::Vector<double> g;
  q.loss(theta, y, &g, &H);
  f.hvp(theta, v, Hv);
  CHECK((Hv - H * v).norm() <= 1e-12 * (H * v).norm());  // same sums, different order
  const auto newton = q.minimize(y, q.theta_F(y).theta);
  REQUIRE(newton.status == nnt::status::ok);
  const double lmax =
      Eigen::SelfAdjointEigenSolver<nnt::Matrix<double>>(H).eigenvalues().maxCoeff();
  const auto gd =
      nnt::gradient_descent(f, nnt::Vector<double>::Zero(4), 1.0 / lmax,
                            {.stop = {.max_iterations = 20000, .gradient_tolerance = 1e-10}});
  REQUIRE(gd.status == nnt::status::ok);
  // ‖θ − θ*‖ ≤ ‖∇L‖/μ with μ ≈ λ_min(∇²L) ~ 1 here: 1e-10/μ
  CHECK((gd.theta - newton.theta).norm() < 1e-8);
  NNT_CHECK_INVALID(nnt::quadratic_objective<double>(q, nnt::Vector<double>::Zero(3)),
                    "y: expected 10 entries, got 3");
  NNT_CHECK_INVALID(q.hessian_vector_product(theta, y, nnt::Vector<double>::Zero(3)),
                    "v: expected 4 entries, got 3");
}

TEST_CASE("quadratic_model::minimize stops with line_search_failure on an ascent Newton direction",
          "[quadratic]") {
  // P = N = 1, z = θ²/2 (Φ = 0, Ψ = 1, ε = 1), y = 1. At θ = 1/2: r = −7/8, ∇L = rθ = −7/16 and
  // ∇²L = θ² + r = −5/8 < 0, so the Newton step −∇L/∇²L = −0.7 points uphill (∇L·step > 0) and
  // L(1/2 + s·step) > L(1/2) for every s = 2^−k: no halving can be accepted.
  const nnt::quadratic_model<double> q(nnt::Matrix<double>::Zero(1, 1),
                                       {nnt::Matrix<double>::Ones(1, 1)}, 1.0);
  const nnt::Vector<double> y = nnt::Vector<double>::Ones(1),
                            theta0 = nnt::Vector<double>::Constant(1, 0.5);
  const auto m = q.minimize(y, theta0);
  CHECK(m.status == nnt::status::stalled);
  CHECK(m.stop_reason == nnt::stop_reason::line_search_failure);
  CHECK(m.theta(0) == 0.5);  // the last iterate, not a step that increased L
  CHECK(std::abs(m.gradient_norm - 7.0 / 16) <= 1e-15);  // exact binary fractions
}
