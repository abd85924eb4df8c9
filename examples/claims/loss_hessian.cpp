// COURSE.md H1: the loss Hessian of ŷ = σ(w₂·ReLU(w₁x)) with binary cross-entropy.
// On the lines (v, ±v) with vx > 0: dJ/dv = ±2vx(ŷ−y), d²J/dv² = 4v²x²ŷ(1−ŷ) ± 2x(ŷ−y); for vx ≤ 0
// both vanish: checked against nnt's backprop/R-operator Hessian (1-1-1 MLP, no biases, BCE on the
// logit), AutoDiffScalar and finite differences; then critical points and an indefinite Hessian.
#include <nnt/mlp/derivatives.hpp>

#include <Eigen/Eigenvalues>
#include <array>

#include "common/reference_derivatives.hpp"
#include "common/reproduce.hpp"

using nnt_examples::format_number, nnt_examples::nan_max, nnt_examples::nan_min, nnt_examples::tol;

// J = −y log σ(z) − (1−y) log(1−σ(z)) = log(1 + e^z) − yz, z = w₂ReLU(w₁x), without nnt.
template <class S>
S loss(const S& w1, const S& w2, double x, double y) {
  using std::exp, std::log;
  const S z = w2 * (nnt::scalar_value(w1) * x > 0 ? S(w1 * x) : S(w1 * 0.0));
  return S(log(S(1.0 + S(exp(z)))) - y * z);
}

// {dJ/dv, d²J/dv²} in closed form on the line (v, v) (sign = +1) or (v, −v) (sign = −1).
std::array<double, 2> along(double v, double x, double y, int sign) {
  if (v * x <= 0) return {0, 0};
  const double yhat = 1 / (1 + std::exp(-sign * v * v * x)), r = yhat - y;
  return {sign * 2 * v * x * r, 4 * v * v * x * x * yhat * (1 - yhat) + sign * 2 * x * r};
}

