#include <nnt/kan/regularization.hpp>

#include <algorithm>
#include <cmath>

#include "kan_test_support.hpp"
#include "support/testing.hpp"

using namespace kan_test;

TEST_CASE("KAN regularisation gradient (L1 + entropy) equals central differences", "[kan]") {
  problem p = make_problem({2, 3, 2});
  const Vector<double> theta = p.net.parameters();
  auto reg = [&](const Vector<double>& t) {
    nnt::kan<double> n = p.net;
    n.set_parameters(t);
    nnt::kan_workspace<double> ws;
    n.forward(p.X, ws);
    Vector<double> unused = Vector<double>::Zero(t.size());
    return nnt::add_regularization(n, ws, {0.3, 1.0, 0.7}, unused);
  };
  nnt::kan_workspace<double> ws;
  p.net.forward(p.X, ws);
  Vector<double> g = Vector<double>::Zero(theta.size());
  nnt::add_regularization(p.net, ws, {0.3, 1.0, 0.7}, g);
  double worst = 0;
  for (Index i = 0; i < theta.size(); ++i) {
    Vector<double> a = theta, b = theta;
    a(i) += 1e-7;
    b(i) -= 1e-7;
    worst = std::max(worst, std::abs((reg(a) - reg(b)) / 2e-7 - g(i)));
  }
  // |φ| is piecewise smooth; away from sign changes the difference is accurate to ~1e-8
  CHECK(worst < 1e-6);
}

TEST_CASE("KAN edge magnitudes are mean |φ| over the batch, from the edge functions", "[kan]") {
  problem p = make_problem({2, 3, 1});
  nnt::kan_workspace<double> ws;
  p.net.forward(p.X, ws);
  const auto A = nnt::edge_magnitudes(p.net, ws);
  REQUIRE(A.size() == 2);
  // layer 0 by the scalar edge functions (an independent route through bspline_basis::spline)
  for (Index j = 0; j < 3; ++j)
    for (Index i = 0; i < 2; ++i) {
      double mean = 0;
      for (Index n = 0; n < 6; ++n) mean += std::abs(p.net.edge_function(0, i, j, p.X(i, n))) / 6;
      CHECK(A[0](j, i) == Approx(mean).epsilon(1e-13));
    }
  nnt::kan_workspace<double> empty;
  NNT_CHECK_INVALID(nnt::edge_magnitudes(p.net, empty),
                    "ws.layers (a forward pass of this network): expected 2 entries, got 0");
}
