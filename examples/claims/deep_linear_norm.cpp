// COURSE.md N8: for a deep linear net with n × n layers W_l ~ N(0, 1/n) and a unit vector u,
// ‖W_L⋯W₁u‖² is exactly a product of L independent χ²_n/n factors, so
// log‖W_L⋯W₁u‖ ≈ N(−L/(2n), L/(2n)) for large n (exact mean (L/2)(ψ(n/2) + ln(2/n)), exact
// variance (L/4)ψ′(n/2)), and the norm → 0 as L/n → ∞ at fixed n. Monte Carlo over nnt MLPs with
// identity activations (standard parameterisation, C_w = 1, no biases), Kolmogorov–Smirnov tests.
// Erratum: the notes print N(−L/4n, L/4n), from Var(χ²_n/n) = 1/n; it is 2/n.
#include <nnt/mlp/mlp.hpp>

#include <algorithm>

#include "common/distribution_tests.hpp"
#include "common/reproduce.hpp"
#include "common/special_functions.hpp"
#include "common/stats.hpp"

namespace {

std::vector<double> log_norms(nnt::Index n, nnt::Index L, int samples, std::uint64_t seed) {
  std::vector<nnt::Index> widths(L + 1, n);
  nnt::mlp<double> net(widths, std::vector<nnt::activation>(L, nnt::activation::identity()),
                       {1.0, 0.0, nnt::parameterization::standard, false});
  const Eigen::MatrixXd u = Eigen::VectorXd::Unit(n, 0);
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
  using namespace nnt_examples;
  const auto opt = parse_options(argc, argv, "norm of a deep linear product (N8)");
  nnt_examples::claims claims("deep_linear_norm");
  const int samples = opt.full ? 20000 : 3000;
  const nnt::Index n = 64;
  for (nnt::Index L : {8, 32}) {
    const auto x = log_norms(n, L, samples, opt.seed_for(100 + std::uint64_t(L)));
    const double sample_mean = mean(x), var = sample_variance(x);
    const double exact_mean = 0.5 * L * (digamma(n / 2.0) + std::log(2.0 / n));
    const double exact_var = 0.25 * L * trigamma(n / 2.0);
    const std::string tag = "L=" + std::to_string(L) + ",n=" + std::to_string(n);
    // One network is one unit (independent draws). Mean: 4 SE, SE = √(exact variance/M). Variance:
    // 4 SE, SE of the sample variance from the units, sd((x − x̄)²)/√M (includes the kurtosis).
    std::vector<double> squared_deviation;
    for (double v : x) squared_deviation.push_back((v - sample_mean) * (v - sample_mean));
    claims.check("N8-exact-mean-" + tag, exact_mean, sample_mean, tol::abs,
                 4 * std::sqrt(exact_var / samples));
    claims.check("N8-exact-variance-" + tag, exact_var, var, tol::abs,
                 4 * standard_error(squared_deviation));
    // The law derived here, N(−L/2n, L/2n), and the printed one, N(−L/4n, L/4n).
    const double v2 = double(L) / (2.0 * n), v4 = double(L) / (4.0 * n);
    const auto correct = kolmogorov_smirnov_normal(x, -v2, v2);
    const auto printed = kolmogorov_smirnov_normal(x, -v4, v4);
    auto describe = [](const ks_result& r) {
      return "D = " + format_number(r.statistic) + ", p = " + format_number(r.p_value);
    };
    // KS at level 1e-3 (the law is normal to O(1/n): a KS distance ≈ 0.004 ≪ 1/√M); the printed
    // law's sd is 1/√2 of the true one, a distance ≈ 0.1 ≫ 1/√M
    claims.check_that("N8-KS-vs-N(-L/2n,L/2n)-" + tag, "p-value > 0.001", describe(correct),
                      correct.p_value > 1e-3);
    claims.check_that("N8-KS-rejects-printed-N(-L/4n,L/4n)-" + tag, "p-value < 1e-6",
                      describe(printed), printed.p_value < 1e-6);
    claims.erratum(
        "N8-law-" + tag, "log||W_L...W_1 u|| ~ N(-L/4n, L/4n) (from Var(chi2_n/n) = 1/n)",
        "N(-L/2n, L/2n) (Var(chi2_n/n) = 2/n)",
        "sample variance " + format_number(var) + " vs L/2n = " + format_number(v2) +
            " and L/4n = " + format_number(v4) + "; KS p = " + format_number(correct.p_value) +
            " vs " + format_number(printed.p_value));
    if (L == 32) {  // histogram against both densities
      const density_histogram h(x, -v2 - 4 * std::sqrt(v2), -v2 + 4 * std::sqrt(v2), 40);
      std::vector<double> pdf2, pdf4;
      for (double c : h.centre) {
        pdf2.push_back(normal_pdf(c, -v2, v2));
        pdf4.push_back(normal_pdf(c, -v4, v4));
      }
      write_plot(opt, "log_norm_histogram",
                 {"log norm", "Monte Carlo", "N(-L/2n, L/2n)", "printed N(-L/4n, L/4n)"},
                 {h.centre, h.density, pdf2, pdf4},
                 {.title = "N8: log||W_L...W_1 u||, n = 64, L = 32",
                  .xlabel = "log norm",
                  .ylabel = "density",
                  .extra = "set style data linespoints\n"});
    }
  }
  // Fixed n = 4, growing depth: E log‖·‖ = (L/2)(ψ(2) + ln ½) = −0.1352 L → −∞, so the norm → 0.
  std::vector<double> depths, means, exact;
  double worst_z = 0;
  for (nnt::Index L : {10, 50, 100, 200, 400}) {
    const auto x = log_norms(4, L, 1000, opt.seed_for(7 + std::uint64_t(L)));
    depths.push_back(L);
    means.push_back(mean(x));
    exact.push_back(0.5 * L * (digamma(2.0) + std::log(0.5)));
    worst_z =
        nnt_examples::nan_max(worst_z, std::abs(means.back() - exact.back()) / standard_error(x));
    if (L == 400) {
      const double below =
          double(std::ranges::count_if(x, [](double v) { return v < std::log(1e-6); })) / x.size();
      // log-norm ≈ N(−54, 8.0²) here: P(norm ≥ 1e-6) = P(z > 5.0) ≈ 3e-7, so 0.99 holds easily
      claims.check_that("N8-norm-vanishes-L=400,n=4", "P(norm < 1e-6) > 0.99", format_number(below),
                        below > 0.99);
    }
  }
  // z = (mean − exact)/SE, SE over the 1000 nets of each depth; 5 depths: P(max |z| > 4) ≈ 3e-4
  claims.check_at_most("N8-mean-log-norm-vs-exact-n=4-max-z-score", 4.0, worst_z);
  write_plot(opt, "vanishing_norm",
             {"depth L", "mean log norm (Monte Carlo)", "(L/2)(psi(2) + ln 1/2)"},
             {depths, means, exact},
             {.title = "N8: n = 4, the norm vanishes as L/n grows",
              .xlabel = "L",
              .ylabel = "E log norm",
              .extra = "set style data linespoints\n"});
  return claims.exit_code();
}
