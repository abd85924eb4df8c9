// COURSE.md N8: for a deep linear net with n × n layers W_l ~ N(0, 1/n) and a unit vector u,
// ‖W_L⋯W₁u‖² is exactly a product of L independent χ²_n/n factors, so
// log‖W_L⋯W₁u‖ ≈ N(−L/(2n), L/(2n)) for large n (exact mean (L/2)(ψ(n/2) + ln(2/n)), exact
// variance (L/4)ψ′(n/2)), and the norm → 0 as L/n → ∞ at fixed n. Monte Carlo over nnt MLPs with
// identity activations (standard parameterisation, C_w = 1, no biases), Kolmogorov–Smirnov tests.
// Erratum: the notes print N(−L/4n, L/4n), from Var(χ²_n/n) = 1/n; it is 2/n.
#include <nnt/mlp/mlp.hpp>

#include <algorithm>

#include "common/reproduce.hpp"

using nnt_examples::tol;

namespace {

double digamma(double x) {  // recurrence to x ≥ 6, then the asymptotic series (error < 1e-12)
  double r = 0;
  for (; x < 6; x += 1) r -= 1 / x;
  const double x2 = 1 / (x * x);
  return r + std::log(x) - 0.5 / x - x2 * (1.0 / 12 - x2 * (1.0 / 120 - x2 / 252));
}
double trigamma(double x) {
  double r = 0;
  for (; x < 6; x += 1) r += 1 / (x * x);
  const double x2 = 1 / (x * x);
  return r + 1 / x + x2 / 2 + x2 / x * (1.0 / 6 - x2 * (1.0 / 30 - x2 / 42));
}
double normal_cdf(double x, double mean, double var) { return 0.5 * std::erfc(-(x - mean) / std::sqrt(2 * var)); }

// One-sample Kolmogorov–Smirnov test against N(mean, var): statistic D and asymptotic p-value
// Q_KS((√M + 0.12 + 0.11/√M) D) (Stephens 1970).
std::pair<double, double> ks_test(std::vector<double> x, double mean, double var) {
  std::sort(x.begin(), x.end());
  const double M = double(x.size());
  double D = 0;
  for (std::size_t i = 0; i < x.size(); ++i) {
    const double F = normal_cdf(x[i], mean, var);
    D = std::max({D, F - double(i) / M, double(i + 1) / M - F});
  }
  const double lambda = (std::sqrt(M) + 0.12 + 0.11 / std::sqrt(M)) * D;
  double p = 0;
  for (int k = 1; k <= 100; ++k) p += 2 * ((k % 2) ? 1 : -1) * std::exp(-2.0 * k * k * lambda * lambda);
  return {D, std::clamp(p, 0.0, 1.0)};
}

std::vector<double> log_norms(nnt::Index n, nnt::Index L, int samples, std::uint64_t seed) {
  std::vector<nnt::Index> widths(L + 1, n);
  nnt::mlp<double> net(widths, std::vector<nnt::activation>(L, nnt::activation::identity()),
                       {nnt::parameterization::standard, 1.0, 0.0, false});
  Eigen::MatrixXd u = Eigen::MatrixXd::Zero(n, 1);
  u(0, 0) = 1;
  std::vector<double> out;
  for (int s = 0; s < samples; ++s) {
    auto rng = nnt::random_generator::for_task(seed, s);
    net.initialize(rng);
    out.push_back(std::log(net.forward(u).norm()));
  }
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  const auto opt = nnt_examples::parse_options(argc, argv, "norm of a deep linear product (N8)");
  nnt_examples::claims claims("deep_linear_norm");
  const int samples = opt.full ? 20000 : 3000;
  const nnt::Index n = 64;
  for (nnt::Index L : {8, 32}) {
    const auto x = log_norms(n, L, samples, 100 + L);
    double mean = 0, var = 0;
    for (double v : x) mean += v / samples;
    for (double v : x) var += (v - mean) * (v - mean) / (samples - 1);
    const double exact_mean = 0.5 * L * (digamma(n / 2.0) + std::log(2.0 / n));
    const double exact_var = 0.25 * L * trigamma(n / 2.0);
    const std::string tag = "L=" + std::to_string(L) + ",n=" + std::to_string(n);
    // Sample mean within 4 standard errors of the exact mean; sample variance within 4 of its
    // standard errors (≈ var·√(2/M) for near-normal data).
    claims.check("N8-exact-mean-" + tag, exact_mean, mean, tol::abs, 4 * std::sqrt(exact_var / samples));
    claims.check("N8-exact-variance-" + tag, exact_var, var, tol::abs, 4 * exact_var * std::sqrt(2.0 / samples));
    const double m2 = -double(L) / (2.0 * n), v2 = double(L) / (2.0 * n);
    const auto [D, p] = ks_test(x, m2, v2);
    claims.check_that("N8-KS-vs-N(-L/2n,L/2n)-" + tag, "p-value > 0.001",
                      "D = " + nnt_examples::format_number(D) + ", p = " + nnt_examples::format_number(p), p > 1e-3);
    const double m4 = -double(L) / (4.0 * n), v4 = double(L) / (4.0 * n);
    const auto [D4, p4] = ks_test(x, m4, v4);
    claims.check_that("N8-KS-rejects-printed-N(-L/4n,L/4n)-" + tag, "p-value < 1e-6",
                      "D = " + nnt_examples::format_number(D4) + ", p = " + nnt_examples::format_number(p4), p4 < 1e-6);
    claims.erratum("N8-law-" + tag, "log||W_L...W_1 u|| ~ N(-L/4n, L/4n) (from Var(chi2_n/n) = 1/n)",
                   "N(-L/2n, L/2n) (Var(chi2_n/n) = 2/n)",
                   "sample variance " + nnt_examples::format_number(var) + " vs L/2n = " + nnt_examples::format_number(v2) +
                       " and L/4n = " + nnt_examples::format_number(v4) + "; KS p = " + nnt_examples::format_number(p) + " vs " +
                       nnt_examples::format_number(p4));
    if (L == 32) {
      // Histogram against both densities.
      const int bins = 40;
      const double lo = m2 - 4 * std::sqrt(v2), hi = m2 + 4 * std::sqrt(v2), w = (hi - lo) / bins;
      std::vector<double> centre(bins), hist(bins, 0), correct(bins), printed(bins);
      for (double v : x) {
        const int b = int((v - lo) / w);
        if (b >= 0 && b < bins) hist[b] += 1.0 / (samples * w);
      }
      for (int b = 0; b < bins; ++b) {
        centre[b] = lo + (b + 0.5) * w;
        correct[b] = std::exp(-(centre[b] - m2) * (centre[b] - m2) / (2 * v2)) / std::sqrt(2 * M_PI * v2);
        printed[b] = std::exp(-(centre[b] - m4) * (centre[b] - m4) / (2 * v4)) / std::sqrt(2 * M_PI * v4);
      }
      nnt_examples::write_plot(opt, "log_norm_histogram", {"log norm", "Monte Carlo", "N(-L/2n, L/2n)", "printed N(-L/4n, L/4n)"},
                               {centre, hist, correct, printed},
                               {.title = "N8: log||W_L...W_1 u||, n = 64, L = 32", .xlabel = "log norm", .ylabel = "density",
                                .extra = "set style data linespoints\n"});
    }
  }
  // Fixed n = 4, growing depth: E log‖·‖ = (L/2)(ψ(2) + ln ½) = −0.1352 L → −∞, so the norm → 0.
  const nnt::Index n_small = 4;
  std::vector<double> depths, means, exact;
  double worst_z = 0;
  for (nnt::Index L : {10, 50, 100, 200, 400}) {
    const auto x = log_norms(n_small, L, 1000, 7 + L);
    double mean = 0, var = 0;
    for (double v : x) mean += v / x.size();
    for (double v : x) var += (v - mean) * (v - mean) / (x.size() - 1);
    const double e = 0.5 * L * (digamma(2.0) + std::log(0.5));
    worst_z = std::max(worst_z, std::abs(mean - e) / std::sqrt(var / x.size()));
    depths.push_back(L);
    means.push_back(mean);
    exact.push_back(e);
    if (L == 400) {
      const double below = double(std::count_if(x.begin(), x.end(), [](double v) { return v < std::log(1e-6); })) / x.size();
      claims.check_that("N8-norm-vanishes-L=400,n=4", "P(norm < 1e-6) > 0.99", nnt_examples::format_number(below), below > 0.99);
    }
  }
  claims.check_at_most("N8-mean-log-norm-vs-exact-n=4-max-z-score", 4.0, worst_z);
  nnt_examples::write_plot(opt, "vanishing_norm", {"depth L", "mean log norm (Monte Carlo)", "(L/2)(psi(2) + ln 1/2)"},
                           {depths, means, exact},
                           {.title = "N8: n = 4, the norm vanishes as L/n grows", .xlabel = "L", .ylabel = "E log norm",
                            .extra = "set style data linespoints\n"});
  return claims.exit_code();
}
