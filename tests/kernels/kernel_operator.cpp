#include <nnt/core/random.hpp>
#include <nnt/curvature/eigenpairs.hpp>
#include <nnt/kernels/kernel_operator.hpp>
#include <nnt/kernels/layer.hpp>
#include <nnt/kernels/nngp_ntk.hpp>

#include <Eigen/Eigenvalues>

#include <cmath>
#include <limits>
#include <set>
#include <vector>

#include "support/testing.hpp"

using nnt::Index;
using nnt::Matrix;
using nnt::Vector;

namespace {

template <class S>
Matrix<S> random_matrix(Index rows, Index cols, std::uint64_t seed) {
  nnt::random_generator rng(seed);
  Matrix<double> X(rows, cols);
  rng.fill_normal(X);
  return X.cast<S>();
}

nnt::kernel_network relu_net(Index hidden) {
  return nnt::fully_connected_kernel(nnt::activation::relu(),
                                     {.hidden_layers = hidden, .C_w = 2.0, .C_b = 0.1});
}

// |A − B| ≤ tol · (|K| |V|) entrywise: the operator's tiles and kernel_gram's Gram are the same
// formulas on input Grams from differently blocked GEMMs (relative error ≲ d·ε per entry, carried
// through `depth` steps with slopes ≤ 1 for these C_w), and the products sum N terms in different
// orders (≤ N·ε relative to Σ|K_ij V_j|): tol = (N + 10·d·depth)·ε covers both.
template <class S>
void check_product(const Matrix<S>& got, const Matrix<S>& K, const Matrix<S>& V, double tol) {
  const Matrix<S> want = K * V;
  const Matrix<S> scale = K.cwiseAbs() * V.cwiseAbs();
  REQUIRE(got.rows() == want.rows());
  REQUIRE(got.cols() == want.cols());
  REQUIRE(got.allFinite());
  double worst = 0;
  for (Index j = 0; j < got.cols(); ++j)
    for (Index i = 0; i < got.rows(); ++i)
      worst = std::max(worst, double(std::abs(got(i, j) - want(i, j)) / scale(i, j)));
  CHECK(worst <= tol);
}

}  // namespace

TEMPLATE_TEST_CASE("kernel_operator products equal kernel_gram times V", "[kernels][operator]",
                   float, double) {
  using S = TestType;
  const double eps = std::numeric_limits<S>::epsilon();
  const Index d = 7, n = 203;  // blocks of 64: three full blocks and a partial one
  const Matrix<S> X = random_matrix<S>(d, n, 11), V = random_matrix<S>(n, 3, 12);
  for (const auto& net :
       {relu_net(3), nnt::fully_connected_kernel(nnt::activation::erf(),
                                                 {.hidden_layers = 2, .C_w = 1.5, .C_b = 0.2})})
    for (bool ntk : {false, true}) {
      const auto ref = nnt::kernel_gram(net, X, {.ntk = ntk});
      REQUIRE(ref.status == nnt::status::ok);
      const Matrix<S>& K = ntk ? ref.ntk : ref.nngp;
      const nnt::kernel_operator<S> op(net, X, {.ntk = ntk, .block = 64});
      CHECK(op.status() == nnt::status::ok);
      const double tol = double(n + 10 * d * 4) * eps;
      check_product<S>(op.multiply(V), K, V, tol);
      // the vector interface (linear_operator) and the diagonal
      Vector<S> out(n);
      const Vector<S> v = V.col(1);
      op.apply(v, out);
      check_product<S>(Matrix<S>(out), K, Matrix<S>(v), tol);
      CHECK(op.diagonal() == K.diagonal());  // both from the diagonal pass: bitwise
      CHECK(std::abs(op.trace() - K.trace()) <= n * eps * K.trace());
    }
}

