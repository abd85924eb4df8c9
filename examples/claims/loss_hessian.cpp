// COURSE.md H1: the loss Hessian of ŷ = σ(w₂·ReLU(w₁x)) with binary cross-entropy.
// On the lines (v, ±v) with vx > 0: dJ/dv = ±2vx(ŷ−y), d²J/dv² = 4v²x²ŷ(1−ŷ) ± 2x(ŷ−y); for vx ≤ 0
// both vanish. The closed forms are checked against nnt's backprop/R-operator Hessian (a 1-1-1 MLP
// without biases, BCE on the logit), Eigen's AutoDiffScalar and long-double finite differences;
// then the critical points v² = −ln(1/y − 1)/x and a point where the 2×2 Hessian is indefinite.
#include <nnt/mlp/derivatives.hpp>

#include <Eigen/Eigenvalues>
#include <array>

#include "common/reference_derivatives.hpp"
#include "common/reproduce.hpp"

using nnt_examples::format_number;
using nnt_examples::tol;

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
  // nnt's gradient and Hessian in θ = (w₁, w₂) on the one example (x, y).
  auto nnt_derivatives = [&](double w1, double w2, double x, double y) {
    net.parameters() << w1, w2;
    Eigen::VectorXd g;
    nnt::loss_and_gradient(net, bce, Eigen::MatrixXd{{x}}, Eigen::MatrixXd{{y}}, g);
    return std::pair{g, nnt::hessian(net, bce, Eigen::MatrixXd{{x}}, Eigen::MatrixXd{{y}})};
  };

  // dJ/dv, d²J/dv² on the lines θ = (v, ±v) by nnt (∇J·u, uᵀHu), nested AutoDiff and long-double
  // central differences (h = 1e-5). Tolerances: nnt and AutoDiff are exact up to rounding of O(10)
  // terms (1e-13 relative); differences carry truncation + rounding ≈ 1e-9 (first), 1e-8 (second).
  auto rel = [](double a, double b) { return std::abs(a - b) / std::max(1.0, std::abs(b)); };
  double err[6] = {}, zero_side = 0;  // dJ/dv, d²J/dv² by nnt, by AutoDiff, by differences
  for (double x : {-1.5, -0.5, 0.5, 1.0, 2.0})
    for (double y : {0.0, 0.3, 0.5, 1.0})
      for (int sign : {1, -1})
        for (int i = 0; i <= 40; ++i) {
          const double v = -2.0 + 0.1 * i + 0.0123;  // never exactly on the kink vx = 0
          const std::array<double, 2> c = along(v, x, y, sign);
          const auto [g, H] = nnt_derivatives(v, sign * v, x, y);
          if (v * x <= 0) zero_side = std::max({zero_side, g.norm(), H.norm()});
          const Eigen::Vector2d u(1.0, sign);  // the line's direction
          auto J = [&]<class S>(const S& t) { return loss<S>(t, S(t * double(sign)), x, y); };
          const auto ad = nnt_examples::autodiff_derivatives(J, v);
          const auto fd = nnt_examples::central_differences(J, v, 1e-5L);
          const double d[6] = {g.dot(u), u.dot(H * u), ad.first, ad.second, fd.first, fd.second};
          for (int k = 0; k < 6; ++k) err[k] = std::max(err[k], rel(d[k], c[k % 2]));
        }
  claims.report("grid-points", 5 * 4 * 2 * 41,
                "x in {-1.5,-0.5,0.5,1,2}, y in {0,0.3,0.5,1}, v in [-2,2], both lines");
  claims.check("H1-dJdv-nnt-vs-closed-form", 0, err[0], tol::abs, 1e-13);
  claims.check("H1-d2Jdv2-nnt-vs-closed-form", 0, err[1], tol::abs, 1e-13);
  claims.check("H1-dJdv-autodiff-vs-closed-form", 0, err[2], tol::abs, 1e-13);
  claims.check("H1-d2Jdv2-autodiff-vs-closed-form", 0, err[3], tol::abs, 1e-13);
  claims.check("H1-dJdv-finite-differences-vs-closed-form", 0, err[4], tol::abs, 1e-8);
  claims.check("H1-d2Jdv2-finite-differences-vs-closed-form", 0, err[5], tol::abs, 1e-6);
  claims.check("H1-vx<=0-gradient-and-Hessian-vanish", 0, zero_side, tol::abs, 0);

  // Critical points on (v, v) with ŷ = y: v² = −ln(1/y − 1)/x, real iff ≥ 0.
  const double vc = std::sqrt(-std::log(1 / 0.8 - 1) / 1.0);  // at x = 1, y = 0.8
  claims.check("H1-critical-point-y=0.8-dJdv", 0, along(vc, 1.0, 0.8, 1)[0], tol::abs, 1e-15);
  claims.check("H1-critical-point-y=0.8-yhat", 0.8, 1 / (1 + std::exp(-vc * vc)), tol::rel, 1e-15);
  // y = 0.3 < ½: −ln(1/y − 1)/x < 0, no real critical point; dJ/dv > 0 for all v > 0.
  double min_slope = 1e300;
  for (int i = 1; i <= 400; ++i) min_slope = std::min(min_slope, along(0.01 * i, 1.0, 0.3, 1)[0]);
  claims.check_that("H1-no-critical-point-y=0.3", "dJ/dv > 0 on (0, 4]", format_number(min_slope),
                    min_slope > 0);

  // The full 2×2 Hessian in (w₁, w₂) is indefinite somewhere (J is convex in the logit only): a
  // grid at x = y = 1, against [[s(1−s)(w₂x)², s(1−s)w₁w₂x² + (s−y)x], [·, s(1−s)(w₁x)²]].
  double best = 1e300, best_w1 = 0, best_w2 = 0, matrix_error = 0;
  for (int i = 1; i <= 30; ++i)
    for (int j = -30; j <= 30; ++j) {
      const double w1 = 0.1 * i, w2 = 0.1 * j + 0.001;
      const Eigen::MatrixXd H = nnt_derivatives(w1, w2, 1.0, 1.0).second;
      const double s = 1 / (1 + std::exp(-w1 * w2)), c = s * (1 - s), off = c * w1 * w2 + (s - 1);
      const Eigen::Matrix2d ref{{c * w2 * w2, off}, {off, c * w1 * w1}};
      matrix_error = std::max(matrix_error, (H - ref).norm() / std::max(1.0, ref.norm()));
      const double lmin = Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd>(H).eigenvalues()(0);
      if (lmin < best) std::tie(best, best_w1, best_w2) = std::tuple{lmin, w1, w2};
    }
  claims.check("H1-2x2-Hessian-nnt-vs-closed-form", 0, matrix_error, tol::abs, 1e-13);
  claims.check_that("H1-indefinite-Hessian", "min eigenvalue < 0 somewhere",
                    format_number(best) + " at (w1,w2)=(" + format_number(best_w1) + "," +
                        format_number(best_w2) + "), x=1, y=1",
                    best < 0);

  // Plot d²J/dv² along (v, v) for x = 1.
  std::vector<std::vector<double>> columns(5);  // v, closed form at y = 0, ½, 1, nnt at y = 1
  for (int i = 0; i <= 600; ++i) {
    const double v = columns[0].emplace_back(-3.0 + 0.01 * i + 1e-9);
    for (int k = 0; k < 3; ++k) columns[k + 1].push_back(along(v, 1.0, 0.5 * k, 1)[1]);
    columns[4].push_back(nnt_derivatives(v, v, 1.0, 1.0).second.sum());  // (1, 1) H (1, 1)ᵀ
  }
  nnt_examples::write_plot(
      opt, "d2J_dv2",
      {"v", "closed form y=0", "closed form y=0.5", "closed form y=1", "nnt Hessian y=1"}, columns,
      {.title = "H1: d^2J/dv^2 on the line (w_1,w_2) = (v,v), x = 1",
       .xlabel = "v",
       .ylabel = "d^2J/dv^2",
       .extra = "set grid\nset style line 4 dashtype 2\n"});
  return claims.exit_code();
}
