// Adversarial cases for nnt/kan: B-spline bases on degenerate, extreme or non-finite grids;
// KAN construction, indices, forward/backward shapes and non-finite data; grid updates and
// refinement, pruning, the regulariser and kan_objective out of range; 1 vs 2 threads.
#include <nnt/kan/bspline.hpp>
#include <nnt/kan/grid.hpp>
#include <nnt/kan/kan.hpp>
#include <nnt/kan/kan_objective.hpp>
#include <nnt/kan/pruning.hpp>
#include <nnt/kan/regularization.hpp>

#include <limits>

#include "adversarial.hpp"

#ifdef _OPENMP
#include <omp.h>
#endif

using namespace nnt_adversarial;
using Eigen::MatrixXd;
using Eigen::VectorXd;

TEST_CASE("adversarial kan: B-spline bases", "[adversarial]") {
  using nnt::bspline_basis;
  const double big = std::numeric_limits<double>::max();
  NNT_REFUSES(bspline_basis(NaN, 1.0, 5, 3), "a");
  NNT_REFUSES(bspline_basis(0.0, Inf, 5, 3), "b");
  NNT_REFUSES(bspline_basis(1.0, 1.0, 5, 3), "b");
  NNT_REFUSES(bspline_basis(1.0, 0.0, 5, 3), "b");
  NNT_REFUSES(bspline_basis(0.0, 1.0, 0, 3), "G");
  NNT_REFUSES(bspline_basis(0.0, 1.0, nnt::Index(1) << 30, 3), "G");
  NNT_REFUSES(bspline_basis(0.0, 1.0, 5, -1), "k");
  NNT_REFUSES(bspline_basis(0.0, 1.0, 5, 99), "k");
  NNT_REFUSES(bspline_basis(-big, big, 5, 3), "grid");          // b − a overflows
  NNT_REFUSES(bspline_basis(big / 2, big, 5, 3), "grid");       // extension overflows
  NNT_REFUSES(bspline_basis(1e10, 1e10 + 1e-3, 5, 3), "grid");  // knots 2e-4 apart at 1e10
  NNT_REFUSES(bspline_basis(std::vector<double>{0.0}, 3), "grid.size()");
  NNT_REFUSES(bspline_basis(std::vector<double>{0.0, 1.0, 1.0, 2.0}, 3), "grid[2]");  // repeated
  NNT_REFUSES(bspline_basis(std::vector<double>{0.0, 2.0, 1.0}, 3), "grid[2]");
  NNT_REFUSES(bspline_basis(std::vector<double>{0.0, NaN, 1.0}, 3), "grid[1]");
  NNT_REFUSES(bspline_basis(std::vector<double>{0.0, 1.0, 1.0 + 1e-14}, 3), "grid");
  // Outside the extended grid every basis value is 0 (not garbage, not a crash); NaN gives NaN.
  const bspline_basis b(-1.0, 1.0, 5, 3);
  std::array<double, bspline_basis::max_order + 1> v{}, dv{};
  for (const double x : {-1e300, 1e300, -Inf, Inf}) {
    b.evaluate(x, v.data(), dv.data());
    for (int q = 0; q <= 3; ++q) CHECK((v[std::size_t(q)] == 0 && dv[std::size_t(q)] == 0));
  }
  b.evaluate(NaN, v.data(), dv.data());
  CHECK(std::isnan(v[0]));
}

