// COURSE.md H3: f(x, y) = x² − y² has ∇f(0) = 0 and Hessian diag(2, −2): a saddle. The gradient is
// orthogonal to level sets. A convex function's stationary point is its global minimum: checked on
// random convex quadratics and on LSE(Ax − b) = log Σᵢ exp(aᵢᵀx − bᵢ) with 0 inside the convex hull
// of the aᵢ (bounded below), where gradient descent from random starts always reaches one value.
#include <nnt/core/random.hpp>
#include <nnt/curvature/spectrum.hpp>
#include <nnt/mlp/loss.hpp>

#include <Eigen/Eigenvalues>
#include <unsupported/Eigen/AutoDiff>

#include "common/reproduce.hpp"

using nnt_examples::tol;

int main(int argc, char** argv) {
  const auto opt = nnt_examples::parse_options(argc, argv, "stationary points, saddles and convexity (H3)");
  nnt_examples::claims claims("stationary_points");

  // Saddle: gradient and Hessian of x² − y² at 0 by nested AutoDiff.
  using AD = Eigen::AutoDiffScalar<Eigen::VectorXd>;
  using AD2 = Eigen::AutoDiffScalar<Eigen::Matrix<AD, Eigen::Dynamic, 1>>;
  auto seed2 = [](double v, int i) {
    AD2 a(AD(v, 2, i), Eigen::Matrix<AD, Eigen::Dynamic, 1>(2));
    for (int j = 0; j < 2; ++j) a.derivatives()(j) = AD(i == j ? 1.0 : 0.0, Eigen::VectorXd::Zero(2));
    return a;
  };
  const AD2 x = seed2(0.0, 0), y = seed2(0.0, 1);
  const AD2 f = x * x - y * y;
  Eigen::Matrix2d H;
  for (int i = 0; i < 2; ++i) H.row(i) = f.derivatives()(i).derivatives().transpose();
  const double grad0 = std::hypot(f.derivatives()(0).value(), f.derivatives()(1).value());
  const Eigen::Vector2d ev = Eigen::SelfAdjointEigenSolver<Eigen::Matrix2d>(H).eigenvalues();
  claims.check("H3-gradient-at-0", 0, grad0, tol::abs, 0);
  claims.check("H3-Hessian-eigenvalue-min", -2, ev(0), tol::abs, 0);
  claims.check("H3-Hessian-eigenvalue-max", 2, ev(1), tol::abs, 0);
  claims.check_that("H3-saddle", "eigenvalues of both signs", "(" + nnt_examples::format_number(ev(0)) + ", " + nnt_examples::format_number(ev(1)) + ")", ev(0) < 0 && ev(1) > 0);

  // Level sets x² − y² = c: parametrised (√c cosh t, √c sinh t) for c > 0 and (√−c sinh t,
  // √−c cosh t) for c < 0; tangent = derivative in t. |∇f·t̂| must vanish to rounding.
  double worst = 0;
  std::vector<double> lx, ly, gx, gy;
  for (double c : {-2.0, -0.5, 0.5, 1.0, 3.0})
    for (int i = -20; i <= 20; ++i) {
      const double t = 0.1 * i, r = std::sqrt(std::abs(c));
      const double px = c > 0 ? r * std::cosh(t) : r * std::sinh(t), py = c > 0 ? r * std::sinh(t) : r * std::cosh(t);
      const double tx = c > 0 ? r * std::sinh(t) : r * std::cosh(t), ty = c > 0 ? r * std::cosh(t) : r * std::sinh(t);
      const Eigen::Vector2d grad(2 * px, -2 * py), tangent = Eigen::Vector2d(tx, ty).normalized();
      worst = std::max(worst, std::abs(grad.dot(tangent)) / grad.norm());
    }
  claims.check("H3-gradient-orthogonal-to-level-sets", 0, worst, tol::abs, 1e-15);

  // Convex quadratics ½xᵀAx − bᵀx: GD with η = 1/λmax from 20 random starts reaches A⁻¹b, the
  // global minimum: no random point has a lower value.
  nnt::random_generator rng(3);
  double quad_spread = 0, quad_vs_solve = 0, quad_lower = 0;
  for (int problem = 0; problem < 5; ++problem) {
    const int n = 8;
    Eigen::MatrixXd G(n, n);
    rng.fill_normal(G);
    const Eigen::MatrixXd A = G * G.transpose() + 0.5 * Eigen::MatrixXd::Identity(n, n);
    Eigen::VectorXd b(n);
    rng.fill_normal(b);
    const auto top = nnt::top_eigenpairs(nnt::dense_operator<double>(A), 1);
    const double eta = 1.0 / top.values(0);
    const Eigen::VectorXd solution = A.ldlt().solve(b);
    auto value = [&](const Eigen::VectorXd& v) { return 0.5 * v.dot(A * v) - b.dot(v); };
    double lo = 1e300, hi = -1e300;
    for (int start = 0; start < 20; ++start) {
      Eigen::VectorXd v(n);
      rng.fill_normal(v, 0.0, 10.0);
      for (int it = 0; it < 20000 && (A * v - b).norm() > 1e-13; ++it) v -= eta * (A * v - b);
      lo = std::min(lo, value(v));
      hi = std::max(hi, value(v));
      quad_vs_solve = std::max(quad_vs_solve, (v - solution).norm() / solution.norm());
    }
    quad_spread = std::max(quad_spread, (hi - lo) / std::abs(lo));
    for (int sample = 0; sample < 1000; ++sample) {
      Eigen::VectorXd v(n);
      rng.fill_normal(v, 0.0, 3.0);
      v += solution;
      quad_lower = std::max(quad_lower, value(solution) - value(v));
    }
  }
  claims.check("H3-quadratic-GD-runs-reach-one-value", 0, quad_spread, tol::abs, 1e-12);
  claims.check("H3-quadratic-GD-limit-equals-solve", 0, quad_vs_solve, tol::abs, 1e-10);
  claims.check("H3-quadratic-no-lower-point", 0, quad_lower, tol::abs, 0);

  // LSE(Ax − b): rows aᵢ in R³ with 0 inside their convex hull (the 8 rows include ±eₖ and random
  // points), so LSE is bounded below and strictly convex; GD with η = 1/‖A‖² (L = ‖A‖₂²).
  const int m = 8, d = 3;
  Eigen::MatrixXd A(m, d);
  A.topRows(6) << 1, 0, 0, -1, 0, 0, 0, 1, 0, 0, -1, 0, 0, 0, 1, 0, 0, -1;
  Eigen::MatrixXd extra(2, d);
  rng.fill_normal(extra);
  A.bottomRows(2) = extra;
  Eigen::VectorXd b(m);
  rng.fill_normal(b);
  using sce = nnt::softmax_cross_entropy_loss;
  auto lse = [&](const Eigen::VectorXd& v) { return sce::logsumexp<double>(Eigen::VectorXd(A * v - b)); };
  auto lse_grad = [&](const Eigen::VectorXd& v) {
    return Eigen::VectorXd(A.transpose() * sce::softmax(Eigen::MatrixXd(A * v - b)).col(0));
  };
  const double L = Eigen::JacobiSVD<Eigen::MatrixXd>(A).singularValues()(0);
  double lo = 1e300, hi = -1e300, worst_grad = 0;
  std::vector<double> trace_it, trace_gap;
  for (int start = 0; start < 20; ++start) {
    Eigen::VectorXd v(d);
    rng.fill_normal(v, 0.0, 5.0);
    for (int it = 0; it < 200000; ++it) {
      const Eigen::VectorXd g = lse_grad(v);
      if (g.norm() < 1e-12) break;
      v -= g / (L * L);
    }
    lo = std::min(lo, lse(v));
    hi = std::max(hi, lse(v));
    worst_grad = std::max(worst_grad, lse_grad(v).norm());
  }
  claims.check("H3-LSE-GD-runs-reach-one-value", 0, (hi - lo) / std::max(1.0, std::abs(lo)), tol::abs, 1e-12);
  claims.check("H3-LSE-gradient-at-limit", 0, worst_grad, tol::abs, 1e-11);
  claims.report("LSE-minimum", lo, "min over 20 GD runs of log sum exp(Ax - b)");

  // Plot the level sets of x² − y² with the gradient field directions along them.
  std::vector<double> ts, c1x, c1y, c2x, c2y;
  for (int i = -40; i <= 40; ++i) {
    const double t = 0.05 * i;
    ts.push_back(std::cosh(t));
    c1y.push_back(std::sinh(t));
    c2x.push_back(std::sinh(t));
    c2y.push_back(std::cosh(t));
  }
  nnt_examples::write_plot(opt, "level_sets", {"x", "y"}, {ts, c1y},
                           {.title = "H3: level sets x^2 - y^2 = 1 and -1 (saddle at 0)", .xlabel = "x", .ylabel = "y",
                            .extra = "set size ratio -1\nplot 'level_sets.csv' using 1:2 with lines title 'x^2-y^2=1', "
                                     "'' using (-$1):2 with lines title '', 'level_sets.csv' using 2:1 with lines title 'x^2-y^2=-1', "
                                     "'' using 2:(-$1) with lines title ''\n"});
  return claims.exit_code();
}
