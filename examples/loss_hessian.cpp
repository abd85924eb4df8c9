// COURSE.md H1: the loss Hessian of ŷ = σ(w₂·ReLU(w₁x)) with binary cross-entropy.
// On the lines (v, ±v) with vx > 0: dJ/dv = ±2vx(ŷ−y), d²J/dv² = 4v²x²ŷ(1−ŷ) ± 2x(ŷ−y); for vx ≤ 0
// both vanish. The closed forms are checked against nnt's backprop/R-operator Hessian (a 1-1-1 MLP
// without biases, BCE on the logit), Eigen's AutoDiffScalar and long-double finite differences;
// then the critical points v² = −ln(1/y − 1)/x and a point where the 2×2 Hessian is indefinite.
#include <nnt/mlp/derivatives.hpp>

#include <Eigen/Eigenvalues>
#include <unsupported/Eigen/AutoDiff>

#include "common/reproduce.hpp"

using nnt_examples::tol;
using AD = Eigen::AutoDiffScalar<Eigen::Vector2d>;
using AD2 = Eigen::AutoDiffScalar<Eigen::Matrix<AD, 2, 1>>;

// J(w₁, w₂) written out independently of nnt (for AutoDiff and finite differences).
template <class S>
S loss(const S& w1, const S& w2, double x, double y) {
  using std::exp;
  using std::log;
  const S h = nnt::scalar_value(w1) * x > 0 ? S(w1 * x) : S(w1 * 0.0);
  const S z = w2 * h;
  // −y log σ(z) − (1−y) log(1−σ(z)) = log(1 + e^z) − y z
  return S(log(S(1.0 + S(exp(z)))) - y * z);
}

struct closed_form {
  double dJ, d2J;
};
closed_form along(double v, double x, double y, int sign) {  // sign +1: (v, v), −1: (v, −v)
  if (v * x <= 0) return {0, 0};
  const double yhat = 1 / (1 + std::exp(-sign * v * v * x));
  return {sign * 2 * v * x * (yhat - y), 4 * v * v * x * x * yhat * (1 - yhat) + sign * 2 * x * (yhat - y)};
}