TEST_CASE("kernel_operator: one block, blocks of one, and bitwise equal on 1 and 2 threads",
          "[kernels][operator]") {
  const Index d = 5, n = 37;
  const Matrix<double> X = random_matrix<double>(d, n, 3), V = random_matrix<double>(n, 2, 4);
  const auto net = relu_net(2);
  const Matrix<double> K = nnt::ntk_gram(net, X);
  for (Index block : {Index(1), Index(5), Index(37), Index(256)}) {
    const nnt::kernel_operator<double> one(net, X, {.block = block, .threads = 1});
    const nnt::kernel_operator<double> two(net, X, {.block = block, .threads = 2});
    const Matrix<double> a = one.multiply(V), b = two.multiply(V);
    check_product<double>(a, K, V, (n + 10 * d * 3) * 2.2e-16);
    CHECK(a == b);
  }
}

TEST_CASE("tournament_rounds meets every pair of blocks once, no block twice in a round",
          "[kernels][operator]") {
  for (Index blocks = 1; blocks <= 9; ++blocks) {
    const auto rounds = nnt::detail::tournament_rounds(blocks);
    std::set<std::pair<Index, Index>> seen;
    for (const auto& round : rounds) {
      std::set<Index> busy;
      for (const auto& [I, J] : round) {
        CHECK(I < J);
        CHECK(J < blocks);
        CHECK(busy.insert(I).second);
        CHECK(busy.insert(J).second);
        CHECK(seen.insert({I, J}).second);
      }
    }
    CHECK(Index(seen.size()) == blocks * (blocks - 1) / 2);
  }
}

TEST_CASE("kernel_operator shares of a product sum to the product", "[kernels][operator]") {
  const Index d = 5, n = 300;  // 10 blocks of 32: 9 rounds of 5 pairs
  const Matrix<double> X = random_matrix<double>(d, n, 15), V = random_matrix<double>(n, 2, 16);
  const auto net = relu_net(2);
  const nnt::kernel_operator<double> op(net, X, {.block = 32});
  const Matrix<double> K = nnt::ntk_gram(net, X), full = op.multiply(V);
  for (Index parts : {1, 2, 3, 7, 20}) {
    Matrix<double> sum = Matrix<double>::Zero(n, 2), share(n, 2);
    for (Index part = 0; part < parts; ++part) {
      op.apply_share(V, share, part, parts);
      sum += share;
    }
    if (parts == 1) CHECK(sum == full);  // the one share is the product itself
    // Every tile's terms in exactly one share: equal to K V up to the order of the sums.
    check_product<double>(sum, K, V, (n + 10 * d * 3) * 2.2e-16);
  }
  // A share on its own is not the product (each holds ~1/parts of the tiles).
  Matrix<double> half(n, 2);
  op.apply_share(V, half, 0, 2);
  CHECK((half - full).norm() > 0.1 * full.norm());
}

TEST_CASE("kernel_operator columns equal kernel_gram's columns", "[kernels][operator]") {
  const Index d = 6, n = 90;
  const Matrix<double> X = random_matrix<double>(d, n, 5);
  const auto net = relu_net(2);
  const auto ref = nnt::kernel_gram(net, X);
  const nnt::kernel_operator<double> op(net, X, {.block = 32});
  const std::vector<Index> idx{0, 89, 31, 32, 31, 7};
  const Matrix<double> C = op.columns(idx);
  REQUIRE(C.rows() == n);
  REQUIRE(C.cols() == Index(idx.size()));
  double worst = 0;
  for (std::size_t c = 0; c < idx.size(); ++c)
    worst = std::max(worst, (C.col(Index(c)) - ref.ntk.col(idx[c])).cwiseAbs().maxCoeff() /
                                ref.ntk.cwiseAbs().maxCoeff());
  CHECK(worst <= 64 * 2.2e-16);  // same formulas, GEMM rounding of the input Gram only
  for (std::size_t c = 0; c < idx.size(); ++c)  // the diagonal entry: bitwise
    CHECK(C(idx[c], Index(c)) == ref.ntk(idx[c], idx[c]));
  const nnt::kernel_operator<double> nngp(net, X, {.ntk = false});
  CHECK((nngp.columns(std::vector<Index>{4}) - ref.nngp.col(4)).cwiseAbs().maxCoeff() <=
        64 * 2.2e-16 * ref.nngp.cwiseAbs().maxCoeff());
  CHECK(op.columns(std::vector<Index>{}).cols() == 0);
}

