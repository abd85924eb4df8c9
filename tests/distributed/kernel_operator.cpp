#include <nnt/distributed/kernel_operator.hpp>
#include <nnt/kernels/kernel_operator.hpp>
#include <nnt/kernels/large_scale.hpp>
#include <nnt/kernels/nngp_ntk.hpp>
#include <nnt/kernels/regression.hpp>

#include <mpi.h>
#include <catch2/catch.hpp>

#include <cmath>
#include <vector>

#include "support/kernel_fixtures.hpp"

using nnt::Index;
using nnt::Matrix;
using nnt::Vector;

namespace {

// The same bits on every rank (the replicated-result promise).
bool same_on_every_rank(const Matrix<double>& A) {
  Matrix<double> lo = A, hi = A;
  MPI_Allreduce(MPI_IN_PLACE, lo.data(), int(lo.size()), MPI_DOUBLE, MPI_MIN, MPI_COMM_WORLD);
  MPI_Allreduce(MPI_IN_PLACE, hi.data(), int(hi.size()), MPI_DOUBLE, MPI_MAX, MPI_COMM_WORLD);
  return lo == hi;
}

Matrix<double> teacher(const Matrix<double>& X) {
  Matrix<double> Y(2, X.cols());
  for (Index a = 0; a < X.cols(); ++a) {
    Y(0, a) = std::cos(X(0, a)) - X(2, a);
    Y(1, a) = std::tanh(X.col(a).sum() / 3);
  }
  return Y;
}

}  // namespace

TEST_CASE("distributed_kernel_operator products equal the single-process operator's",
          "[distributed]") {
  const Index d = 7, n = 203;
  const Matrix<double> X = nnt_test::gaussian_matrix(d, n, 41),
                       V = nnt_test::gaussian_matrix(n, 3, 42);
  const auto net = nnt_test::relu_kernel_net();
  for (bool ntk : {true, false}) {
    const nnt::kernel_operator<double> single(net, X, {.ntk = ntk, .block = 64});
    const nnt::distributed_kernel_operator<double> op(MPI_COMM_WORLD, net, X,
                                                      {.ntk = ntk, .block = 64});
    CHECK(op.rows() == n);
    CHECK(op.cols() == n);
    CHECK(op.ntk() == ntk);
    CHECK(op.status() == nnt::status::ok);
    CHECK(op.comm() == MPI_COMM_WORLD);
    CHECK(op.diagonal() == single.diagonal());  // the same diagonal pass: bitwise
    CHECK(std::abs(op.trace() - single.trace()) <= n * 2.2e-16 * single.trace());
    // The same tiles, their shares summed in another order: the kernel_operator test's
    // (N + 10·d·depth)·ε, relative to Σ|K||V|.
    const Matrix<double> K = ntk ? nnt::ntk_gram(net, X) : nnt::nngp_gram(net, X);
    const Matrix<double> got = op.multiply(V), want = single.multiply(V),
                         scale = K.cwiseAbs() * V.cwiseAbs();
    CHECK(((got - want).array() / scale.array()).abs().maxCoeff() <=
          double(n + 10 * d * 3) * 2.2e-16);
    CHECK(same_on_every_rank(got));
    Vector<double> v = V.col(1), out(n);
    op.apply(v, out);
    CHECK(((out - want.col(1)).array() / scale.col(1).array()).abs().maxCoeff() <=
          double(n + 10 * d * 3) * 2.2e-16);
    const std::vector<Index> idx{0, 202, 64, 63, 64};
    CHECK(op.columns(idx) == single.columns(idx));  // computed alike on every rank
  }
}

TEST_CASE("kernel_ridge_pcg on a distributed_kernel_operator equals the dense solve",
          "[distributed][pcg]") {
  const Index d = 8, n = 600;
  const Matrix<double> X = nnt_test::gaussian_matrix(d, n, 43), Y = teacher(X);
  const auto net = nnt_test::relu_kernel_net();
  const nnt::distributed_kernel_operator<double> K(MPI_COMM_WORLD, net, X, {.block = 64});
  const double tol = 1e-10;
  const nnt::kernel_ridge_pcg_options o{
      .ridge = 1e-3, .relative = true, .preconditioner_rank = 100, .seed = 5, .tolerance = tol};
  const auto m = nnt::kernel_ridge_pcg(K, Y, o);
  REQUIRE(m.status == nnt::status::ok);
  CHECK(m.stop_reason == nnt::stop_reason::tolerance);
  CHECK(same_on_every_rank(m.alpha));
  const Matrix<double> G = nnt::ntk_gram(net, X);
  const auto dense = nnt::kernel_ridge_fit(G, Y, {.ridge = m.ridge, .allow_jitter = false});
  REQUIRE(dense.status == nnt::status::ok);
  Matrix<double> A = G;
  A.diagonal().array() += m.ridge;
  const double kappa = (G.trace() + n * m.ridge) / m.ridge;
  for (Index c = 0; c < 2; ++c) {
    // As in tests/kernels/large_scale.cpp: the residual on the stored Gram meets CG's tolerance
    // (1% slack and the product's rounding), and ‖α − α*‖ ≤ ‖(K + λI)⁻¹‖ tol ‖y‖ plus the dense
    // solve's κε.
    const double res = (Y.row(c).transpose() - A * m.alpha.col(c)).norm();
    CHECK(res <= 1.01 * tol * Y.row(c).norm() +
                     4 * std::sqrt(double(n)) * 2.2e-16 * A.norm() * m.alpha.col(c).norm());
    CHECK((m.alpha.col(c) - dense.alpha.col(c)).norm() <=
          1.01 * tol * Y.row(c).norm() / m.ridge +
              10 * kappa * 2.2e-16 * dense.alpha.col(c).norm());
  }
  // Against the single-process run: RPCholesky sees the same diagonal and columns, so its pivots
  // agree exactly; CG's products differ by rounding, so iterations agree within its reach.
  const nnt::kernel_operator<double> single(net, X, {.block = 64});
  const auto s = nnt::kernel_ridge_pcg(single, Y, o);
  REQUIRE(s.status == nnt::status::ok);
  CHECK(m.preconditioner.pivots == s.preconditioner.pivots);
  CHECK(m.preconditioner.factor == s.preconditioner.factor);
  CHECK(std::abs(m.iterations - s.iterations) <= 2);
  // Predictions through the distributed cross operator equal the single-process ones.
  const Matrix<double> Xt = nnt_test::gaussian_matrix(d, 37, 44);
  const nnt::distributed_kernel_cross_operator<double> cross(MPI_COMM_WORLD, net, Xt, X,
                                                             {.block = 64});
  CHECK(cross.rows() == 37);
  CHECK(cross.cols() == n);
  CHECK(cross.status() == nnt::status::ok);
  CHECK(cross.row_diagonal() == nnt::kernel_diagonal(net, Xt).ntk);
  const Matrix<double> f = nnt::kernel_ridge_predict(m, cross);
  const Matrix<double> Kc = nnt::ntk_gram(net, X, Xt);  // K(X, X*): N × 37
  const Matrix<double> want = m.alpha.transpose() * Kc;
  CHECK(((f - want).array() / (m.alpha.cwiseAbs().transpose() * Kc.cwiseAbs()).array())
            .abs()
            .maxCoeff() <= double(n + 10 * d * 3) * 2.2e-16);
  CHECK(same_on_every_rank(f));
}
