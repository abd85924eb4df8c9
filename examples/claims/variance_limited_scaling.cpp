// COURSE.md K3, the variance-limited scaling law: a fixed model (random-feature regression with
// P = 20 ReLU features of a fixed random first layer plus a constant, least squares) trained on
// N ≫ P samples (N = 8P … 256P) of a smooth teacher plus noise has excess test loss
// L(N) − L(∞) ∝ N⁻¹ (≈ σ_eff² P/N): the log–log slope, weighted by each mean's SE over trials
// (a ReLU feature active on few samples makes single small-N fits heavy-tailed), is −1 within
// 0.05 (the pre-asymptotic bias: for Gaussian features E = σ²p/(N − p − 1), whose slope over
// 8P…256P is −1.04) plus 4 SE. The resolution-limited law:
// resolution_limited_scaling; kernel regression learning curves: kernel_learning_curves.
#include <nnt/core/random.hpp>

#include <Eigen/Cholesky>

#include "common/fits.hpp"
#include "common/plot_table.hpp"
#include "common/reproduce.hpp"
#include "common/stats.hpp"

using namespace nnt_examples;
using Matrix = Eigen::MatrixXd;
using Vector = Eigen::VectorXd;

namespace {

// Variance-limited part: excess test loss of least squares on P ReLU features of a fixed random
// first layer (plus a constant), teacher + noise 0.3 in d = 4, averaged over trials.
struct curve {
  std::vector<double> excess, standard_error;  // mean over trials, and its SE (trials independent)
};
curve random_feature_curve(const std::vector<double>& sizes, nnt::Index P, int trials,
                           double& loss_infinity, const nnt_examples::options& opt) {
  const nnt::Index d = 4;
  nnt::random_generator rng(opt.seed_for(21));
  Matrix W(P, d);
  Vector b(P);
  rng.fill_normal(W);
  rng.fill_normal(b);
  struct data {
    Matrix F;  // N × (P + 1) features, last column constant
    Vector y;
  };
  auto sample = [&](nnt::Index N, nnt::random_generator r) {
    Matrix X(d, N), F(N, P + 1);
    r.fill_normal(X);
    Vector y(N);
    for (nnt::Index i = 0; i < N; ++i)
      y(i) = std::sin(X(0, i)) + 0.5 * X(1, i) * X(2, i) + 0.3 * std::cos(2 * X(3, i)) +
             0.3 * r.normal();
    F.leftCols(P) = ((W * X).colwise() + b).transpose().cwiseMax(0.0);
    F.col(P).setOnes();
    return data{F, y};
  };
  auto fit = [&](const data& s) {
    Matrix G = s.F.transpose() * s.F;
    G.diagonal().array() += 1e-10 * G.trace() / double(P + 1);
    return Vector(G.ldlt().solve(s.F.transpose() * s.y));
  };
  const data test = sample(200000, nnt::random_generator(opt.seed_for(22)));
  auto test_loss = [&](const Vector& w) {
    return (test.F * w - test.y).squaredNorm() / double(test.y.size());
  };
  // L(∞): the best fit in the model class, estimated from 10⁶ samples (its own excess ~σ²P/10⁶).
  loss_infinity = test_loss(fit(sample(1000000, nnt::random_generator(opt.seed_for(23)))));
  curve c;
  for (double N : sizes) {
    std::vector<double> e;
    for (int t = 0; t < trials; ++t) {
      auto r =
          nnt::random_generator::for_task(opt.seed_for(24 + std::uint64_t(N)), std::uint64_t(t));
      e.push_back(test_loss(fit(sample(nnt::Index(N), r))) - loss_infinity);
    }
    c.excess.push_back(mean(e));
    c.standard_error.push_back(standard_error(e));
  }
  return c;
}

}  // namespace

int main(int argc, char** argv) {
  const auto opt = parse_options(argc, argv, "the variance-limited scaling law (K3)");
  nnt_examples::claims claims("variance_limited_scaling");
  const nnt::Index P = 20;
  std::vector<double> n_axis;
  for (int k = 3; k <= 8; ++k) n_axis.push_back(double(P << k));  // 8P, 16P, …, 256P
  double loss_infinity = 0;
  const auto c = random_feature_curve(n_axis, P, opt.full ? 400 : 100, loss_infinity, opt);
  const auto fit = weighted_loglog_slope(n_axis, c.excess, c.standard_error);
  claims.check("K3-variance-limited-slope", -1.0, fit.slope, tol::abs,
               0.05 + 4 * fit.standard_error);
  claims.report("random-features-L(inf)", loss_infinity,
                "best test MSE of the 20-feature model (noise variance 0.09)");
  write_plot(opt, "variance_limited", {"N", "L(N) - L(inf)"}, {n_axis, c.excess},
             linespoints("K3: random features, P = 20: excess loss ~ 1/N", "N", "excess test MSE",
                         axes::log_log));
  return claims.exit_code();
}