TEST_CASE("kernel_cross_operator products in both directions equal the cross Gram's",
          "[kernels][operator]") {
  const Index d = 4, m = 45, n = 70;
  const Matrix<double> A = random_matrix<double>(d, m, 6), B = random_matrix<double>(d, n, 7);
  // erf (closed form); tanh goes through the same tiles with quadrature moments (its case below is
  // small: ~1 ms per entry and layer).
  const auto net = nnt::fully_connected_kernel(nnt::activation::erf(),
                                               {.hidden_layers = 2, .C_w = 1.2, .C_b = 0.3});
  for (bool ntk : {false, true}) {
    const auto ref = nnt::kernel_gram(net, A, B, {.ntk = ntk});
    const Matrix<double>& K = ntk ? ref.ntk : ref.nngp;
    const nnt::kernel_cross_operator<double> op(net, A, B, {.ntk = ntk, .block = 16});
    CHECK(op.rows() == m);
    CHECK(op.cols() == n);
    const Matrix<double> V = random_matrix<double>(n, 2, 8), W = random_matrix<double>(m, 3, 9);
    const double tol = (n + 10 * d * 3) * 2.2e-16;
    check_product<double>(op.multiply(V), K, V, tol);
    Matrix<double> out(n, 3);
    op.apply_transpose(W, out);
    check_product<double>(out, Matrix<double>(K.transpose()), W, tol);
    Matrix<double> normal(n, 2);
    op.apply_normal(V, normal);
    check_product<double>(normal, Matrix<double>(K.transpose() * K), V, 2 * tol);
    const auto diag = nnt::kernel_diagonal(net, A);
    CHECK(op.row_diagonal() == (ntk ? diag.ntk : diag.nngp));
    // Columns of B picked out (with a repeat, out of order, across tile edges): the cross Gram's.
    const std::vector<Index> idx{69, 0, 15, 16, 15};
    const Matrix<double> C = op.columns(idx);
    REQUIRE(C.rows() == m);
    REQUIRE(C.cols() == Index(idx.size()));
    for (std::size_t c = 0; c < idx.size(); ++c)  // same formulas, GEMM rounding of the input Gram
      CHECK((C.col(Index(c)) - K.col(idx[c])).cwiseAbs().maxCoeff() <=
            64 * 2.2e-16 * K.cwiseAbs().maxCoeff());
    CHECK_THROWS_AS(op.columns(std::vector<Index>{n}), nnt::invalid_argument);
  }
}

TEST_CASE("kernel_operator with quadrature moments (tanh) equals kernel_gram",
          "[kernels][operator]") {
  const Matrix<double> X = random_matrix<double>(3, 9, 13), V = random_matrix<double>(9, 1, 14);
  const auto net = nnt::fully_connected_kernel(nnt::activation::tanh(),
                                               {.hidden_layers = 1, .C_w = 1.2, .C_b = 0.3});
  const Matrix<double> K = nnt::ntk_gram(net, X);
  const nnt::kernel_operator<double> op(net, X, {.block = 4});
  check_product<double>(op.multiply(V), K, V, (9 + 10 * 3 * 2) * 2.2e-16);
  const nnt::kernel_cross_operator<double> cross(net, X.leftCols(4), X, {.block = 3});
  check_product<double>(cross.multiply(V), Matrix<double>(K.topRows(4)), V,
                        (9 + 10 * 3 * 2) * 2.2e-16);
}

