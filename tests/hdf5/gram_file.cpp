#include <nnt/core/conjugate_gradient.hpp>
#include <nnt/hdf5/gram_file.hpp>
#include <nnt/kernels/large_scale.hpp>
#include <nnt/kernels/nngp_ntk.hpp>
#include <nnt/kernels/partial_cholesky.hpp>
#include <nnt/kernels/regression.hpp>

#include <catch2/catch.hpp>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>
#include <vector>

#include "support/kernel_fixtures.hpp"

using nnt::Index;
using nnt::Matrix;
using nnt::Vector;

namespace {

// A fresh file name in the test's working directory.
std::string fresh(const std::string& name) {
  std::filesystem::remove(name);
  return name;
}

}  // namespace

TEMPLATE_TEST_CASE("write_kernel_gram_hdf5 then read_gram_hdf5 gives kernel_gram's Gram", "[hdf5]",
                   float, double) {
  using S = TestType;
  const double eps = std::numeric_limits<S>::epsilon();
  const Index d = 6, n = 77;
  const Matrix<double> X = nnt_test::gaussian_matrix(d, n, 51);
  const auto net = nnt_test::relu_kernel_net();
  const auto ref = nnt::kernel_gram(net, X);
  const std::string path = fresh("hdf5_square_" + std::to_string(sizeof(S)) + ".h5");
  for (Index block : {1, 16, 256}) {
    for (bool ntk : {true, false}) {
      const std::string name = (ntk ? "ntk_b" : "nngp_b") + std::to_string(block);
      const auto w = nnt::write_kernel_gram_hdf5<S>(path, name, net, X,
                                                    {.ntk = ntk, .block = block, .threads = 2});
      REQUIRE(w.status == nnt::status::ok);
      CHECK(w.rows == n);
      CHECK(w.cols == n);
      const Matrix<double> K = ntk ? ref.ntk : ref.nngp;
      const Matrix<S> G = nnt::read_gram_hdf5<S>(path, name);
      REQUIRE(G.rows() == n);
      REQUIRE(G.cols() == n);
      // The same formulas per entry on differently blocked input-Gram GEMMs (64ε, as for
      // kernel_operator's columns), in S.
      CHECK((G.template cast<double>() - K).cwiseAbs().maxCoeff() <=
            64 * eps * K.cwiseAbs().maxCoeff());
      // The diagonal from the diagonal pass in S: kernel_diagonal's, bit for bit.
      const auto diag = nnt::kernel_diagonal(net, Matrix<S>(X.cast<S>()));
      CHECK(G.diagonal() == (ntk ? diag.ntk : diag.nngp));
    }
  }
}

TEST_CASE("write_kernel_gram_hdf5 stores K(A, B) row-major: f[name][i, j] = K(a_i, b_j)",
          "[hdf5][h5py]") {
  const Index d = 4, m = 13, n = 29;
  const Matrix<double> A = nnt_test::gaussian_matrix(d, m, 52),
                       B = nnt_test::gaussian_matrix(d, n, 53);
  const auto net = nnt_test::relu_kernel_net();
  const std::string path = fresh("hdf5_cross.h5");
  REQUIRE(nnt::write_kernel_gram_hdf5(path, "cross", net, A, B, {.block = 5}).status ==
          nnt::status::ok);
  const Matrix<double> K = nnt::ntk_gram(net, A, B);  // m × n
  const Matrix<double> G = nnt::read_gram_hdf5(path, "cross");
  REQUIRE(G.rows() == m);
  REQUIRE(G.cols() == n);
  CHECK((G - K).cwiseAbs().maxCoeff() <= 64 * 2.2e-16 * K.cwiseAbs().maxCoeff());
  // For tests/hdf5/read_with_h5py.py: kernel_gram's entries as text, i j value per line, to be
  // compared with what h5py reads from the file (an independent reader of the layout).
  std::ofstream csv("hdf5_cross_expected.txt");
  csv.precision(17);
  for (Index i = 0; i < m; ++i)
    for (Index j = 0; j < n; ++j) csv << i << ' ' << j << ' ' << K(i, j) << '\n';
  // A second dataset in the same file, the NNGP.
  REQUIRE(nnt::write_kernel_gram_hdf5(path, "cross_nngp", net, A, B, {.ntk = false}).status ==
          nnt::status::ok);
  CHECK(
      (nnt::read_gram_hdf5(path, "cross_nngp") - nnt::nngp_gram(net, A, B)).cwiseAbs().maxCoeff() <=
      64 * 2.2e-16 * K.cwiseAbs().maxCoeff());
}

