// COURSE.md H5: f(w₁, w₂) = (cos w₁ cos w₂ + σ(w₂), ln(w₁ + w₂) + w₁²w₂) at (1, 2). Its Jacobian
// [[−sin1·cos2, −cos1·sin2 + σ(2)(1−σ(2))], [1/3 + 2·1·2, 1/3 + 1]] = [[0.350175, −0.386302],
// [4.333333, 1.333333]] by forward mode (AutoDiffScalar), reverse mode (an adjoint sweep written
// out below, the way one does it by hand), central differences and the closed form.
// Erratum: a hand-worked −0.34 for ∂f₁/∂w₂ appears in the course material.
#include <Eigen/Core>
#include <unsupported/Eigen/AutoDiff>

#include <cmath>

#include "common/reproduce.hpp"

using nnt_examples::tol;

template <class S>
Eigen::Matrix<S, 2, 1> f(const S& w1, const S& w2) {
  using std::cos;
  using std::exp;
  using std::log;
  return {S(cos(w1) * cos(w2) + 1.0 / S(1.0 + S(exp(-w2)))), S(log(S(w1 + w2)) + w1 * w1 * w2)};
}

// Reverse mode by hand: forward sweep stores the intermediates, the backward sweep accumulates
// adjoints w̄ = Σ (∂vₖ/∂w) v̄ₖ for one output at a time.
Eigen::Matrix2d reverse_mode(double w1, double w2) {
  // forward
  const double c1 = std::cos(w1), c2 = std::cos(w2), s = 1 / (1 + std::exp(-w2));
  const double prod = c1 * c2, sum = w1 + w2, sq = w1 * w1;
  (void)prod;
  Eigen::Matrix2d J;
  // output 1: y₁ = c1·c2 + s
  {
    const double ybar = 1, c1bar = ybar * c2, c2bar = ybar * c1, sbar = ybar;
    J(0, 0) = c1bar * -std::sin(w1);
    J(0, 1) = c2bar * -std::sin(w2) + sbar * s * (1 - s);
  }
  // output 2: y₂ = log(sum) + sq·w2
  {
    const double ybar = 1, sumbar = ybar / sum, sqbar = ybar * w2, w2bar_direct = ybar * sq;
    J(1, 0) = sumbar + sqbar * 2 * w1;
    J(1, 1) = sumbar + w2bar_direct;
  }
  return J;
}

int main(int argc, char** argv) {
  const auto opt = nnt_examples::parse_options(argc, argv, "autodiff by hand (H5)");
  (void)opt;
  nnt_examples::claims claims("autodiff_by_hand");
  const double w1 = 1, w2 = 2;
  const double sig = 1 / (1 + std::exp(-2.0));
  Eigen::Matrix2d closed;
  closed << -std::sin(1.0) * std::cos(2.0), -std::cos(1.0) * std::sin(2.0) + sig * (1 - sig),
      1.0 / 3 + 4, 1.0 / 3 + 1;

  // Forward mode: two seeds give the two columns at once.
  using AD = Eigen::AutoDiffScalar<Eigen::Vector2d>;
  const auto y = f(AD(w1, 2, 0), AD(w2, 2, 1));
  Eigen::Matrix2d forward;
  forward.row(0) = y(0).derivatives().transpose();
  forward.row(1) = y(1).derivatives().transpose();
  const Eigen::Matrix2d reverse = reverse_mode(w1, w2);
  // Central differences in long double, h = 1e-6: error ≈ h²|f‴|/6 + eps/h ≈ 1e-12.
  Eigen::Matrix2d fd;
  const long double h = 1e-6L;
  for (int j = 0; j < 2; ++j) {
    const long double a1 = w1 + (j == 0 ? h : 0), a2 = w2 + (j == 1 ? h : 0);
    const long double b1 = w1 - (j == 0 ? h : 0), b2 = w2 - (j == 1 ? h : 0);
    fd.col(j) = ((f<long double>(a1, a2) - f<long double>(b1, b2)) / (2 * h)).cast<double>();
  }
  claims.check("H5-forward-mode-vs-closed-form", 0, (forward - closed).cwiseAbs().maxCoeff(),
               tol::abs, 1e-15);
  claims.check("H5-reverse-mode-vs-closed-form", 0, (reverse - closed).cwiseAbs().maxCoeff(),
               tol::abs, 1e-15);
  claims.check("H5-finite-differences-vs-closed-form", 0, (fd - closed).cwiseAbs().maxCoeff(),
               tol::abs, 1e-10);
  // The printed six-digit values (rounding: ±5e-7).
  const double printed[2][2] = {{0.350175, -0.386302}, {4.333333, 1.333333}};
  const char* names[2][2] = {{"J11", "J12"}, {"J21", "J22"}};
  for (int i = 0; i < 2; ++i)
    for (int j = 0; j < 2; ++j)
      claims.check(std::string("H5-") + names[i][j] + "-six-digits", printed[i][j], forward(i, j),
                   tol::abs, 5e-7);
  claims.erratum(
      "H5-df1/dw2", "-0.34 (hand-worked value)", "-cos1*sin2 + s(2)(1-s(2)) = -0.386302",
      nnt_examples::format_number(forward(0, 1)) + " (forward, reverse, FD and closed form agree)");
  return claims.exit_code();
}