int main(int argc, char** argv) {
  const auto opt = nnt_examples::parse_options(argc, argv, "loss Hessian of a two-weight net (H1)");
  nnt_examples::claims claims("loss_hessian");
  nnt::mlp<double> net({1, 1, 1}, nnt::activation::relu(), {nnt::parameterization::standard, 1.0, 0.0, false});
  const nnt::binary_cross_entropy_loss bce{nnt::reduction::sum};

  double err_lib[2] = {0, 0}, err_ad[2] = {0, 0}, err_fd[2] = {0, 0}, zero_side = 0;
  int points = 0;
  for (double x : {-1.5, -0.5, 0.5, 1.0, 2.0})
    for (double y : {0.0, 0.3, 0.5, 1.0})
      for (int sign : {1, -1})
        for (int i = 0; i <= 40; ++i) {
          const double v = -2.0 + 0.1 * i + 0.0123;  // never exactly on the kink vx = 0
          const closed_form c = along(v, x, y, sign);
          const Eigen::Vector2d dir(1.0, sign);
          // nnt: θ = (w₁, w₂) = (v, ±v); dJ/dv = ∇J·dir, d²J/dv² = dirᵀ H dir.
          net.parameters() << v, sign * v;
          Eigen::MatrixXd X(1, 1), Y(1, 1);
          X << x;
          Y << y;
          Eigen::VectorXd g;
          nnt::loss_and_gradient(net, bce, X, Y, g);
          const Eigen::MatrixXd H = nnt::hessian(net, bce, X, Y);
          const double scale1 = std::max(1.0, std::abs(c.dJ)), scale2 = std::max(1.0, std::abs(c.d2J));
          err_lib[0] = std::max(err_lib[0], std::abs(g.dot(dir) - c.dJ) / scale1);
          err_lib[1] = std::max(err_lib[1], std::abs(dir.dot(H * dir) - c.d2J) / scale2);
          // Nested AutoDiff along the line: one variable v.
          Eigen::AutoDiffScalar<Eigen::VectorXd> vi(v, 1, 0);
          using ADv = Eigen::AutoDiffScalar<Eigen::Matrix<Eigen::AutoDiffScalar<Eigen::VectorXd>, Eigen::Dynamic, 1>>;
          ADv vv(vi, Eigen::Matrix<Eigen::AutoDiffScalar<Eigen::VectorXd>, Eigen::Dynamic, 1>(1));
          vv.derivatives()(0) = Eigen::AutoDiffScalar<Eigen::VectorXd>(1.0, Eigen::VectorXd::Zero(1));
          const ADv J = loss(vv, ADv(vv * double(sign)), x, y);
          const double ad2 = J.derivatives()(0).derivatives().size() ? J.derivatives()(0).derivatives()(0) : 0.0;
          err_ad[0] = std::max(err_ad[0], std::abs(J.derivatives()(0).value() - c.dJ) / scale1);
          err_ad[1] = std::max(err_ad[1], std::abs(ad2 - c.d2J) / scale2);
          // Long-double central differences, h = 1e-5 (error h²|J⁽⁴⁾|/12 + 4eps/h² ≈ 1e-9).
          const long double h = 1e-5L, vl = v;
          auto Jl = [&](long double t) { return loss<long double>(t, sign * t, x, y); };
          const long double fd1 = (Jl(vl + h) - Jl(vl - h)) / (2 * h);
          const long double fd2 = (Jl(vl + h) - 2 * Jl(vl) + Jl(vl - h)) / (h * h);
          err_fd[0] = std::max(err_fd[0], double(std::abs(fd1 - c.dJ)) / scale1);
          err_fd[1] = std::max(err_fd[1], double(std::abs(fd2 - c.d2J)) / scale2);
          if (v * x <= 0) zero_side = std::max({zero_side, g.norm(), H.norm()});
          ++points;
        }
  claims.report("grid-points", points, "x in {-1.5,-0.5,0.5,1,2}, y in {0,0.3,0.5,1}, v in [-2,2], both lines");
  // Tolerances: nnt and AutoDiff are exact up to rounding of O(10) terms (1e-13 relative);
  // finite differences carry truncation + rounding ≈ 1e-9 (first) and 1e-8 (second).
  claims.check("H1-dJdv-nnt-vs-closed-form", 0, err_lib[0], tol::abs, 1e-13);
  claims.check("H1-d2Jdv2-nnt-vs-closed-form", 0, err_lib[1], tol::abs, 1e-13);
  claims.check("H1-dJdv-autodiff-vs-closed-form", 0, err_ad[0], tol::abs, 1e-13);
  claims.check("H1-d2Jdv2-autodiff-vs-closed-form", 0, err_ad[1], tol::abs, 1e-13);
  claims.check("H1-dJdv-finite-differences-vs-closed-form", 0, err_fd[0], tol::abs, 1e-8);
  claims.check("H1-d2Jdv2-finite-differences-vs-closed-form", 0, err_fd[1], tol::abs, 1e-6);
  claims.check("H1-vx<=0-gradient-and-Hessian-vanish", 0, zero_side, tol::abs, 0);

  // Critical points on (v, v) with ŷ = y: v² = −ln(1/y − 1)/x, real iff ≥ 0.
  {
    const double x = 1.0, y = 0.8;
    const double v = std::sqrt(-std::log(1 / y - 1) / x);
    claims.check("H1-critical-point-y=0.8-dJdv", 0, along(v, x, y, 1).dJ, tol::abs, 1e-15);
    claims.check("H1-critical-point-y=0.8-yhat", y, 1 / (1 + std::exp(-v * v * x)), tol::rel, 1e-15);
    // y = 0.3 < ½: −ln(1/y − 1)/x < 0, no real critical point; dJ/dv > 0 for all v > 0.
    double min_slope = 1e300;
    for (int i = 1; i <= 400; ++i) min_slope = std::min(min_slope, along(0.01 * i, 1.0, 0.3, 1).dJ);
    claims.check_that("H1-no-critical-point-y=0.3", "dJ/dv > 0 on (0, 4]", nnt_examples::format_number(min_slope), min_slope > 0);
  }

  // The full 2×2 Hessian in (w₁, w₂) is indefinite somewhere (J is convex in the logit only):
  // search a grid, compare the found matrix with its closed form
  // [[s(1−s)(w₂x)², s(1−s)w₁w₂x² + (s−y)x], [·, s(1−s)(w₁x)²]].
  double best = 1e300, best_w1 = 0, best_w2 = 0, matrix_error = 0;
  const double x = 1.0, y = 1.0;
  for (int i = 1; i <= 30; ++i)
    for (int j = -30; j <= 30; ++j) {
      const double w1 = 0.1 * i, w2 = 0.1 * j + 0.001;
      net.parameters() << w1, w2;
      Eigen::MatrixXd X(1, 1), Y(1, 1);
      X << x;
      Y << y;
      const Eigen::Matrix2d H = nnt::hessian(net, bce, X, Y);
      const double s = 1 / (1 + std::exp(-w1 * w2 * x)), c = s * (1 - s);
      Eigen::Matrix2d ref;
      ref << c * w2 * w2 * x * x, c * w1 * w2 * x * x + (s - y) * x, c * w1 * w2 * x * x + (s - y) * x, c * w1 * w1 * x * x;
      matrix_error = std::max(matrix_error, (H - ref).norm() / std::max(1.0, ref.norm()));
      const double lmin = Eigen::SelfAdjointEigenSolver<Eigen::Matrix2d>(H).eigenvalues()(0);
      if (lmin < best) { best = lmin; best_w1 = w1; best_w2 = w2; }
    }
  claims.check("H1-2x2-Hessian-nnt-vs-closed-form", 0, matrix_error, tol::abs, 1e-13);
  claims.check_that("H1-indefinite-Hessian", "min eigenvalue < 0 somewhere",
                    nnt_examples::format_number(best) + " at (w1,w2)=(" + nnt_examples::format_number(best_w1) + "," +
                        nnt_examples::format_number(best_w2) + "), x=1, y=1",
                    best < 0);

  // Plot d²J/dv² along (v, v) for x = 1.
  std::vector<double> vs, y0, yh, y1, lib;
  for (int i = 0; i <= 600; ++i) {
    const double v = -3.0 + 0.01 * i + 1e-9;
    vs.push_back(v);
    y0.push_back(along(v, 1.0, 0.0, 1).d2J);
    yh.push_back(along(v, 1.0, 0.5, 1).d2J);
    y1.push_back(along(v, 1.0, 1.0, 1).d2J);
    net.parameters() << v, v;
    Eigen::MatrixXd X(1, 1), Y(1, 1);
    X << 1.0;
    Y << 1.0;
    const Eigen::Vector2d dir(1, 1);
    lib.push_back(dir.dot(nnt::hessian(net, bce, X, Y) * dir));
  }
  nnt_examples::write_plot(opt, "d2J_dv2", {"v", "closed form y=0", "closed form y=0.5", "closed form y=1", "nnt Hessian y=1"},
                           {vs, y0, yh, y1, lib},
                           {.title = "H1: d^2J/dv^2 on the line (w_1,w_2) = (v,v), x = 1", .xlabel = "v", .ylabel = "d^2J/dv^2",
                            .extra = "set grid\nset style line 4 dashtype 2\n"});
  return claims.exit_code();
}
