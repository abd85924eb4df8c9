// COURSE.md H3: f(x, y) = x² − y² has ∇f(0) = 0 and Hessian diag(2, −2): a saddle. The gradient is
// orthogonal to level sets. A convex function's stationary point is its global minimum: checked on
// random convex quadratics and on LSE(Ax − b) = log Σᵢ exp(aᵢᵀx − bᵢ) with 0 inside the convex hull
// of the aᵢ (bounded below), where gradient descent from random starts always reaches one value.
#include <nnt/core/dense_operator.hpp>
#include <nnt/curvature/eigenpairs.hpp>
#include <nnt/mlp/loss.hpp>

#include <Eigen/Eigenvalues>

#include <algorithm>

#include "common/random_draws.hpp"
#include "common/reference_derivatives.hpp"
#include "common/reproduce.hpp"

using nnt_examples::format_number;
using nnt_examples::gaussian_matrix;
using nnt_examples::gaussian_vector;
using nnt_examples::tol;

int main(int argc, char** argv) {
  const auto opt =
      nnt_examples::parse_options(argc, argv, "stationary points, saddles and convexity (H3)");
  nnt_examples::claims claims("stationary_points");

  // Saddle: gradient and Hessian of x² − y² at 0 by nested AutoDiff.
  const auto saddle = nnt_examples::autodiff_hessian(
      [](const auto& v) { return v(0) * v(0) - v(1) * v(1); }, Eigen::Vector2d::Zero());
  const Eigen::VectorXd ev =
      Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd>(saddle.hessian).eigenvalues();
  claims.check("H3-gradient-at-0", 0, saddle.gradient.norm(), tol::abs, 0);
  claims.check("H3-Hessian-eigenvalue-min", -2, ev(0), tol::abs, 0);
  claims.check("H3-Hessian-eigenvalue-max", 2, ev(1), tol::abs, 0);
  claims.check_that("H3-saddle", "eigenvalues of both signs",
                    "(" + format_number(ev(0)) + ", " + format_number(ev(1)) + ")",
                    ev(0) < 0 && ev(1) > 0);

  // Level sets x² − y² = c: parametrised p(t) = (√c cosh t, √c sinh t) for c > 0 and
  // (√−c sinh t, √−c cosh t) for c < 0; the tangent p′(t) is p reversed. |∇f·t̂| must vanish.
  double worst = 0;
  for (double c : {-2.0, -0.5, 0.5, 1.0, 3.0})
    for (int i = -20; i <= 20; ++i) {
      const double t = 0.1 * i, ch = std::sqrt(std::abs(c)) * std::cosh(t),
                   sh = std::sqrt(std::abs(c)) * std::sinh(t);
      const Eigen::Vector2d p = c > 0 ? Eigen::Vector2d(ch, sh) : Eigen::Vector2d(sh, ch);
      const Eigen::Vector2d grad(2 * p(0), -2 * p(1)), tangent = p.reverse().normalized();
      worst = std::max(worst, std::abs(grad.dot(tangent)) / grad.norm());
    }
  claims.check("H3-gradient-orthogonal-to-level-sets", 0, worst, tol::abs, 1e-15);

  // Convex quadratics ½xᵀAx − bᵀx: GD with η = 1/λmax from 20 random starts reaches A⁻¹b, the
  // global minimum: no random point has a lower value.
  nnt::random_generator rng(3);
  double spread = 0, vs_solve = 0, lower = 0;
  for (int problem = 0; problem < 5; ++problem) {
    const int n = 8;
    const Eigen::MatrixXd G = gaussian_matrix(rng, n, n);
    const Eigen::MatrixXd A = G * G.transpose() + 0.5 * Eigen::MatrixXd::Identity(n, n);
    const Eigen::VectorXd b = gaussian_vector(rng, n), solution = A.ldlt().solve(b);
    const double eta = 1.0 / nnt::top_eigenpairs(nnt::dense_operator<double>(A), 1).values(0);
    auto f = [&](const Eigen::VectorXd& v) { return 0.5 * v.dot(A * v) - b.dot(v); };
    std::vector<double> values;
    for (int start = 0; start < 20; ++start) {
      Eigen::VectorXd v = gaussian_vector(rng, n, 10.0);
      for (int it = 0; it < 20000 && (A * v - b).norm() > 1e-13; ++it) v -= eta * (A * v - b);
      values.push_back(f(v));
      vs_solve = std::max(vs_solve, (v - solution).norm() / solution.norm());
    }
    const auto [lo, hi] = std::ranges::minmax(values);
    spread = std::max(spread, (hi - lo) / std::abs(lo));
    for (int sample = 0; sample < 1000; ++sample)
      lower = std::max(lower, f(solution) - f(gaussian_vector(rng, n, 3.0) + solution));
  }
  claims.check("H3-quadratic-GD-runs-reach-one-value", 0, spread, tol::abs, 1e-12);
  claims.check("H3-quadratic-GD-limit-equals-solve", 0, vs_solve, tol::abs, 1e-10);
  claims.check("H3-quadratic-no-lower-point", 0, lower, tol::abs, 0);

  // LSE(Ax − b): rows aᵢ in R³ with 0 inside their convex hull (the 8 rows include ±eₖ and random
  // points), so LSE is bounded below and strictly convex; GD with η = 1/‖A‖² (L = ‖A‖₂²).
  Eigen::MatrixXd A(8, 3);
  A << 1, 0, 0, -1, 0, 0, 0, 1, 0, 0, -1, 0, 0, 0, 1, 0, 0, -1, gaussian_matrix(rng, 2, 3);
  const Eigen::VectorXd b = gaussian_vector(rng, 8);
  using sce = nnt::softmax_cross_entropy_loss;
  auto lse = [&](const auto& v) { return sce::logsumexp<double>(Eigen::VectorXd(A * v - b)); };
  auto lse_grad = [&](const Eigen::VectorXd& v) {
    return Eigen::VectorXd(A.transpose() * sce::softmax(Eigen::MatrixXd(A * v - b)).col(0));
  };
  const double L = Eigen::JacobiSVD<Eigen::MatrixXd>(A).singularValues()(0);
  std::vector<double> minima;
  double worst_grad = 0;
  for (int start = 0; start < 20; ++start) {
    Eigen::VectorXd v = gaussian_vector(rng, 3, 5.0);
    for (int it = 0; it < 200000 && lse_grad(v).norm() >= 1e-12; ++it) v -= lse_grad(v) / (L * L);
    minima.push_back(lse(v));
    worst_grad = std::max(worst_grad, lse_grad(v).norm());
  }
  const auto [lo, hi] = std::ranges::minmax(minima);
  claims.check("H3-LSE-GD-runs-reach-one-value", 0, (hi - lo) / std::max(1.0, std::abs(lo)),
               tol::abs, 1e-12);
  claims.check("H3-LSE-gradient-at-limit", 0, worst_grad, tol::abs, 1e-11);
  claims.report("LSE-minimum", lo, "min over 20 GD runs of log sum exp(Ax - b)");

  // Plot the level sets x² − y² = ±1: (cosh t, sinh t), mirrored and transposed by gnuplot.
  std::vector<double> ch, sh;
  for (int i = -40; i <= 40; ++i) {
    ch.push_back(std::cosh(0.05 * i));
    sh.push_back(std::sinh(0.05 * i));
  }
  nnt_examples::write_plot(
      opt, "level_sets", {"x", "y"}, {ch, sh},
      {.title = "H3: level sets x^2 - y^2 = 1 and -1 (saddle at 0)",
       .xlabel = "x",
       .ylabel = "y",
       .extra = "set size ratio -1\nplot 'level_sets.csv' using 1:2 with lines title 'x^2-y^2=1', "
                "'' using (-$1):2 with lines title '', 'level_sets.csv' using 2:1 with lines title "
                "'x^2-y^2=-1', '' using 2:(-$1) with lines title ''\n"});
  return claims.exit_code();
}
