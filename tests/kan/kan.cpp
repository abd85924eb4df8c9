#include <nnt/core/random.hpp>
#include <nnt/kan/kan.hpp>

#include <unsupported/Eigen/AutoDiff>

#include <cmath>

#include "kan_test_support.hpp"
#include "support/testing.hpp"

using namespace kan_test;
using AD = Eigen::AutoDiffScalar<Eigen::VectorXd>;

TEST_CASE("KAN gradients equal AutoDiffScalar's and central differences", "[kan]") {
  for (bool base : {true, false}) {
    problem p = make_problem({3, 4, 2}, base);
    nnt::kan_workspace<double> ws;
    const Matrix<double>& Z = p.net.forward(p.X, ws);
    const Matrix<double> G = Z - p.Y;  // ∂(½‖Z − Y‖²)/∂Z
    Vector<double> g;
    Matrix<double> gx;
    p.net.backward(ws, G, g, &gx);

    // AutoDiff: seed θ, evaluate ½‖Z − Y‖² (inputs carry zero derivative vectors of full size)
    const Index P = p.net.parameter_count();
    nnt::kan<AD> ad = p.net.cast<AD>();
    for (Index i = 0; i < P; ++i) ad.parameters()(i) = AD(p.net.parameters()(i), P, i);
    Matrix<AD> Xad(p.X.rows(), p.X.cols());
    for (Index e = 0; e < p.X.size(); ++e) Xad(e) = AD(p.X(e), Vector<double>::Zero(P));
    const Matrix<AD> Zad = ad.forward(Xad);
    AD loss(0.0, Vector<double>::Zero(P));
    for (Index e = 0; e < Zad.size(); ++e) loss += 0.5 * (Zad(e) - p.Y(e)) * (Zad(e) - p.Y(e));
    // both exact: different operation orders, rounding only
    CHECK((g - loss.derivatives()).norm() < 1e-12 * std::max(1.0, g.norm()));

    // input gradient by central differences (h = 1e-6: truncation ~1e-12, rounding ~1e-10)
    for (Index e = 0; e < p.X.size(); ++e) {
      Matrix<double> A = p.X, B = p.X;
      A(e) += 1e-6;
      B(e) -= 1e-6;
      const double fd = (0.5 * (p.net.forward(A) - p.Y).squaredNorm() -
                         0.5 * (p.net.forward(B) - p.Y).squaredNorm()) /
                        2e-6;
      CHECK(std::abs(fd - gx(e)) < 1e-7 * std::max(1.0, std::abs(fd)));
    }
  }
}

TEST_CASE("KAN bad input", "[kan]") {
  NNT_CHECK_INVALID(nnt::kan<double>({2, 0, 1}),
                    "widths[1]: expected a value in [1, 16777216], got 0");
  nnt::kan_options o;
  o.grid = 0;
  NNT_CHECK_INVALID(nnt::kan<double>({2, 1}, o), "grid: expected a value in [1, 16777216], got 0");
  o.grid = 3;
  o.order = -1;
  NNT_CHECK_INVALID(nnt::kan<double>({2, 1}, o), "order: expected a value in [0, 15], got -1");
  nnt::kan<double> net({2, 1});
  Matrix<double> X = Matrix<double>::Zero(3, 4);
  NNT_CHECK_INVALID(net.forward(X), "X: expected 2 rows, got 3");
  X = Matrix<double>::Zero(2, 4);
  X(1, 1) = std::nan("");
  NNT_CHECK_INVALID(net.forward(X), "X: expected finite entries, got nan at (1, 1)");
  // inputs far outside the grid: spline part 0 (documented), silu branch remains
  net.initialize(1);
  Matrix<double> far(2, 1);
  far << 50.0, -50.0;
  const double expected = net.base_weights(0)(0, 0) * 50.0 / (1 + std::exp(-50.0)) +
                          net.base_weights(0)(0, 1) * -50.0 / (1 + std::exp(50.0));
  CHECK(net.forward(far)(0, 0) == Approx(expected).epsilon(1e-14));
}

TEST_CASE("KAN float agrees with double; indices are checked", "[kan]") {
  problem p = make_problem({2, 3, 1});
  // float: same parameters, rounding of ~10 operations per edge in float (ε_f = 1.2e-7)
  const nnt::kan<float> f = p.net.cast<float>();
  const Matrix<float> Xf = p.X.cast<float>();
  CHECK((f.forward(Xf).cast<double>() - p.net.forward(p.X)).cwiseAbs().maxCoeff() < 1e-5);
  NNT_CHECK_INVALID(p.net.edge_function(0, 2, 0, 0.1), "i: expected an index in [0, 2), got 2");
  NNT_CHECK_INVALID(p.net.edge_function(1, 0, 1, 0.1), "j: expected an index in [0, 1), got 1");
  NNT_CHECK_INVALID(p.net.basis(2, 0), "l: expected an index in [0, 2), got 2");
  NNT_CHECK_INVALID(p.net.coefficients(-1), "l: expected an index in [0, 2), got -1");
  // a grid of the wrong size for the layer is refused
  NNT_CHECK_INVALID(p.net.set_basis(0, 0, nnt::bspline_basis(-1.0, 1.0, 7, 3)),
                    "b.size(): expected 7 entries, got 10");
}

TEST_CASE("KAN forward takes blocks and expressions", "[kan]") {
  problem p = make_problem({2, 3, 1});
  CHECK(p.net.forward(p.X.leftCols(3)) == p.net.forward(Matrix<double>(p.X.leftCols(3))));
  CHECK(p.net.forward(2.0 * p.X) == p.net.forward(Matrix<double>(2.0 * p.X)));
}