TEST_CASE("adversarial kan: construction, indices and parameters", "[adversarial]") {
  using nnt::kan;
  NNT_REFUSES(kan<double>({3}), "widths");
  NNT_REFUSES(kan<double>({3, 0, 1}), "widths");
  NNT_REFUSES(kan<double>({3, -2, 1}), "widths");
  NNT_REFUSES(kan<double>({3, 1}, {.grid = 0}), "grid");  // blamed as the option, not as G
  NNT_REFUSES(kan<double>({3, 1}, {.order = -1}), "order");
  NNT_REFUSES(kan<double>({3, 1}, {.order = 40}), "order");
  NNT_REFUSES(kan<double>({3, 1}, {.grid_lower = NaN}), "grid_lower");
  NNT_REFUSES(kan<double>({3, 1}, {.grid_lower = 1.0, .grid_upper = 1.0}), "grid_upper");
  NNT_REFUSES(kan<double>({3, 1}, {.grid_upper = Inf}), "grid_upper");
  NNT_REFUSES(kan<double>({nnt::Index(1) << 20, nnt::Index(1) << 20, 1}), "");
  kan<double> net({3, 4, 2});
  net.initialize(1);
  NNT_REFUSES(net.edge_function(0, 3, 0, 0.5), "i");  // input index past the layer's inputs
  NNT_REFUSES(net.edge_function(0, 0, 4, 0.5), "j");
  NNT_REFUSES(net.edge_function(2, 0, 0, 0.5), "l");
  NNT_REFUSES(net.edge_function(-1, 0, 0, 0.5), "l");
  NNT_REFUSES(net.basis(0, 3), "i");
  NNT_REFUSES(net.basis(5, 0), "l");
  NNT_REFUSES(net.width(3), "l");
  NNT_REFUSES(net.coefficients(2), "l");
  NNT_REFUSES(net.set_parameters(VectorXd::Zero(3)), "theta");
  NNT_REFUSES(net.set_basis(0, 0, nnt::bspline_basis(-1.0, 1.0, 7, 3)), "");  // other G
}

TEST_CASE("adversarial kan: forward, backward, grids, pruning, objective", "[adversarial]") {
  nnt::kan<double> net({3, 4, 2});
  net.initialize(2);
  MatrixXd X = MatrixXd::Constant(3, 6, 0.3), Xnan = X, Y = MatrixXd::Zero(2, 6);
  Xnan(1, 4) = NaN;
  NNT_REFUSES(net.forward(MatrixXd::Ones(2, 6)), "X");
  NNT_REFUSES(net.forward(Xnan), "X");
  CHECK(net.forward(MatrixXd(3, 0)).cols() == 0);  // an empty batch maps to an empty output
  nnt::kan_workspace<double> ws;
  net.forward(X, ws);
  VectorXd g;
  NNT_REFUSES(net.backward(ws, MatrixXd::Ones(3, 6), g), "G");
  NNT_REFUSES(net.backward(ws, MatrixXd::Ones(2, 5), g), "G");
  NNT_REFUSES(net.backward(nnt::kan_workspace<double>{}, MatrixXd::Ones(2, 6), g), "ws.layers");
  // Inputs far outside the grid: the splines vanish there, the output stays finite.
  CHECK(net.forward(MatrixXd::Constant(3, 2, 1e300)).allFinite());
  CHECK(net.forward(MatrixXd::Constant(3, 2, -1e300)).allFinite());
  NNT_REFUSES(nnt::update_grids(net, MatrixXd(3, 0)), "X.cols()");  // the empty batch, refused
  NNT_REFUSES(nnt::update_grids(net, Xnan), "X");
  NNT_REFUSES(nnt::update_grids(net, X, {.eps = 2.0}), "eps");
  NNT_REFUSES(nnt::update_grids(net, X, {.margin = NaN}), "margin");
  NNT_REFUSES(nnt::refine_grid(net, 0), "G_new");
  NNT_REFUSES(nnt::prune_nodes(net, X, -1.0), "threshold");
  NNT_REFUSES(nnt::prune_nodes(net, X, NaN), "threshold");
  NNT_REFUSES(nnt::prune_nodes(net, MatrixXd(3, 0), 0.1), "X.cols()");
  NNT_REFUSES(nnt::prune_nodes(net, Xnan, 0.1), "X");
  NNT_REFUSES(nnt::kan_objective<double>(net, Xnan, Y), "X");
  NNT_REFUSES(nnt::kan_objective<double>(net, X, MatrixXd::Zero(2, 5)), "Y");
  MatrixXd Ynan = Y;
  Ynan(0, 0) = NaN;
  NNT_REFUSES(nnt::kan_objective<double>(net, X, Ynan), "Y");
  NNT_REFUSES(nnt::kan_objective<double>(net, X, Y, {.lambda = -1}), "lambda");
  NNT_REFUSES(nnt::kan_objective<double>(net, X, Y, {.lambda = 1, .mu1 = NaN}), "mu1");
  NNT_REFUSES(nnt::kan_objective<double>(net, X, Y, {.lambda = 1, .mu2 = -1}), "mu2");
  VectorXd grad = VectorXd::Zero(3);
  NNT_REFUSES(nnt::add_regularization(net, ws, {.lambda = 1}, grad), "grad");
  // A diverged θ evaluates to a non-finite loss (the optimizers' diverged), not an exception.
  nnt::kan_objective<double> f(net, X, Y);
  VectorXd theta = net.parameters();
  theta(0) = NaN;
  VectorXd gradient;
  CHECK(std::isnan(f.value_and_gradient(theta, gradient)));
}

