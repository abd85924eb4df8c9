// COURSE.md N2: the outputs of random networks become a Gaussian process as the widths grow.
// For a net with hidden widths n and a linear readout, the outputs given the last hidden layer are
// exactly Gaussian with covariance K̂(x, x′) = C_b + (C_w/n) σ(z(x))·σ(z(x′)), so
//   – the finite-width kernel K̂ of one network deviates from the infinite-width NNGP K by
//     O(1/√n) (fitted log–log slope −½);
//   – the connected 4-point function of two different outputs, E[z_i² z_j²] − E[z_i²]E[z_j²],
//     equals Var(K̂) exactly (checked on raw outputs), hence is O(1/n) (slope −1).
// Networks: tanh, 2 hidden layers of width n, standard parameterisation, C_w = 1.5, C_b = 0.1.
// Standard errors (SE): one network is one unit (its 8 outputs share K̂), delta method over nets.
#include <nnt/kernels/empirical.hpp>
#include <nnt/kernels/nngp_ntk.hpp>

#include "common/fits.hpp"
#include "common/reproduce.hpp"
#include "common/stats.hpp"

using namespace nnt_examples;

namespace {

const nnt::mlp_options init{1.5, 0.1, nnt::parameterization::standard, true};

struct width_statistics {
  double rms = 0, log_rms_se = 0;  // RMS over nets of K̂ − K at (a,a), (a,b); SE of its log
  double connected = 0, log_connected_se = 0;  // Var(K̂_aa) and the SE of its log
  double raw = 0, raw_se = 0;  // E[z_i² z_j²] − E z_i² E z_j² (i ≠ j) from outputs, its SE
  double difference_se = 0;    // SE of raw − connected (both from the same networks)
};

width_statistics measure(nnt::Index n, int samples, const Eigen::MatrixXd& X,
                         const Eigen::MatrixXd& K, std::uint64_t seed) {
  const nnt::Index k = 8;
  nnt::mlp<double> net({X.rows(), n, n, k}, nnt::activation::tanh(), init);
  nnt::mlp_workspace<double> ws;
  std::vector<double> kaa, sq, P, Q;  // per network
  for (int m = 0; m < samples; ++m) {
    auto rng = nnt::random_generator::for_task(seed, std::uint64_t(m));
    net.initialize(rng);
    const Eigen::MatrixXd& Z = net.forward(X, ws);
    const Eigen::MatrixXd& A = ws.a[2];  // last hidden activations, n × 2
    kaa.push_back(0.1 + 1.5 / double(n) * A.col(0).squaredNorm());
    const double kab = 0.1 + 1.5 / double(n) * A.col(0).dot(A.col(1));
    sq.push_back((std::pow(kaa.back() - K(0, 0), 2) + std::pow(kab - K(0, 1), 2)) / 2);
    const Eigen::ArrayXd z2 = Z.col(0).array().square();
    Q.push_back(z2.mean());  // mean over outputs i of z_i², mean over pairs i < j of z_i² z_j²
    P.push_back((z2.sum() * z2.sum() - z2.square().sum()) / double(k * (k - 1)));
  }
  // delta method: each network's influence on raw = P̄ − Q̄² and on the sample variance of K̂_aa
  const double kbar = mean(kaa), qbar = mean(Q);
  std::vector<double> v, raw_unit, difference_unit;
  for (int m = 0; m < samples; ++m)
    v.push_back(std::pow(kaa[m] - kbar, 2)), raw_unit.push_back(P[m] - 2 * qbar * Q[m]),
        difference_unit.push_back(raw_unit.back() - v.back());
  return {.rms = std::sqrt(mean(sq)),
          .log_rms_se = standard_error(sq) / (2 * mean(sq)),
          .connected = sample_variance(kaa),
          .log_connected_se = standard_error(v) / mean(v),
          .raw = mean(P) - qbar * qbar,
          .raw_se = standard_error(raw_unit),
          .difference_se = standard_error(difference_unit)};
}

}  // namespace

int main(int argc, char** argv) {
  const auto opt = parse_options(argc, argv, "NNGP Monte Carlo, 1/sqrt(n) and the 4-point (N2)");
  nnt_examples::claims claims("nngp_monte_carlo");
  Eigen::MatrixXd X(3, 2);
  X << 1.0, 0.2, -0.5, 0.9, 0.3, -0.4;
  const Eigen::MatrixXd K = nnt::nngp_gram(
      nnt::kernel_of(nnt::mlp<double>({3, 4, 4, 1}, nnt::activation::tanh(), init)), X);
  const int samples = opt.full ? 4000 : 800;
  std::vector<double> widths, rms, rms_se, connected, connected_se;
  for (nnt::Index n : {32, 64, 128, 256, 512}) {
    const auto s = measure(n, samples, X, K, opt.seed_for(1000 + std::uint64_t(n)));
    widths.push_back(double(n)), rms.push_back(s.rms), rms_se.push_back(s.log_rms_se);
    connected.push_back(s.connected), connected_se.push_back(s.log_connected_se);
  }
  // at n = 4, where it is large; tol 4 SE of the difference (same networks: correlated errors)
  const auto narrow = measure(4, 20000, X, K, opt.seed_for(1004));
  claims.check("N2-4pt-connected-equals-Var(K)-n=4-(4-SE)", narrow.connected, narrow.raw, tol::abs,
               4 * narrow.difference_se);
  claims.check_that("N2-4pt-connected-nonzero-n=4", "> 4 SE",
                    format_number(narrow.raw / narrow.raw_se) + " SE",
                    narrow.raw > 4 * narrow.raw_se);
  // slopes over n = 32…512: 4 SE (per-width SEs over networks) plus the O(1/n) next order,
  // which bends the local slope by ≲ 1/32 at the narrowest width
  const auto [rms_slope, rms_slope_se] = loglog_slope_with_se(widths, rms, rms_se);
  const auto [con_slope, con_slope_se] = loglog_slope_with_se(widths, connected, connected_se);
  claims.check("N2-kernel-fluctuation-slope", -0.5, rms_slope, tol::abs,
               4 * rms_slope_se + 1.0 / 32);
  claims.check("N2-connected-4pt-slope", -1.0, con_slope, tol::abs, 4 * con_slope_se + 1.0 / 32);
  claims.report("slope-SEs", rms_slope_se, "and " + format_number(con_slope_se) + " (4-pt)");

  // One hidden layer: the outputs' covariance is the NNGP at any width; |z| ≤ 4 per entry (the
  // library's SE averages a network's 4 outputs first: one network, one unit).
  nnt::mlp<double> one({3, 32, 4}, nnt::activation::tanh(), init);
  const auto mc = nnt::monte_carlo_nngp(one, X, samples * 4, opt.seed_for(7));
  const Eigen::MatrixXd K1 = nnt::nngp_gram(nnt::kernel_of(one), X);
  const double worst_z = ((mc.mean - K1).cwiseAbs().array() / mc.standard_error.array())
                             .maxCoeff<Eigen::PropagateNaN>();
  claims.check_at_most("N2-one-hidden-layer-MC-covariance-z-score", 4.0, worst_z);

  const plot_spec spec{"N2: finite-width kernel fluctuations", "width n", "", true, true,
                       "set style data linespoints\n"};
  write_plot(opt, "finite_width", {"width n", "RMS(K_hat - K)", "Var(K_hat) = connected 4-pt"},
             {widths, rms, connected}, spec);
  return claims.exit_code();
}
