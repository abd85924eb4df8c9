// COURSE.md H3: f(x, y) = x² − y² has ∇f(0) = 0, Hessian diag(2, −2) (a saddle), and a gradient
// orthogonal to level sets. A convex function's stationary point is its global minimum: on random
// convex quadratics and LSE(Ax − b), 0 inside the hull of the aᵢ, GD always reaches one value.
#include <nnt/core/dense_operator.hpp>
#include <nnt/curvature/eigenpairs.hpp>
#include <nnt/mlp/loss.hpp>

#include <Eigen/Eigenvalues>
#include <algorithm>
#include "common/random_draws.hpp"
#include "common/reference_derivatives.hpp"
#include "common/reproduce.hpp"

using nnt_examples::format_number, nnt_examples::gaussian_matrix, nnt_examples::gaussian_vector;
using nnt_examples::nan_max, nnt_examples::nan_min, nnt_examples::tol;
using LV = nnt::Vector<long double>;
using std::log;  // long double overload for LSE in long double (AutoDiff finds its own)
template <class V>
using scalar_of = typename std::decay_t<V>::Scalar;

int main(int argc, char** argv) {
  const auto opt = nnt_examples::parse_options(argc, argv, "stationary points, convexity (H3)");
  nnt_examples::claims claims("stationary_points");
  auto saddle = [](const auto& v) { return scalar_of<decltype(v)>(v(0) * v(0) - v(1) * v(1)); };

  // Saddle: gradient and Hessian of x² − y² at 0 by nested AutoDiff (exact: no rounding occurs).
  const auto at0 = nnt_examples::autodiff_hessian(saddle, Eigen::VectorXd::Zero(2));
  const Eigen::VectorXd ev = at0.hessian.selfadjointView<Eigen::Lower>().eigenvalues();
  claims.check("H3-gradient-at-0", 0, at0.gradient.norm(), tol::abs, 0);
  claims.check_that("H3-Hessian-eigenvalues-(-2,2)-saddle", "-2, 2",
                    format_number(ev(0)) + ", " + format_number(ev(1)), ev(0) == -2 && ev(1) == 2);

  // Level sets x² − y² = c: p(t) = √|c|(cosh t, sinh t), c > 0, or √|c|(sinh t, cosh t), c < 0.
  // Tangent: long-double central difference of p (h = 1e-5; its truncation is parallel to p′, as
  // p‴ = p′, so rounding ε_L|p|/h ≈ 1e-13 remains); ∇f by AutoDiff: |∇f·t̂|/‖∇f‖ must vanish.
  double worst = 0, dist = 0;
  for (double c : {-2.0, -0.5, 0.5, 1.0, 3.0})
    for (int i = -20; i <= 20; ++i) {
      auto p = [&](long double t) {
        const long double r = std::sqrt(std::abs(c)), ch = r * std::cosh(t), sh = r * std::sinh(t);
        return c > 0 ? LV{{ch, sh}} : LV{{sh, ch}};
      };
      const Eigen::VectorXd t = (p(0.1L * i + 1e-5L) - p(0.1L * i - 1e-5L)).cast<double>();
      const Eigen::VectorXd at = p(0.1L * i).cast<double>();
      const Eigen::VectorXd g = nnt_examples::autodiff_hessian(saddle, at).gradient;
      worst = nan_max(worst, std::abs(g.dot(t.normalized())) / g.norm());
    }
  claims.check("H3-gradient-orthogonal-to-level-sets", 0, worst, tol::abs, 1e-13);

  // GD v ← v − η·grad(v) from 20 random starts to ‖grad‖ ≤ stop; each end point is checked without
  // grad: AutoDiff's ‖∇f‖, λ_min(∇²f), and the least rise (f(v + r·d) − f(v))/r², r = 1 … 1e-7,
  // along −∇f and 10 random unit d, f in long double (rounding ≤ 1e-19·|f|/r² ≤ 1e-4; a minimum:
  // ≈ ½dᵀ∇²f d > 0). out = {value spread/max(1, |f|), ‖∇f‖ in units of stop + 2·dim·ε‖v‖/η (GD's
  // test + rounding of two gradient evaluations: ≤ 1, claimed ≤ 1.5), min λ_min, min rise}.
  nnt::random_generator rng(opt.seed_for(3));
  std::vector<Eigen::VectorXd> ends;
  auto descend = [&](auto& out, const auto& f, const auto& grad, int dim, double eta, double stop) {
    double lo = 1e300, hi = -1e300;
    ends.clear();
    for (int start = 0; start < 20; ++start) {
      Eigen::VectorXd v = gaussian_vector(rng, dim, 5.0);
      for (int it = 0; it < 200000 && grad(v).norm() > stop; ++it) v -= eta * grad(v);
      const auto ad = nnt_examples::autodiff_hessian(f, ends.emplace_back(v));
      const Eigen::MatrixXd H = ad.hessian;
      std::tie(lo, hi) = std::pair{nan_min(lo, f(v)), nan_max(hi, f(v))};
      const double unit = stop + 2 * dim * 2.2e-16 * v.norm() / eta;
      out[1] = nan_max(out[1], ad.gradient.norm() / unit);
      out[2] = nan_min(out[2], H.selfadjointView<Eigen::Lower>().eigenvalues()(0));
      for (int k = 0; k <= 10; ++k) {
        const Eigen::VectorXd d = k ? gaussian_vector(rng, dim) : Eigen::VectorXd(-ad.gradient);
        const LV vl = v.cast<long double>(), dl = d.normalized().cast<long double>();
        for (long double r = 1; r > 1e-8L; r /= 10)
          out[3] = nan_min(out[3], double((f(LV(vl + r * dl)) - f(vl)) / (r * r)));
      }
    }
    out[0] = nan_max(out[0], (hi - lo) / std::max(1.0, std::abs(lo)));
  };

  // Convex quadratics ½xᵀAx − bᵀx, η = 1/λmax (nnt's Lanczos). Tolerances: the value spread is
  // rounding (nε·λmax‖v‖² ≪ 1e-12); ‖v − A⁻¹b‖ ≤ ‖Av − b‖/λmin ≤ 2e-13 plus LDLT's κε.
  std::array<double, 4> quad{0, 0, 1e300, 1e300}, e = quad;
  for (int problem = 0, n = 8; problem < 5; ++problem) {
    const Eigen::MatrixXd G = gaussian_matrix(rng, n, n);
    const Eigen::MatrixXd A = G * G.transpose() + 0.5 * Eigen::MatrixXd::Identity(n, n);
    const Eigen::VectorXd b = gaussian_vector(rng, n), solution = A.ldlt().solve(b);
    const double lmax = nnt::top_eigenpairs(nnt::dense_operator<double>(A), 1).values(0);
    auto f = [&](const auto& v) {
      using S = scalar_of<decltype(v)>;
      return S(0.5 * v.dot(A.cast<S>() * v) - b.cast<S>().dot(v));
    };
    auto residual = [&](const Eigen::VectorXd& v) { return Eigen::VectorXd(A * v - b); };
    descend(quad, f, residual, n, 1 / lmax, 1e-13);
    for (const auto& v : ends) dist = nan_max(dist, (v - solution).norm() / solution.norm());
  }
  claims.check("H3-quadratic-GD-limit-equals-solve", 0, dist, tol::abs, 1e-10);

  // LSE(Ax − b), rows ±eₖ and 2 random in R³ (0 inside their hull: bounded below, strictly convex).
  // GD with nnt's softmax gradient, η = 1/‖A‖₂², to ‖∇‖ ≤ 1e-12; f is LSE written out (value ≈ 2).
  Eigen::MatrixXd A(8, 3);
  A << 1, 0, 0, -1, 0, 0, 0, 1, 0, 0, -1, 0, 0, 0, 1, 0, 0, -1, gaussian_matrix(rng, 2, 3);
  const Eigen::VectorXd b = gaussian_vector(rng, 8);
  auto lse = [&](const auto& v) {
    using S = scalar_of<decltype(v)>;
    return S(log(nnt::Vector<S>(A.cast<S>() * v - b.cast<S>()).array().exp().sum()));
  };
  auto lse_grad = [&](const Eigen::VectorXd& v) {
    const Eigen::MatrixXd z = A * v - b;
    return Eigen::VectorXd(A.transpose() * nnt::softmax_cross_entropy_loss::softmax(z).col(0));
  };
  const double L = Eigen::JacobiSVD<Eigen::MatrixXd>(A).singularValues()(0);
  descend(e, lse, lse_grad, 3, 1 / (L * L), 1e-12);
  for (const auto& [name, r] : {std::pair{"quadratic", quad}, {"LSE", e}}) {
    const std::string id = std::string("H3-") + name;
    claims.check(id + "-GD-runs-reach-one-value", 0, r[0], tol::abs, 1e-12);
    claims.check_at_most(id + "-autodiff-gradient-at-GD-point-in-units", 1.5, r[1]);
    claims.check_that(id + "-no-lower-point-near-GD-point", "Hessian PD and every rise > 0",
                      format_number(r[2]) + ", " + format_number(r[3]), r[2] > 0 && r[3] > 0);
  }
  return claims.exit_code();
}