TEST_CASE("hdf5_gram_operator serves products, columns and PCG from the file", "[hdf5][pcg]") {
  const Index d = 8, n = 500;
  const Matrix<double> X = nnt_test::gaussian_matrix(d, n, 54);
  Matrix<double> Y(1, n);
  for (Index a = 0; a < n; ++a) Y(0, a) = std::sin(X(0, a)) + X(1, a) * X(2, a);
  const auto net = nnt_test::relu_kernel_net();
  const std::string path = fresh("hdf5_operator.h5");
  REQUIRE(nnt::write_kernel_gram_hdf5(path, "ntk", net, X, {.block = 64}).status ==
          nnt::status::ok);
  const Matrix<double> stored = nnt::read_gram_hdf5(path, "ntk");
  const nnt::hdf5_gram_operator<double> K(path, "ntk", 37);  // strips that do not divide N
  CHECK(K.rows() == n);
  CHECK(K.cols() == n);
  CHECK(K.status() == nnt::status::ok);
  CHECK(K.diagonal() == stored.diagonal());
  CHECK(std::abs(K.trace() - stored.trace()) <= n * 2.2e-16 * stored.trace());
  const Matrix<double> V = nnt_test::gaussian_matrix(n, 3, 55);
  const Matrix<double> want = stored * V, scale = stored.cwiseAbs() * V.cwiseAbs();
  // The same stored values, products summed in other orders: N·ε relative to Σ|K||V|.
  CHECK(((K.multiply(V) - want).array() / scale.array()).abs().maxCoeff() <= n * 2.2e-16);
  Vector<double> v = V.col(0), out(n);
  K.apply(v, out);
  CHECK(((out - want.col(0)).array() / scale.col(0).array()).abs().maxCoeff() <= n * 2.2e-16);
  const std::vector<Index> idx{499, 0, 37, 36, 0};
  const Matrix<double> C = K.columns(idx);
  for (std::size_t c = 0; c < idx.size(); ++c)  // rows read back as columns: the stored row
    CHECK(C.col(Index(c)) == stored.row(idx[c]).transpose());
  // The solvers on the file: PCG with RPCholesky equals the dense solve of the stored Gram.
  const double tol = 1e-10;
  const auto m = nnt::kernel_ridge_pcg(
      K, Y, {.ridge = 1e-3, .relative = true, .preconditioner_rank = 100, .tolerance = tol});
  REQUIRE(m.status == nnt::status::ok);
  Matrix<double> A = stored;
  A.diagonal().array() += m.ridge;
  const auto dense = nnt::kernel_ridge_fit(stored, Y, {.ridge = m.ridge, .allow_jitter = false});
  REQUIRE(dense.status == nnt::status::ok);
  const double res = (Y.transpose() - A * m.alpha).norm();
  CHECK(res <=
        1.01 * tol * Y.norm() + 4 * std::sqrt(double(n)) * 2.2e-16 * A.norm() * m.alpha.norm());
  const double kappa = (stored.trace() + n * m.ridge) / m.ridge;
  CHECK((m.alpha - dense.alpha).norm() <=
        1.01 * tol * Y.norm() / m.ridge + 10 * kappa * 2.2e-16 * dense.alpha.norm());
}

TEST_CASE("write_kernel_gram_hdf5 reports overflow and writes nothing", "[hdf5]") {
  const std::string path = fresh("hdf5_overflow.h5");
  const Matrix<double> X = 1e200 * nnt_test::gaussian_matrix(3, 5, 56);
  const auto w = nnt::write_kernel_gram_hdf5(path, "K", nnt_test::relu_kernel_net(), X);
  CHECK(w.status == nnt::status::overflow);
  CHECK_FALSE(std::filesystem::exists(path));
}