int main(int argc, char** argv) {
  const auto opt = nnt_examples::parse_options(argc, argv, "loss Hessian of a two-weight net (H1)");
  nnt_examples::claims claims("loss_hessian");
  nnt::mlp<double> net({1, 1, 1}, nnt::activation::relu(),
                       {1.0, 0.0, nnt::parameterization::standard, false});
  const nnt::binary_cross_entropy_loss bce{nnt::reduction::sum};
  // nnt's gradient and Hessian in θ = (w₁, w₂) on the one example (x, y); AutoDiff's of loss().
  auto nnt_derivatives = [&](double w1, double w2, double x, double y) {
    net.parameters() << w1, w2;
    Eigen::VectorXd g;
    nnt::loss_and_gradient(net, bce, Eigen::MatrixXd{{x}}, Eigen::MatrixXd{{y}}, g);
    return std::pair{g, nnt::hessian(net, bce, Eigen::MatrixXd{{x}}, Eigen::MatrixXd{{y}})};
  };
  auto autodiff = [](double w1, double w2, double x, double y) {
    auto J = [&](const auto& u) { return loss(u(0), u(1), x, y); };
    return nnt_examples::autodiff_hessian(J, (Eigen::VectorXd(2) << w1, w2).finished());
  };

  // dJ/dv, d²J/dv² on the lines θ = (v, ±v), x ∈ {−1.5,−.5,.5,1,2}, y ∈ {0,.3,.5,1}, v ∈ [−2, 2],
  // by nnt (∇J·u, uᵀHu), nested AutoDiff and long-double central differences (h = 1e-5).
  // Tolerances: nnt and AutoDiff differ from the closed form by rounding of O(10) terms of size
  // ≤ 50 (≤ 1e-13 relative). Differences: first h²|J‴|/6 + ε_L|J|/h (1e-8 admits |J‴| ≤ 600),
  // second h²|J⁗|/12 + 4ε_L|J|/h² ≈ 4e-9·|J| ≤ 4e-8 for |J| ≤ 9, given ×25.
  auto rel = [](double a, double b) { return std::abs(a - b) / std::max(1.0, std::abs(b)); };
  double err[6] = {}, zero_side = 0;  // dJ/dv, d²J/dv² by nnt, by AutoDiff, by differences
  for (double x : {-1.5, -0.5, 0.5, 1.0, 2.0})
    for (double y : {0.0, 0.3, 0.5, 1.0})
      for (int sign : {1, -1})
        for (int i = 0; i <= 40; ++i) {
          const double v = -2.0 + 0.1 * i + 0.0123;  // never exactly on the kink vx = 0
          const std::array<double, 2> c = along(v, x, y, sign);
          const auto [g, H] = nnt_derivatives(v, sign * v, x, y);
          if (v * x <= 0) zero_side = nan_max({zero_side, g.norm(), H.norm()});
          const Eigen::Vector2d u(1.0, sign);  // the line's direction
          auto J = [&]<class S>(const S& t) { return loss<S>(t, S(t * double(sign)), x, y); };
          const auto ad = nnt_examples::autodiff_derivatives(J, v);
          const auto fd = nnt_examples::central_differences(J, v, 1e-5L);
          const double d[6] = {g.dot(u), u.dot(H * u), ad.first, ad.second, fd.first, fd.second};
          for (int k = 0; k < 6; ++k) err[k] = nan_max(err[k], rel(d[k], c[k % 2]));
        }
  const char* by[3] = {"nnt", "autodiff", "finite-differences"};
  const double t[6] = {1e-13, 1e-13, 1e-13, 1e-13, 1e-8, 1e-6};
  for (int k = 0; k < 6; ++k)
    claims.check(std::string(k % 2 ? "H1-d2Jdv2-" : "H1-dJdv-") + by[k / 2] + "-vs-closed-form", 0,
                 err[k], tol::abs, t[k]);
  claims.check("H1-vx<=0-gradient-and-Hessian-vanish", 0, zero_side, tol::abs, 0);

  // Critical points on (v, v), ŷ = y: v² = −ln(1/y − 1)/x (v of x's sign, so vx > 0). Where that
  // is ≥ 0, nnt's and AutoDiff's 2-D gradients (w₂x, w₁x)(ŷ−y) vanish at v (a formula 1% off leaves
  // |∇J| > 1e-3). Tolerance: ŷ − y carries σ's rounding (2ε) plus ŷ(1−ŷ)·δ(v²x) with
  // δ(v²x) ≈ 3εv²|x| from log/sqrt: |∇J| ≤ √2|vx|·ε(2 + v²|x|) ≤ 4 units of ε|vx|(1 + v²|x|).
  // Where it is < 0 (here at (1, .3), (−.5, .8)) there is no root: dJ/dv keeps the sign of ŷ − y
  // = sign(½ − y) on vx ∈ (0, 4].
  double unit = 0, min_slope = 1e300;
  for (auto [x, y] : {std::pair{1.0, 0.8}, {2.0, 0.9}, {-1.5, 0.3}, {1.0, 0.3}, {-0.5, 0.8}}) {
    const double v2 = -std::log(1 / y - 1) / x, v = std::copysign(std::sqrt(std::abs(v2)), x);
    auto grad = [&](double t) { return nnt_derivatives(t * v, t * v, x, y).first; };
    for (int i = 1; v2 < 0 && i <= 400; ++i)
      min_slope = nan_min(min_slope, (y < 0.5 ? 1 : -1) * grad(0.01 * i / std::abs(v)).sum());
    if (v2 < 0) continue;
    const double scale = 2.2e-16 * std::abs(v * x) * (1 + v2 * std::abs(x));
    unit = nan_max({unit, grad(1).norm() / scale, autodiff(v, v, x, y).gradient.norm() / scale});
  }
  claims.check_at_most("H1-critical-points-gradient-in-eps-units", 8, unit);
  claims.check_that("H1-no-critical-point-if-negative", "sign(½−y)·dJ/dv > 0",
                    format_number(min_slope), min_slope > 0);

  // The 2×2 Hessian in (w₁, w₂) is indefinite somewhere (J is convex in the logit only): nnt's on a
  // grid at x = y = 1 vs nested AutoDiff (rounding, ≤ 1e-13 relative); both find λ_min < 0 on it.
  double best = 1e300, ad_min = 1e300, matrix_error = 0;
  for (int i = 1; i <= 30; ++i)
    for (int j = -30; j <= 30; ++j) {
      const double w1 = 0.1 * i, w2 = 0.1 * j + 0.001;
      const Eigen::MatrixXd H = nnt_derivatives(w1, w2, 1, 1).second;
      const Eigen::MatrixXd ref = autodiff(w1, w2, 1, 1).hessian;
      matrix_error = nan_max(matrix_error, (H - ref).norm() / std::max(1.0, ref.norm()));
      best = nan_min(best, H.selfadjointView<Eigen::Lower>().eigenvalues()(0));
      ad_min = nan_min(ad_min, ref.selfadjointView<Eigen::Lower>().eigenvalues()(0));
    }
  claims.check("H1-2x2-Hessian-nnt-vs-autodiff", 0, matrix_error, tol::abs, 1e-13);
  claims.check_that("H1-indefinite-Hessian", "min eigenvalue < 0 (nnt, AutoDiff)",
                    format_number(best) + ", " + format_number(ad_min), best < 0 && ad_min < 0);
  std::vector<std::vector<double>> col(4);  // plot: d²J/dv² on (v, v), x = 1, y = 0, ½, 1
  for (int i = 0; i <= 600; ++i) {
    const double v = col[0].emplace_back(-3.0 + 0.01 * i + 1e-9);
    for (int k = 0; k < 3; ++k) col[k + 1].push_back(along(v, 1.0, 0.5 * k, 1)[1]);
  }
  nnt_examples::write_plot(opt, "d2J_dv2", {"v", "y=0", "y=0.5", "y=1"}, col,
                           {"H1: d^2J/dv^2 on (w_1,w_2) = (v,v), x = 1", "v", "d^2J/dv^2"});
  return claims.exit_code();
}
