// COURSE.md N2: the outputs of random networks become a Gaussian process as the widths grow.
// For a net with hidden widths n and a linear readout, the outputs given the last hidden layer are
// exactly Gaussian with covariance K̂(x, x′) = C_b + (C_w/n) σ(z(x))·σ(z(x′)), so
//   – the finite-width kernel K̂ of one network deviates from the infinite-width NNGP K by
//     O(1/√n) (checked: fitted log–log slope −½ ± 0.1);
//   – the connected 4-point function of two different outputs, E[z_i² z_j²] − E[z_i²]E[z_j²],
//   equals
//     Var(K̂) exactly, hence is O(1/n) (slope −1 ± 0.2; the identity itself is checked on raw
//     outputs).
// Networks: tanh, 2 hidden layers of width n, standard parameterisation, C_w = 1.5, C_b = 0.1.
#include <nnt/kernels/empirical.hpp>
#include <nnt/kernels/nngp_ntk.hpp>

#include "common/reproduce.hpp"
#include "common/stats.hpp"

using nnt_examples::tol;

namespace {

const nnt::mlp_options init{1.5, 0.1, nnt::parameterization::standard, true};

struct width_statistics {
  double rms_deviation = 0;  // RMS over nets and the entries (a,a), (a,b) of K̂ − K
  double mean_bias = 0;      // E K̂_aa − K_aa
  double connected = 0;      // Var(K̂_aa)
  double raw_connected = 0;  // E[z_i² z_j²] − E z_i² E z_j² from outputs, i ≠ j
  double raw_standard_error = 0;
};

width_statistics measure(nnt::Index n, int samples, const Eigen::MatrixXd& X,
                         const Eigen::MatrixXd& K) {
  const nnt::Index k = 8;
  nnt::mlp<double> net({X.rows(), n, n, k}, nnt::activation::tanh(), init);
  nnt::mlp_workspace<double> ws;
  std::vector<double> kaa, squared_deviation, z2, pair, pair2;
  for (int m = 0; m < samples; ++m) {
    auto rng = nnt::random_generator::for_task(1000 + std::uint64_t(n), std::uint64_t(m));
    net.initialize(rng);
    const Eigen::MatrixXd& Z = net.forward(X, ws);
    const Eigen::MatrixXd& A = ws.a[2];  // last hidden activations, n × 2
    kaa.push_back(0.1 + 1.5 / double(n) * A.col(0).squaredNorm());
    const double kab = 0.1 + 1.5 / double(n) * A.col(0).dot(A.col(1));
    squared_deviation.push_back(std::pow(kaa.back() - K(0, 0), 2));
    squared_deviation.push_back(std::pow(kab - K(0, 1), 2));
    for (nnt::Index i = 0; i < k; ++i) {
      z2.push_back(Z(i, 0) * Z(i, 0));
      for (nnt::Index j = 0; j < i; ++j) pair.push_back(Z(i, 0) * Z(i, 0) * Z(j, 0) * Z(j, 0));
    }
  }
  for (double p : pair) pair2.push_back(p * p);
  using nnt_examples::mean;
  // pairs within one network are dependent: count networks, not pairs, for the error bar
  return {.rms_deviation = std::sqrt(mean(squared_deviation)),
          .mean_bias = mean(kaa) - K(0, 0),
          .connected = nnt_examples::sample_variance(kaa),
          .raw_connected = mean(pair) - mean(z2) * mean(z2),
          .raw_standard_error = std::sqrt((mean(pair2) - mean(pair) * mean(pair)) / samples)};
}

}  // namespace

int main(int argc, char** argv) {
  const auto opt = nnt_examples::parse_options(
      argc, argv, "NNGP Monte Carlo, 1/sqrt(n) and the 4-point function (N2)");
  nnt_examples::claims claims("nngp_monte_carlo");
  Eigen::MatrixXd X(3, 2);
  X << 1.0, 0.2, -0.5, 0.9, 0.3, -0.4;
  const Eigen::MatrixXd K = nnt::nngp_gram(
      nnt::kernel_of(nnt::mlp<double>({3, 4, 4, 1}, nnt::activation::tanh(), init)), X);

  const int samples = opt.full ? 4000 : 800;
  std::vector<double> widths, rms, connected, bias;
  for (nnt::Index n : {8, 16, 32, 64, 128, 256, 512}) {
    const auto s = measure(n, samples, X, K);
    widths.push_back(double(n));
    rms.push_back(s.rms_deviation);
    connected.push_back(s.connected);
    bias.push_back(std::abs(s.mean_bias));
  }
  // The identity "connected 4-point = Var(K̂)" on raw outputs, at n = 4 where the connected part
  // is large enough for 20000 networks to resolve it (it must also be clearly non-zero there).
  const auto narrow = measure(4, 20000, X, K);
  claims.check("N2-4pt-connected-equals-Var(K)-n=4", narrow.connected, narrow.raw_connected,
               tol::abs, 4 * narrow.raw_standard_error);
  claims.check_that("N2-4pt-connected-nonzero-n=4", "> 4 standard errors",
                    nnt_examples::format_number(narrow.raw_connected / narrow.raw_standard_error) +
                        " standard errors",
                    narrow.raw_connected > 4 * narrow.raw_standard_error);
  auto slope_from_n32 = [&](const std::vector<double>& y) {
    return nnt_examples::loglog_slope({widths.begin() + 2, widths.end()}, {y.begin() + 2, y.end()});
  };
  claims.check("N2-kernel-fluctuation-slope", -0.5, slope_from_n32(rms), tol::abs, 0.1);
  claims.check("N2-connected-4pt-slope", -1.0, slope_from_n32(connected), tol::abs, 0.2);
  claims.report("mean-bias-n=512", bias.back(),
                "|E K̂ − K| at n = 512: the O(1/n) bias, below the fluctuation");

  // One hidden layer: the outputs' covariance is exactly the NNGP at any width (Monte Carlo only).
  nnt::mlp<double> one({3, 32, 4}, nnt::activation::tanh(), init);
  const auto mc = nnt::monte_carlo_nngp(one, X, samples * 4, 7);
  const Eigen::MatrixXd K1 = nnt::nngp_gram(nnt::kernel_of(one), X);
  const double worst_z = ((mc.mean - K1).cwiseAbs().array() / mc.standard_error.array()).maxCoeff();
  claims.check_at_most("N2-one-hidden-layer-MC-covariance-z-score", 4.0, worst_z);

  nnt_examples::write_plot(
      opt, "finite_width",
      {"width n", "RMS(K_hat - K)", "Var(K_hat) = connected 4-pt", "|E K_hat - K|"},
      {widths, rms, connected, bias},
      {.title = "N2: finite-width kernel fluctuations",
       .xlabel = "width n",
       .logx = true,
       .logy = true,
       .extra = "set style data linespoints\n"});
  return claims.exit_code();
}
