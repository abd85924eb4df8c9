// COURSE.md H5: f(w₁, w₂) = (cos w₁ cos w₂ + σ(w₂), ln(w₁ + w₂) + w₁²w₂) at (1, 2). Its Jacobian
// [[−sin1·cos2, −cos1·sin2 + σ(2)(1−σ(2))], [1/3 + 2·1·2, 1/3 + 1]] = [[0.350175, −0.386302],
// [4.333333, 1.333333]] by forward mode (AutoDiffScalar), reverse mode (a tape of elementary
// operations swept backwards, the way one does it by hand), central differences and closed form.
// Erratum: a hand-worked −0.34 for ∂f₁/∂w₂ appears in the course material.
#include <Eigen/Core>
#include <unsupported/Eigen/AutoDiff>

#include <cmath>
#include <vector>

#include "common/reproduce.hpp"

using nnt_examples::tol;

template <class S>
Eigen::Matrix<S, 2, 1> f(const S& w1, const S& w2) {
  using std::cos, std::exp, std::log;
  return {S(cos(w1) * cos(w2) + 1.0 / S(1.0 + S(exp(-w2)))), S(log(S(w1 + w2)) + w1 * w1 * w2)};
}

// Reverse mode: a Wengert list. Each elementary operation appends a node with its value and the
// local partials ∂node/∂input (computed from that operation alone); the backward sweep walks the
// list from an output to the inputs, v̄_in += v̄_node·∂node/∂in. σ is not a primitive: it is
// recorded as 1/(1 + exp(−w)), so its derivative comes out of the sweep, not from σ(1−σ).
struct tape {
  struct node {
    int a, b;       // inputs (−1: none)
    double da, db;  // ∂node/∂a, ∂node/∂b
  };
  std::vector<double> value;
  std::vector<node> nodes;
  int push(double v, int a = -1, double da = 0, int b = -1, double db = 0) {
    value.push_back(v);
    nodes.push_back({a, b, da, db});
    return int(nodes.size()) - 1;
  }
  int add(int x, int y) { return push(value[x] + value[y], x, 1, y, 1); }
  int mul(int x, int y) { return push(value[x] * value[y], x, value[y], y, value[x]); }
  int add_constant(int x, double c) { return push(value[x] + c, x, 1); }
  int negate(int x) { return push(-value[x], x, -1); }
  int reciprocal(int x) { return push(1 / value[x], x, -1 / (value[x] * value[x])); }
  int cos(int x) { return push(std::cos(value[x]), x, -std::sin(value[x])); }
  int exp(int x) { return push(std::exp(value[x]), x, std::exp(value[x])); }
  int log(int x) { return push(std::log(value[x]), x, 1 / value[x]); }
  std::vector<double> adjoints(int output) const {
    std::vector<double> bar(nodes.size(), 0.0);
    bar[output] = 1;
    for (int k = output; k >= 0; --k) {
      if (nodes[k].a >= 0) bar[nodes[k].a] += bar[k] * nodes[k].da;
      if (nodes[k].b >= 0) bar[nodes[k].b] += bar[k] * nodes[k].db;
    }
    return bar;
  }
};

Eigen::Matrix2d reverse_mode(double w1, double w2) {
  tape t;
  const int x1 = t.push(w1), x2 = t.push(w2);
  const int sigma = t.reciprocal(t.add_constant(t.exp(t.negate(x2)), 1.0));
  const int y1 = t.add(t.mul(t.cos(x1), t.cos(x2)), sigma);
  const int y2 = t.add(t.log(t.add(x1, x2)), t.mul(t.mul(x1, x1), x2));
  Eigen::Matrix2d J;
  for (int i = 0; i < 2; ++i) {  // one backward sweep per output gives a row
    const std::vector<double> bar = t.adjoints(i == 0 ? y1 : y2);
    J.row(i) << bar[x1], bar[x2];
  }
  return J;
}

int main(int argc, char** argv) {
  nnt_examples::parse_options(argc, argv, "autodiff by hand (H5)");
  nnt_examples::claims claims("autodiff_by_hand");
  const double w1 = 1, w2 = 2, sig = 1 / (1 + std::exp(-2.0));
  Eigen::Matrix2d closed;
  closed << -std::sin(1.0) * std::cos(2.0), -std::cos(1.0) * std::sin(2.0) + sig * (1 - sig),
      1.0 / 3 + 4, 1.0 / 3 + 1;

  // Forward mode: two seeds give the two columns at once.
  using AD = Eigen::AutoDiffScalar<Eigen::Vector2d>;
  const auto y = f(AD(w1, 2, 0), AD(w2, 2, 1));
  Eigen::Matrix2d forward;
  forward << y(0).derivatives().transpose(), y(1).derivatives().transpose();
  const Eigen::Matrix2d reverse = reverse_mode(w1, w2);
  // Central differences in long double, h = 1e-6: truncation h²|f‴|/6 ≤ 2e-13 (|f‴| ≤ 1), rounding
  // ε_L|f|/h ≈ 5e-13 (|f| ≤ 5): ≈ 1e-12, tolerance ×10.
  Eigen::Matrix2d fd;
  const long double h = 1e-6L;
  for (int j = 0; j < 2; ++j) {
    const long double a1 = w1 + (j == 0 ? h : 0), a2 = w2 + (j == 1 ? h : 0);
    const long double b1 = w1 - (j == 0 ? h : 0), b2 = w2 - (j == 1 ? h : 0);
    fd.col(j) = ((f<long double>(a1, a2) - f<long double>(b1, b2)) / (2 * h)).cast<double>();
  }
  // Exact modes: each entry is ≤ 6 rounded operations on terms ≤ 4.34 (ulp 8.9e-16): ≤ 4e-15 apart.
  auto gap = [](const Eigen::Matrix2d& a, const Eigen::Matrix2d& b) {
    return (a - b).cwiseAbs().maxCoeff<Eigen::PropagateNaN>();
  };
  claims.check("H5-forward-mode-vs-closed-form", 0, gap(forward, closed), tol::abs, 4e-15);
  claims.check("H5-reverse-mode-vs-closed-form", 0, gap(reverse, closed), tol::abs, 4e-15);
  claims.check("H5-reverse-mode-vs-forward-mode", 0, gap(reverse, forward), tol::abs, 4e-15);
  claims.check("H5-reverse-mode-vs-finite-differences", 0, gap(reverse, fd), tol::abs, 1e-11);
  claims.check("H5-finite-differences-vs-closed-form", 0, gap(fd, closed), tol::abs, 1e-11);
  // The printed six-digit values (rounding: ±5e-7).
  const double printed[2][2] = {{0.350175, -0.386302}, {4.333333, 1.333333}};
  const char* names[2][2] = {{"J11", "J12"}, {"J21", "J22"}};
  for (int i = 0; i < 2; ++i)
    for (int j = 0; j < 2; ++j)
      claims.check(std::string("H5-") + names[i][j] + "-six-digits", printed[i][j], reverse(i, j),
                   tol::abs, 5e-7);
  claims.erratum(
      "H5-df1/dw2", "-0.34 (hand-worked value)", "-cos1*sin2 + s(2)(1-s(2)) = -0.386302",
      nnt_examples::format_number(reverse(0, 1)) + " (forward, reverse, FD and closed form agree)");
  return claims.exit_code();
}
