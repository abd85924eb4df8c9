#include <nnt/core/conjugate_gradient.hpp>
#include <nnt/core/dense_operator.hpp>
#include <nnt/core/random.hpp>

#include <Eigen/Cholesky>
#include <Eigen/Eigenvalues>

#include <cmath>
#include <limits>

#include "support/testing.hpp"

using nnt::Index;
using nnt::Matrix;
using nnt::Vector;

namespace {

// A = Q diag(λ) Qᵀ with λ log-spaced in [1, κ] and a random orthogonal Q.
Matrix<double> spd_matrix(Index n, double kappa, std::uint64_t seed) {
  nnt::random_generator rng(seed);
  Matrix<double> G(n, n);
  rng.fill_normal(G);
  const Eigen::HouseholderQR<Matrix<double>> qr(G);
  const Matrix<double> Q = qr.householderQ();
  Vector<double> lambda(n);
  for (Index i = 0; i < n; ++i) lambda(i) = std::pow(kappa, double(i) / double(n - 1));
  return Q * lambda.asDiagonal() * Q.transpose();
}

// A block operator around a dense matrix that counts its products.
struct counting_operator {
  using Scalar = double;
  static constexpr bool block_products = true;
  const Matrix<double>* A;
  mutable Index products = 0;
  Index rows() const { return A->rows(); }
  void apply(const nnt::const_matrix_ref<double>& V, nnt::matrix_ref<double> out) const {
    ++products;
    out.noalias() = *A * V;
  }
};

struct llt_preconditioner {
  Eigen::LLT<Matrix<double>> llt;
  void apply(const nnt::const_matrix_ref<double>& R, nnt::matrix_ref<double> Z) const {
    Z = llt.solve(R);
  }
};

}  // namespace

TEST_CASE("conjugate gradients solve an SPD system to the requested residual", "[core][cg]") {
  const Index n = 60;
  const double kappa = 1e3, tol = 1e-10;
  const Matrix<double> A = spd_matrix(n, kappa, 1);
  nnt::random_generator rng(2);
  Matrix<double> B(n, 3);
  rng.fill_normal(B);
  B.col(2).setZero();  // a zero right-hand side: x = 0 at once
  const counting_operator op{&A};
  const auto r = nnt::conjugate_gradient(op, B, {.tolerance = tol});
  REQUIRE(r.status == nnt::status::ok);
  CHECK(r.stop_reason == nnt::stop_reason::tolerance);
  const Matrix<double> exact = A.llt().solve(B);
  for (Index c = 0; c < 3; ++c) {
    // The reported residual is the true one: recompute it here from A.
    const double bn = B.col(c).norm();
    const double res = (B.col(c) - A * r.solution.col(c)).norm();
    CHECK(r.relative_residual(c) <= tol);
    CHECK(std::abs(r.relative_residual(c) * (bn > 0 ? bn : 1) - res) <= 1e-14 * (bn + 1));
    // ‖x − x*‖ ≤ ‖A⁻¹‖‖b − Ax‖ = ‖b − Ax‖/λ_min (λ_min = 1), plus the reference's own κε error.
    CHECK((r.solution.col(c) - exact.col(c)).norm() <= res + kappa * 1e-15 * exact.col(c).norm());
  }
  CHECK(r.solution.col(2).isZero(0));
  // Convergence within the √κ·log(2/tol)/2 ≈ 370 bound of CG's Chebyshev estimate.
  CHECK(r.iterations <= 370);
  CHECK(op.products == r.iterations + 1 + r.restarts);  // +1: the final residual check
  CHECK(r.residual_history.size() == std::size_t(r.iterations + 1));
  CHECK(r.residual_history.front() == 1.0);
}

TEST_CASE("conjugate gradients with an exact preconditioner converge in one iteration",
          "[core][cg]") {
  const Index n = 40;
  const Matrix<double> A = spd_matrix(n, 1e6, 3);
  const Matrix<double> B = Matrix<double>::Ones(n, 2);
  const llt_preconditioner P{A.llt()};
  const auto r = nnt::preconditioned_cg(nnt::dense_operator<double>(A), B, P, {.tolerance = 1e-8});
  REQUIRE(r.status == nnt::status::ok);
  CHECK(r.iterations == 1);
  CHECK(r.relative_residual.maxCoeff() <= 1e-8);
}

TEST_CASE("conjugate gradients report not_converged, singular and diverged", "[core][cg]") {
  const Index n = 50;
  const Matrix<double> A = spd_matrix(n, 1e8, 4);
  const Matrix<double> B = Matrix<double>::Ones(n, 1);
  const auto r = nnt::conjugate_gradient(nnt::dense_operator<double>(A), B,
                                         {.tolerance = 1e-12, .max_iterations = 3});
  CHECK(r.status == nnt::status::not_converged);
  CHECK(r.stop_reason == nnt::stop_reason::iteration_limit);
  CHECK(r.iterations == 3);
  const double res = (B - A * r.solution).norm() / B.norm();
  CHECK(r.relative_residual(0) > 1e-12);
  CHECK(std::abs(r.relative_residual(0) - res) <= 1e-12);

  Matrix<double> indefinite = Matrix<double>::Identity(n, n);
  indefinite(0, 0) = -1;
  const auto s =
      nnt::conjugate_gradient(nnt::dense_operator<double>(indefinite), Matrix<double>::Ones(n, 1));
  CHECK(s.status == nnt::status::singular);

  Matrix<double> huge = 1e300 * Matrix<double>::Identity(n, n);
  const auto d = nnt::conjugate_gradient(nnt::dense_operator<double>(huge),
                                         Matrix<double>::Constant(n, 1, 1e300));
  CHECK(d.status == nnt::status::diverged);
  CHECK(d.stop_reason == nnt::stop_reason::non_finite);
}

TEST_CASE("conjugate gradients refuse bad input", "[core][cg]") {
  const Matrix<double> A = spd_matrix(5, 10, 5);
  const nnt::dense_operator<double> op(A);
  NNT_CHECK_INVALID(nnt::conjugate_gradient(op, Matrix<double>::Ones(4, 1)),
                    "B: expected 5 rows, got 4");
  Matrix<double> nan = Matrix<double>::Ones(5, 1);
  nan(2) = std::numeric_limits<double>::quiet_NaN();
  CHECK_THROWS_AS(nnt::conjugate_gradient(op, nan), nnt::invalid_argument);
  CHECK_THROWS_AS(nnt::conjugate_gradient(op, Matrix<double>::Ones(5, 0)), nnt::invalid_argument);
  for (double t : {0.0, 1.0, -1e-3, std::numeric_limits<double>::quiet_NaN()})
    CHECK_THROWS_AS(nnt::conjugate_gradient(op, Matrix<double>::Ones(5, 1), {.tolerance = t}),
                    nnt::invalid_argument);
  CHECK_THROWS_AS(nnt::conjugate_gradient(op, Matrix<double>::Ones(5, 1), {.max_iterations = 0}),
                  nnt::invalid_argument);
}
