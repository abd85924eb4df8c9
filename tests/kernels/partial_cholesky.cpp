#include <nnt/core/random.hpp>
#include <nnt/kernels/kernel_operator.hpp>
#include <nnt/kernels/layer.hpp>
#include <nnt/kernels/nngp_ntk.hpp>
#include <nnt/kernels/partial_cholesky.hpp>

#include <Eigen/Eigenvalues>
#include <Eigen/SVD>

#include <cmath>
#include <limits>
#include <set>

#include "support/kernel_fixtures.hpp"
#include "support/testing.hpp"

using nnt::Index;
using nnt::Matrix;
using nnt::Vector;

namespace {

const nnt::kernel_network net = nnt_test::relu_kernel_net();

// K − F Fᵀ is the Schur complement of K on the pivots: PSD, zero on the pivot rows and columns.
void check_nystrom_residual(const Matrix<double>& K, const nnt::partial_cholesky<double>& p) {
  const Matrix<double> E = K - p.factor * p.factor.transpose();
  const double scale = K.diagonal().maxCoeff(), eps = 2.2e-16;
  const Eigen::SelfAdjointEigenSolver<Matrix<double>> eig(E);
  // Rounding of k Cholesky steps: O(k·ε·max K_ii) per entry, so eigenvalues ≥ −N·k·ε·max K_ii.
  CHECK(eig.eigenvalues().minCoeff() >= -double(K.rows() * (p.factor.cols() + 1)) * eps * scale);
  for (Index s : p.pivots) CHECK(E.col(s).cwiseAbs().maxCoeff() <= 1e3 * eps * scale);
  CHECK(std::abs(E.trace() - p.trace_error) <= K.rows() * 1e3 * eps * scale);
  CHECK(std::abs(K.trace() - p.trace) <= K.rows() * eps * K.trace());
  const std::set<Index> distinct(p.pivots.begin(), p.pivots.end());
  CHECK(distinct.size() == p.pivots.size());
}

}  // namespace

TEST_CASE("rp_cholesky of full rank reproduces K; its residual is a PSD Schur complement",
          "[kernels][rpcholesky]") {
  const Index n = 60;
  const Matrix<double> X = nnt_test::gaussian_matrix(5, n, 1);
  const Matrix<double> K = nnt::ntk_gram(net, X);
  for (Index block : {Index(1), Index(7), Index(32)}) {
    const auto p = nnt::rp_cholesky(K, {.rank = n, .seed = 3, .block = block});
    REQUIRE(p.status == nnt::status::ok);
    check_nystrom_residual(K, p);
    // All pivots used (or the rest eliminated to rounding): K = F Fᵀ to rounding.
    CHECK((K - p.factor * p.factor.transpose()).cwiseAbs().maxCoeff() <=
          1e4 * 2.2e-16 * K.diagonal().maxCoeff());
  }
}

TEST_CASE("rp_cholesky finds the rank of an exactly low-rank matrix and stops",
          "[kernels][rpcholesky]") {
  const Matrix<double> G = nnt_test::gaussian_matrix(80, 6, 2);
  const Matrix<double> K = G * G.transpose();
  const auto p = nnt::rp_cholesky(K, {.rank = 40, .seed = 1, .block = 4});
  REQUIRE(p.status == nnt::status::ok);
  CHECK(p.factor.cols() == 6);
  CHECK(p.stop_reason != nnt::stop_reason::iteration_limit);
  CHECK((K - p.factor * p.factor.transpose()).cwiseAbs().maxCoeff() <=
        1e3 * 2.2e-16 * K.diagonal().maxCoeff());
}

TEST_CASE("rp_cholesky: the error falls with the rank; the operator and the stored Gram agree",
          "[kernels][rpcholesky]") {
  const Index n = 300;
  const Matrix<double> X = nnt_test::gaussian_matrix(10, n, 4);
  const nnt::kernel_operator<double> op(net, X, {.block = 64});
  const Matrix<double> K = nnt::ntk_gram(net, X);
  double previous = K.trace();
  for (Index rank : {Index(5), Index(20), Index(80)}) {
    double mean = 0;
    for (std::uint64_t seed = 0; seed < 4; ++seed) {
      const auto p = nnt::rp_cholesky(op, {.rank = rank, .seed = seed});
      REQUIRE(p.status == nnt::status::ok);
      CHECK(p.factor.cols() == rank);
      CHECK(p.stop_reason == nnt::stop_reason::iteration_limit);
      check_nystrom_residual(K, p);
      const auto q = nnt::rp_cholesky(K, {.rank = rank, .seed = seed});
      CHECK(q.pivots == p.pivots);  // same diagonal, columns equal to rounding: same draws
      CHECK((q.factor - p.factor).cwiseAbs().maxCoeff() <=
            1e-10 * std::sqrt(K.diagonal().maxCoeff()));
      mean += p.trace_error / 4;
    }
    CHECK(mean < previous);
    previous = mean;
  }
  // The tolerance stops early: tr(K − FFᵀ) ≤ 0.05 tr K.
  const auto t = nnt::rp_cholesky(op, {.rank = n, .seed = 9, .tolerance = 0.05});
  CHECK(t.stop_reason == nnt::stop_reason::tolerance);
  CHECK(t.trace_error <= 0.05 * t.trace);
  CHECK(t.factor.cols() < n);
}

