#include <nnt/kan/pruning.hpp>

#include <algorithm>
#include <vector>

#include "kan_test_support.hpp"
#include "support/testing.hpp"

using namespace kan_test;

TEST_CASE("KAN node pruning keeps the kept part's outputs", "[kan]") {
  problem p = make_problem({2, 4, 1});
  // silence hidden node 2: its incoming and outgoing edges are exactly zero
  auto c0 = p.net.coefficients(0);
  const Index nb = p.net.basis_size(0);
  for (Index i = 0; i < 2; ++i) c0.block(2, i * nb, 1, nb).setZero();
  p.net.base_weights(0).row(2).setZero();
  p.net.base_weights(1).col(2).setZero();
  p.net.coefficients(1).middleCols(2 * p.net.basis_size(1), p.net.basis_size(1)).setZero();
  const auto small = nnt::prune_nodes(p.net, p.X, 1e-3);
  REQUIRE(small.net.widths() == std::vector<Index>{2, 3, 1});
  CHECK(small.kept[1] == std::vector<Index>{0, 1, 3});
  CHECK((small.net.forward(p.X) - p.net.forward(p.X)).cwiseAbs().maxCoeff() < 1e-14);
}

TEST_CASE("KAN edge pruning zeroes weak edges only", "[kan]") {
  problem p = make_problem({2, 3, 1});
  const auto A = [&] {
    nnt::kan_workspace<double> ws;
    p.net.forward(p.X, ws);
    return nnt::edge_magnitudes(p.net, ws);
  }();
  // threshold between the smallest and the next edge magnitude of layer 0
  std::vector<double> m(A[0].data(), A[0].data() + A[0].size());
  std::sort(m.begin(), m.end());
  nnt::kan<double> pruned = p.net;
  CHECK(nnt::prune_edges(pruned, p.X, 0.5 * (m[0] + m[1])) >= 1);
  nnt::kan_workspace<double> ws;
  pruned.forward(p.X, ws);
  const auto B = nnt::edge_magnitudes(pruned, ws);
  CHECK(B[0].minCoeff() == 0.0);
}

TEST_CASE("KAN pruning bad input", "[kan]") {
  problem p = make_problem({2, 3, 1});
  NNT_CHECK_INVALID(nnt::prune_nodes(p.net, p.X, -1.0),
                    "threshold: expected a non-negative value, got -1");
  NNT_CHECK_INVALID(nnt::prune_edges(p.net, Matrix<double>(2, 0), 0.1),
                    "X.cols(): expected at least 1, got 0");
  // a threshold above every magnitude keeps one node per hidden layer (a KAN needs width ≥ 1)
  CHECK(nnt::prune_nodes(p.net, p.X, 1e9).net.widths() == std::vector<Index>{2, 1, 1});
}