TEST_CASE("the top eigenvalues of a kernel_operator by Lanczos equal the dense Gram's",
          "[kernels][operator]") {
  const Index d = 8, n = 150;
  const Matrix<double> X = random_matrix<double>(d, n, 10);
  const auto net = relu_net(3);
  const Matrix<double> K = nnt::ntk_gram(net, X);
  const nnt::kernel_operator<double> op(net, X, {.block = 48});
  const auto top = nnt::top_eigenpairs(op, 4);
  REQUIRE(top.status == nnt::status::ok);
  const Eigen::SelfAdjointEigenSolver<Matrix<double>> eig(K);
  for (Index i = 0; i < 4; ++i)  // Spectra's tolerance 1e-10 relative to |λ|
    CHECK(std::abs(top.values(i) - eig.eigenvalues()(n - 1 - i)) <=
          1e-9 * eig.eigenvalues()(n - 1));
}

TEST_CASE("kernel_operator reports an overflowing variance as a status, products NaN",
          "[kernels][operator]") {
  const Matrix<double> X = random_matrix<double>(3, 10, 1);
  const auto net =
      nnt::fully_connected_kernel(nnt::activation::relu(), {.hidden_layers = 3, .C_w = 1e200});
  const nnt::kernel_operator<double> op(net, X);
  CHECK(op.status() == nnt::status::overflow);
  CHECK(op.overflow_step() >= 0);
  const Matrix<double> out = op.multiply(Matrix<double>::Ones(10, 1));
  CHECK(out.array().isNaN().all());
  CHECK(op.columns(std::vector<Index>{2}).array().isNaN().all());
  const nnt::kernel_cross_operator<double> cross(net, X, X);
  CHECK(cross.status() == nnt::status::overflow);
}

TEST_CASE("kernel_operator refuses bad input", "[kernels][operator]") {
  const Matrix<double> X = random_matrix<double>(3, 10, 1);
  const auto net = relu_net(1);
  NNT_CHECK_INVALID(nnt::kernel_operator<double>(net, Matrix<double>(3, 0)),
                    "X.cols(): expected at least 1, got 0");
  Matrix<double> bad = X;
  bad(1, 2) = std::numeric_limits<double>::quiet_NaN();
  CHECK_THROWS_AS(nnt::kernel_operator<double>(net, bad), nnt::invalid_argument);
  CHECK_THROWS_AS(nnt::kernel_operator<double>(net, X, {.block = 0}), nnt::invalid_argument);
  const nnt::kernel_operator<double> op(net, X);
  Matrix<double> out(10, 2);
  CHECK_THROWS_AS(op.apply(Matrix<double>(9, 2), out), nnt::invalid_argument);
  Matrix<double> nan = Matrix<double>::Zero(10, 2);
  nan(3, 1) = std::numeric_limits<double>::infinity();
  CHECK_THROWS_AS(op.apply(nan, out), nnt::invalid_argument);
  Matrix<double> wrong(10, 3);
  CHECK_THROWS_AS(op.apply(Matrix<double>::Zero(10, 2), wrong), nnt::invalid_argument);
  CHECK_THROWS_AS(op.columns(std::vector<Index>{10}), nnt::invalid_argument);
  CHECK_THROWS_AS(op.columns(std::vector<Index>{-1}), nnt::invalid_argument);
  CHECK_THROWS_AS(nnt::kernel_cross_operator<double>(net, X, Matrix<double>::Ones(4, 5)),
                  nnt::invalid_argument);
  const nnt::kernel_cross_operator<double> cross(net, X, Matrix<double>::Ones(3, 5));
  Matrix<double> o(10, 1);
  CHECK_THROWS_AS(cross.apply(Matrix<double>::Ones(10, 1), o), nnt::invalid_argument);
  Matrix<double> ot(5, 1);
  CHECK_THROWS_AS(cross.apply_transpose(Matrix<double>::Ones(5, 1), ot), nnt::invalid_argument);
}
