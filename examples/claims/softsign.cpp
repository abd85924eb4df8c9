// COURSE.md H4: softsign g(x) = x/(1+|x|) has g′(x) = 1/(1+|x|)² and g″(x) = −2 sign(x)/(1+|x|)³.
// The closed forms are checked against long-double finite differences of g, against Eigen's
// AutoDiffScalar (forward mode, nested for g″) and against nnt's activation; g, g′, g″ are plotted.
#include <nnt/core/activation.hpp>

#include <unsupported/Eigen/AutoDiff>

#include "common/reproduce.hpp"

using AD = Eigen::AutoDiffScalar<Eigen::VectorXd>;
using AD2 = Eigen::AutoDiffScalar<Eigen::Matrix<AD, Eigen::Dynamic, 1>>;

template <class S>
S g(const S& x) {  // written out here, independently of nnt
  return S(x / S(1.0 + (nnt::scalar_value(x) < 0 ? S(-x) : x)));
}
long double g_prime(long double x) { return 1 / ((1 + std::abs(x)) * (1 + std::abs(x))); }
long double g_second(long double x) {
  const long double d = 1 + std::abs(x);
  return -2 * (x > 0 ? 1 : -1) / (d * d * d);
}

int main(int argc, char** argv) {
  const auto opt = nnt_examples::parse_options(argc, argv, "softsign derivatives (COURSE.md H4)");
  nnt_examples::claims claims("softsign");
  const nnt::activation softsign = nnt::activation::softsign();

  // Grid on [−5, 5] avoiding the kink at 0 by at least 0.01.
  std::vector<long double> xs;
  for (int i = 0; i <= 200; ++i) xs.push_back(-5.0L + 0.05L * i + 0.013L);

  using nnt_examples::nan_max, nnt_examples::tol;
  double fd1 = 0, fd2 = 0, ad1 = 0, ad2 = 0, lib = 0;
  for (long double x : xs) {
    // Central differences in long double: h = 1e-6 for g′ (error h²|g‴|/6 + ε_L|g|/h ≤ 1e-12 +
    // 1e-13, |g‴| ≤ 6), h = 1e-4 for g″ by the second difference (h²|g⁗|/12 + 4ε_L|g|/h² ≤ 2e-8,
    // |g⁗| ≤ 24; the grid stays ≥ 0.013 ≫ h from the kink). Tolerances: 10× those bounds.
    const long double h1 = 1e-6L, h2 = 1e-4L;
    fd1 = nan_max(fd1, double(std::abs((g(x + h1) - g(x - h1)) / (2 * h1) - g_prime(x))));
    fd2 = nan_max(fd2,
                  double(std::abs((g(x + h2) - 2 * g(x) + g(x - h2)) / (h2 * h2) - g_second(x))));
    const double xd = static_cast<double>(x);
    ad1 = nan_max(ad1, double(std::abs(g(AD(xd, 1, 0)).derivatives()(0) - g_prime(x))));
    AD2 x2(AD(xd, 1, 0), Eigen::Matrix<AD, Eigen::Dynamic, 1>(1));
    x2.derivatives()(0) = AD(1.0, Eigen::VectorXd::Zero(1));
    ad2 = nan_max(ad2, double(std::abs(g(x2).derivatives()(0).derivatives()(0) - g_second(x))));
    lib = nan_max({lib, double(std::abs(softsign.derivative(x) - g_prime(x))),
                   double(std::abs(softsign.second_derivative(x) - g_second(x)))});
  }
  // AutoDiff: a few roundings of terms ≤ 1 (g′) or ≤ 2 (g″); nnt in long double: ε_L-level.
  claims.check("H4-gprime-vs-finite-differences", 0.0, fd1, tol::abs, 1e-11);
  claims.check("H4-gsecond-vs-finite-differences", 0.0, fd2, tol::abs, 2e-7);
  claims.check("H4-gprime-vs-autodiff", 0.0, ad1, tol::abs, 1e-15);
  claims.check("H4-gsecond-vs-autodiff", 0.0, ad2, tol::abs, 1e-14);
  claims.check("H4-nnt-activation-vs-closed-forms", 0.0, lib, tol::abs, 1e-18);

  // g″ jumps from +2 to −2 at 0 (g′ has a corner there). One-sided second differences of g on each
  // side (x = ∓1e-12, steps h = 1e-5 away from 0): error h|g‴| + 4ε_L/h² ≤ 6e-5 + 5e-9, tol 1e-4;
  // nnt's g″ at ∓1e-12: 2(1 − 3e-12), rel 1e-11.
  for (int side : {-1, 1}) {
    const long double x0 = side * 1e-12L, hs = side * 1e-5L;
    const double one_sided = double((g(x0) - 2 * g(x0 + hs) + g(x0 + 2 * hs)) / (hs * hs));
    const std::string name = side < 0 ? "H4-gsecond-left-limit" : "H4-gsecond-right-limit";
    claims.check(name + "-finite-differences", -2.0 * side, one_sided, tol::abs, 1e-4);
    claims.check(name, -2.0 * side, softsign.second_derivative(double(x0)), tol::rel, 1e-11);
  }
  // Bounded by 1 with only polynomial saturation: 1 − g(x) = 1/(1+x), g′(x) ~ x⁻², unlike tanh.
  claims.check("H4-saturation-1-minus-g(99)", 0.01, 1.0 - softsign.value(99.0), tol::rel, 1e-12);
  claims.check("H4-gprime(9)", 0.01, softsign.derivative(9.0), tol::rel, 1e-15);
  claims.report("tanh-prime(9)", nnt::activation::tanh().derivative(9.0),
                "tanh′(9) = 6e-8 vs softsign′(9) = 1e-2: softsign saturates polynomially");

  std::vector<double> x, v, d1, d2;
  for (int i = 0; i <= 400; ++i) {
    const double t = -5.0 + 0.025 * i + 1e-9;  // never exactly at the kink
    x.push_back(t);
    v.push_back(softsign.value(t));
    d1.push_back(softsign.derivative(t));
    d2.push_back(softsign.second_derivative(t));
  }
  nnt_examples::write_plot(opt, "softsign", {"x", "g(x)", "g'(x)", "g''(x)"}, {x, v, d1, d2},
                           {.title = "softsign g(x) = x/(1+|x|) and its derivatives",
                            .xlabel = "x",
                            .ylabel = "value",
                            .extra = "set grid\n"});
  return claims.exit_code();
}