TEST_CASE("nystrom_preconditioner applies the inverse of Frangella et al.'s P",
          "[kernels][rpcholesky]") {
  const Index n = 120;
  const Matrix<double> X = nnt_test::gaussian_matrix(6, n, 5);
  const Matrix<double> K = nnt::ntk_gram(net, X);
  const auto p = nnt::rp_cholesky(K, {.rank = 30, .seed = 2});
  const double lambda = 1e-2 * K.trace() / n;
  const nnt::nystrom_preconditioner<double> P(p.factor, lambda);
  CHECK(P.rows() == n);
  CHECK(P.rank() == 30);
  CHECK(P.ridge() == lambda);
  // P = U diag((σ² + λ)/(σ²_min + λ)) Uᵀ + (I − UUᵀ) from an SVD of F (Jacobi: independent of
  // the preconditioner's eigen-decomposition of FᵀF).
  const Eigen::JacobiSVD<Matrix<double>> svd(p.factor, Eigen::ComputeThinU);
  const Matrix<double>& U = svd.matrixU();
  const Vector<double> s2 = svd.singularValues().cwiseAbs2();
  const double smallest = s2.minCoeff();
  const Vector<double> scale = (s2.array() + lambda) / (smallest + lambda);
  const Matrix<double> Pm =
      U * scale.asDiagonal() * U.transpose() + (Matrix<double>::Identity(n, n) - U * U.transpose());
  const Matrix<double> R = nnt_test::gaussian_matrix(n, 3, 6);
  Matrix<double> Z(n, 3);
  P.apply(Pm * R, Z);
  // Rounding grows with κ(P) = (σ²_max + λ)/(σ²_min + λ).
  const double kappa = scale.maxCoeff();
  CHECK((Z - R).cwiseAbs().maxCoeff() <= 100 * kappa * 2.2e-16 * R.cwiseAbs().maxCoeff());
  // An empty factor: P = I.
  const nnt::nystrom_preconditioner<double> I(Matrix<double>(n, 0), 2.0);
  I.apply(R, Z);
  CHECK(Z == R);
  CHECK(I.rank() == 0);
}

TEST_CASE("rp_cholesky and nystrom_preconditioner refuse bad input", "[kernels][rpcholesky]") {
  const Matrix<double> K = Matrix<double>::Identity(4, 4);
  NNT_CHECK_INVALID(nnt::rp_cholesky(K, {.rank = 5}), "rank: expected a value in [1, 4], got 5");
  CHECK_THROWS_AS(nnt::rp_cholesky(K, {.rank = 0}), nnt::invalid_argument);
  CHECK_THROWS_AS(nnt::rp_cholesky(K, {.rank = 2, .block = 0}), nnt::invalid_argument);
  CHECK_THROWS_AS(
      nnt::rp_cholesky(K, {.rank = 2, .tolerance = std::numeric_limits<double>::quiet_NaN()}),
      nnt::invalid_argument);
  CHECK_THROWS_AS(nnt::rp_cholesky(K, {.rank = 2, .tolerance = 2}), nnt::invalid_argument);
  CHECK_THROWS_AS(nnt::rp_cholesky(Matrix<double>::Ones(3, 4), {.rank = 1}), nnt::invalid_argument);
  Matrix<double> bad = K;
  bad(1, 1) = std::numeric_limits<double>::infinity();
  CHECK_THROWS_AS(nnt::rp_cholesky(bad, {.rank = 1}), nnt::invalid_argument);
  CHECK_THROWS_AS(nnt::nystrom_preconditioner<double>(Matrix<double>::Ones(4, 2), 0.0),
                  nnt::invalid_argument);
  CHECK_THROWS_AS(nnt::nystrom_preconditioner<double>(Matrix<double>::Ones(4, 2), -1.0),
                  nnt::invalid_argument);
  Matrix<double> F = Matrix<double>::Ones(4, 2);
  F(0, 0) = std::numeric_limits<double>::quiet_NaN();
  CHECK_THROWS_AS(nnt::nystrom_preconditioner<double>(F, 1.0), nnt::invalid_argument);
  const nnt::nystrom_preconditioner<double> P(Matrix<double>::Ones(4, 2), 1.0);
  Matrix<double> Z(3, 1);
  CHECK_THROWS_AS(P.apply(Matrix<double>::Ones(3, 1), Z), nnt::invalid_argument);
  Matrix<double> Zw(4, 2);
  CHECK_THROWS_AS(P.apply(Matrix<double>::Ones(4, 1), Zw), nnt::invalid_argument);
}
