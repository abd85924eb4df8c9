#include <nnt/core/random.hpp>
#include <nnt/kan/kan.hpp>
#include <nnt/kan/objective.hpp>

#include <unsupported/Eigen/AutoDiff>

#include <algorithm>
#include <filesystem>
#include <fstream>

#include "support/testing.hpp"

using nnt::Index;
using nnt::Matrix;
using nnt::Vector;
using AD = Eigen::AutoDiffScalar<Eigen::VectorXd>;

namespace {

struct problem {
  nnt::kan<double> net;
  Matrix<double> X, Y;
};

problem make_problem(std::vector<Index> widths, bool base = true) {
  nnt::kan_options o;
  o.grid = 4;
  o.base = base;
  o.noise_scale = 0.5;  // visible splines, so every coefficient matters
  problem p{nnt::kan<double>(widths, o), {}, {}};
  p.net.initialize(5);
  nnt::random_generator rng(6);
  p.X.resize(widths.front(), 6);
  p.Y.resize(widths.back(), 6);
  rng.fill_normal(p.X);
  p.X *= 0.7;
  rng.fill_normal(p.Y);
  return p;
}

}  // namespace

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
      const double fd = (0.5 * (p.net.forward(A) - p.Y).squaredNorm() - 0.5 * (p.net.forward(B) - p.Y).squaredNorm()) / 2e-6;
      CHECK(std::abs(fd - gx(e)) < 1e-7 * std::max(1.0, std::abs(fd)));
    }
  }
}

TEST_CASE("KAN regularisation gradient (L1 + entropy) equals central differences", "[kan]") {
  problem p = make_problem({2, 3, 2});
  const Vector<double> theta = p.net.parameters();
  auto reg = [&](const Vector<double>& t) {
    nnt::kan<double> n = p.net;
    n.set_parameters(t);
    nnt::kan_workspace<double> ws;
    n.forward(p.X, ws);
    Vector<double> unused = Vector<double>::Zero(t.size());
    return n.add_regularization(ws, 0.3, 1.0, 0.7, unused);
  };
  nnt::kan_workspace<double> ws;
  p.net.forward(p.X, ws);
  Vector<double> g = Vector<double>::Zero(theta.size());
  p.net.add_regularization(ws, 0.3, 1.0, 0.7, g);
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

TEST_CASE("KAN objective: value and gradient consistent; optimizers reduce the loss", "[kan]") {
  problem p = make_problem({2, 3, 1});
  nnt::kan_objective<double> obj(p.net, p.X, p.Y, {0.01, 1.0, 1.0});
  Vector<double> g;
  const double v = obj.value_and_gradient(p.net.parameters(), g);
  CHECK(v == Approx(obj.value(p.net.parameters())).epsilon(1e-15));
  const Vector<double> d = Vector<double>::Ones(g.size()) / std::sqrt(double(g.size()));
  const double fd = (obj.value(p.net.parameters() + 1e-6 * d) - obj.value(p.net.parameters() - 1e-6 * d)) / 2e-6;
  CHECK(std::abs(fd - g.dot(d)) < 1e-6);
}

TEST_CASE("KAN grid refinement and grid update keep the function", "[kan]") {
  problem p = make_problem({2, 3, 1});
  // uniform grids over each layer's input range (ε = 1): every input inside its grid
  p.net.update_grids(p.X, 1.0);
  const Matrix<double> before = p.net.forward(p.X);
  double residual = 1;
  const auto twice = p.net.refined(8, &residual);  // 4 → 8 uniform intervals: nested spline spaces
  CHECK(residual < 1e-12);
  CHECK((twice.forward(p.X) - before).cwiseAbs().maxCoeff() < 1e-10);
  const auto finer = p.net.refined(13, &residual);  // not nested: O(h⁴) refit error
  CHECK(residual < 1e-2);
  nnt::kan<double> moved = p.net;
  const double refit = moved.update_grids(p.X);
  CHECK(refit < 1e-6);  // G + k coefficients fitted to 6 samples: exact up to the tiny ridge
  CHECK((moved.forward(p.X) - before).cwiseAbs().maxCoeff() < 1e-6);
}

TEST_CASE("KAN pruning keeps the kept part's outputs; export writes edge samples", "[kan]") {
  problem p = make_problem({2, 4, 1});
  // silence hidden node 2: its incoming and outgoing edges are exactly zero
  auto c0 = p.net.coefficients(0);
  const Index nb = p.net.basis_size(0);
  for (Index i = 0; i < 2; ++i) c0.block(2, i * nb, 1, nb).setZero();
  p.net.base_weights(0).row(2).setZero();
  p.net.base_weights(1).col(2).setZero();
  p.net.coefficients(1).middleCols(2 * p.net.basis_size(1), p.net.basis_size(1)).setZero();
  std::vector<std::vector<Index>> kept;
  const auto small = p.net.pruned(p.X, 1e-3, &kept);
  REQUIRE(small.widths() == std::vector<Index>{2, 3, 1});
  CHECK(kept[1] == std::vector<Index>{0, 1, 3});
  CHECK((small.forward(p.X) - p.net.forward(p.X)).cwiseAbs().maxCoeff() < 1e-14);

  const auto path = std::filesystem::temp_directory_path() / "nnt_test_kan_edges.csv";
  small.export_edges(path, 11);
  std::ifstream in(path);
  std::string header;
  std::getline(in, header);
  CHECK(header == "layer,in,out,x,phi");
  Index rows = 0;
  for (std::string line; std::getline(in, line);) ++rows;
  CHECK(rows == 11 * (2 * 3 + 3 * 1));
  std::filesystem::remove(path);
}

TEST_CASE("KAN bad input", "[kan]") {
  NNT_CHECK_INVALID(nnt::kan<double>({2, 0, 1}), "widths[1]: expected at least 1, got 0");
  nnt::kan_options o;
  o.grid = 0;
  NNT_CHECK_INVALID(nnt::kan<double>({2, 1}, o), "grid: expected at least 1, got 0");
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

TEST_CASE("KAN edge pruning zeroes weak edges only; float agrees with double", "[kan]") {
  problem p = make_problem({2, 3, 1});
  const auto A = [&] {
    nnt::kan_workspace<double> ws;
    p.net.forward(p.X, ws);
    return p.net.edge_magnitudes(ws);
  }();
  // threshold between the smallest and the next edge magnitude of layer 0
  std::vector<double> m(A[0].data(), A[0].data() + A[0].size());
  std::sort(m.begin(), m.end());
  nnt::kan<double> pruned = p.net;
  CHECK(pruned.prune_edges(p.X, 0.5 * (m[0] + m[1])) >= 1);
  nnt::kan_workspace<double> ws;
  pruned.forward(p.X, ws);
  const auto B = pruned.edge_magnitudes(ws);
  CHECK(B[0].minCoeff() == 0.0);

  // float: same parameters, rounding of ~10 operations per edge in float (ε_f = 1.2e-7)
  const nnt::kan<float> f = p.net.cast<float>();
  const Matrix<float> Xf = p.X.cast<float>();
  CHECK((f.forward(Xf).cast<double>() - p.net.forward(p.X)).cwiseAbs().maxCoeff() < 1e-5);
}