TEST_CASE("adversarial kan: design, fits, refits, layer products, offsets, magnitudes",
          "[adversarial]") {
  const nnt::bspline_basis b(-1.0, 1.0, 5, 3);
  CHECK(b.intervals() == 5);
  NNT_REFUSES(b.spline(VectorXd(VectorXd::Ones(3)), 0.5), "c");  // c of another basis size
  CHECK(std::isnan(b.spline(VectorXd(VectorXd::Ones(b.size())), NaN)));
  CHECK(b.spline(VectorXd(VectorXd::Ones(b.size())), Inf) == 0);
  CHECK(b.lower() == -1.0);
  CHECK(b.upper() == 1.0);
  // A design row of a NaN sample is NaN (visible), of a sample far outside 0.
  VectorXd x(3);
  x << 0.2, NaN, 1e300;
  const MatrixXd A = b.design(x);
  CHECK(A.row(0).allFinite());
  CHECK(A.row(1).array().isNaN().any());
  CHECK((A.row(2).array() == 0).all());
  const nnt::Index saved = nnt::Index(nnt::allocation_limit_bytes());
  nnt::set_allocation_limit_bytes(1024);  // the 3 × 8 design fits, 200 × 8 doubles do not
  NNT_REFUSES(b.design(VectorXd::Zero(200)), "x.size()");
  nnt::set_allocation_limit_bytes(std::size_t(saved));
  NNT_REFUSES(nnt::bspline_fit(b, x, VectorXd::Zero(3)), "x");
  NNT_REFUSES(nnt::bspline_fit(b, VectorXd::Zero(3), VectorXd::Zero(2)), "y");
  NNT_REFUSES(nnt::bspline_fit(b, VectorXd(0), VectorXd(0)), "x.size()");
  NNT_REFUSES(nnt::bspline_fit(b, VectorXd::Zero(3), VectorXd::Zero(3), -1.0), "ridge");
  // Fewer samples than bases: the rank-deficient least squares still answers finitely.
  const auto under = nnt::bspline_fit(b, VectorXd::Zero(2), VectorXd::Ones(2));
  CHECK(under.coefficients.allFinite());
  CHECK(under.max_residual < 1e-12);
  const nnt::bspline_basis finer(-1.0, 1.0, 10, 3), far(5.0, 6.0, 5, 3);
  VectorXd c = VectorXd::Ones(b.size());
  NNT_REFUSES(nnt::bspline_refit(b, VectorXd::Ones(3), finer), "c");
  c(2) = NaN;
  NNT_REFUSES(nnt::bspline_refit(b, c, finer), "c");  // blamed as c, not as the samples y
  NNT_REFUSES(nnt::bspline_refit(b, VectorXd::Ones(b.size()), far), "to");

  nnt::kan<double> net({3, 4, 2});
  net.initialize(3);
  CHECK(net.depth() == 2);
  CHECK(net.basis_size(0) == net.basis(0, 0).size());
  NNT_REFUSES(net.basis_size(2), "l");
  NNT_REFUSES(net.base_weights(2), "l");
  NNT_REFUSES(std::as_const(net).spline_weights(-1), "l");
  NNT_REFUSES(net.coefficient_offset(2), "l");
  NNT_REFUSES(net.base_weight_offset(2), "l");
  NNT_REFUSES(net.spline_weight_offset(-1), "l");
  CHECK(net.base_weights(1).rows() == 2);
  CHECK(net.cast<float>().parameters().allFinite());
  const MatrixXd X = MatrixXd::Constant(3, 5, 0.1);
  nnt::kan_workspace<double> ws;
  net.forward(X, ws);
  VectorXd grad = VectorXd::Zero(net.parameter_count()), short_grad = VectorXd::Zero(4);
  MatrixXd gx = MatrixXd::Zero(3, 5), bad_gx = MatrixXd::Zero(3, 4);
  const MatrixXd G1 = MatrixXd::Ones(4, 5);  // layer 0 has 4 outputs
  NNT_REFUSES(net.layer_vjp(0, ws.layers[0], G1, short_grad, nullptr), "grad");
  NNT_REFUSES(net.layer_vjp(0, ws.layers[0], MatrixXd::Ones(2, 5), grad, nullptr), "G");
  NNT_REFUSES(net.layer_vjp(0, ws.layers[0], G1, grad, &bad_gx), "gx");
  NNT_REFUSES(net.layer_vjp(1, ws.layers[0], MatrixXd::Ones(2, 5), grad, nullptr), "st.x");
  NNT_REFUSES(net.layer_vjp(2, ws.layers[0], G1, grad, nullptr), "l");
  NNT_REFUSES(net.require_layer_state(1, ws.layers[0]), "st.x");
  nnt::kan_layer_state<double> truncated = ws.layers[0];
  truncated.first.pop_back();
  NNT_REFUSES(net.require_layer_state(0, truncated), "st.first");
  net.layer_vjp(0, ws.layers[0], G1, grad, &gx);
  CHECK(grad.allFinite());
  CHECK(gx.allFinite());
  // Magnitudes and pruning read the last forward's state: another net's state is refused.
  const auto A0 = nnt::edge_magnitudes(net, ws);
  CHECK(A0.size() == 2);
  CHECK(A0[0].rows() == 4);
  nnt::kan<double> other({2, 2});
  NNT_REFUSES(nnt::edge_magnitudes(other, ws), "ws");
  NNT_REFUSES(nnt::prune_edges(net, X, -1.0), "threshold");
  NNT_REFUSES(nnt::prune_edges(net, X, NaN), "threshold");
  NNT_REFUSES(nnt::prune_edges(net, MatrixXd(3, 0), 0.1), "X.cols()");
  MatrixXd Xnan = X;
  Xnan(0, 0) = NaN;
  NNT_REFUSES(nnt::prune_edges(net, Xnan, 0.1), "X");
  NNT_REFUSES(nnt::prune_edges(net, MatrixXd::Ones(2, 5), 0.1), "X");
  CHECK(nnt::prune_edges(net, X, 0.0) == 0);  // threshold 0 keeps every edge
  nnt::kan_objective<double> f(net, X, MatrixXd::Zero(2, 5));
  CHECK(f.dimension() == net.parameter_count());
  CHECK(f.network().depth() == 2);
}

#ifdef _OPENMP
TEST_CASE("threads: KAN forward and backward give the same bits at 1 and 2 threads", "[threads]") {
  nnt::kan<double> net({64, 32, 4});
  net.initialize(5);
  nnt::random_generator rng(6);
  MatrixXd X(64, 1500);
  rng.fill_uniform(X, -1.0, 1.0);
  auto run = [&](int threads, VectorXd& grad) {
    omp_set_num_threads(threads);
    nnt::kan_workspace<double> ws;
    const MatrixXd Z = net.forward(X, ws);
    MatrixXd gx;
    net.backward(ws, Z, grad, &gx);
    return std::pair{Z, gx};
  };
  const int saved = omp_get_max_threads();
  VectorXd g1, g2;
  const auto one = run(1, g1), two = run(2, g2);
  omp_set_num_threads(saved);
  CHECK((one.first.array() == two.first.array()).all());
  CHECK((one.second.array() == two.second.array()).all());
  CHECK((g1.array() == g2.array()).all());
}
#endif
