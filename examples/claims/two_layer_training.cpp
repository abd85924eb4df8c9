// COURSE.md H11: a two-layer ReLU net, softmax cross-entropy, minibatch SGD on a separated Gaussian
// mixture (no download); test accuracy over learning rate × L2 strength (accuracy_table.csv).
// Claims: the rate, and the L2 strength, change the test accuracy (McNemar tests on paired test
// predictions); too large a rate diverges (status::diverged, not NaN). Bayes accuracy reported.
#include <nnt/dynamics/optimizers.hpp>
#include <nnt/mlp/mlp_objective.hpp>

#include "common/reproduce.hpp"

using Matrix = Eigen::MatrixXd;
using nnt_examples::format_number;

namespace {
// L(θ) + (λ/2)‖θ‖² around any (minibatch) objective.
template <class Inner>
struct l2_regularized {
  Inner& inner;
  const double lambda;
  nnt::Index examples() const { return inner.examples(); }
  double value(const Eigen::VectorXd& t) { return inner.value(t) + 0.5 * lambda * t.squaredNorm(); }
  template <class... Batch>  // the full objective, or a minibatch (std::span<const nnt::Index>)
  double value_and_gradient(const Eigen::VectorXd& t, Eigen::VectorXd& g, Batch... batch) {
    const double v = inner.value_and_gradient(t, g, batch...);
    g += lambda * t;
    return v + 0.5 * lambda * t.squaredNorm();
  }
};

void mixture(const Matrix& means, int n, nnt::random_generator& rng, Matrix& X, Matrix& Y) {
  X.resize(means.rows(), n);
  rng.fill_normal(X);
  Y.setZero(means.cols(), n);
  for (int a = 0; a < n; ++a) X.col(a) += means.col(a % means.cols()), Y(a % means.cols(), a) = 1;
}

// 1 where the arg-max of the scores Z (C × n) is the label (mixture() cycles them: a % C).
Eigen::ArrayXi correct(const Matrix& Z) {
  Eigen::ArrayXi right(Z.cols());
  for (Eigen::Index a = 0, p = 0; a < Z.cols(); ++a)
    right(a) = (Z.col(a).maxCoeff(&p), p == a % Z.rows());
  return right;
}

// The largest McNemar |z| = |b − c|/√(b + c) (b, c the discordant counts) over pairs of runs.
double max_mcnemar_z(const std::vector<Eigen::ArrayXi>& runs) {
  double z = 0;
  for (std::size_t i = 0; i < runs.size(); ++i)
    for (std::size_t j = 0; j < i; ++j) {
      const double b = (runs[i] * (1 - runs[j])).sum(), c = (runs[j] * (1 - runs[i])).sum();
      z = nnt_examples::nan_max(z, b + c > 0 ? std::abs(b - c) / std::sqrt(b + c) : 0.0);
    }
  return z;
}
}  // namespace

int main(int argc, char** argv) {
  const auto opt = nnt_examples::parse_options(
      argc, argv, "two-layer ReLU net, SGD, learning rate x L2 table (H11)");
  nnt_examples::claims claims("two_layer_training");
  const int C = 4, d = 20;
  nnt::random_generator rng(opt.seed_for(11));
  Matrix means(d, C);
  rng.fill_normal(means, 0.0, 1.0);  // ‖μ_c − μ_c'‖ ≈ √(2d) ≈ 6.3 noise sds, Bayes ≈ 0.98
  Matrix X, Y, Xt, Yt;
  mixture(means, 800, rng, X, Y);
  mixture(means, 800, rng, Xt, Yt);
  nnt::mlp<double> net({d, 64, C}, nnt::activation::relu(),
                       {2.0, 0.0, nnt::parameterization::standard, true});
  net.initialize(rng);
  nnt::mlp_objective data(net, nnt::softmax_cross_entropy_loss{}, X, Y);
  const std::vector<double> rates = {0.001, 0.01, 0.1, 1.0, 10.0, 100.0},
                            lambdas = {0.0, 1e-3, 1e-2, 1e-1, 1.0};
  const int epochs = opt.full ? 50 : 15;
  bool boundary = true;  // per λ: η₀ stable, η_max diverged, and diverged stays diverged in η
  std::vector<bool> was_diverged(lambdas.size(), false);
  std::vector<std::vector<double>> acc_by_lambda(lambdas.size());
  std::vector<std::vector<Eigen::ArrayXi>> right(rates.size());
  for (std::size_t i = 0; i < rates.size(); ++i)
    for (std::size_t k = 0; k < lambdas.size(); ++k) {
      l2_regularized<decltype(data)> f{data, lambdas[k]};
      const auto r = nnt::sgd(f, net.parameters(), rates[i],
                              {.batch_size = 32,
                               .epochs = epochs,
                               .seed = opt.seed_for(5),
                               .stop = {.divergence_bound = 1e8}});
      const bool diverged = r.status == nnt::status::diverged;
      nnt::mlp<double> trained = net;
      if (!diverged) trained.set_parameters(r.theta);
      right[i].push_back(diverged ? Eigen::ArrayXi::Zero(800) : correct(trained.forward(Xt)));
      acc_by_lambda[k].push_back(right[i].back().cast<double>().mean());
      boundary = boundary && (diverged ? i > 0 : i + 1 < rates.size() && !was_diverged[k]);
      was_diverged[k] = diverged;
    }
  // "Changes the accuracy": the largest McNemar |z| over pairs of a sweep's stable settings; 4
  // is a Bonferroni bound over its ≤ 10 pairs at family-wise level 6e-4 (normal approximation).
  const double z_rate = max_mcnemar_z({right[0][0], right[1][0], right[2][0], right[3][0]}),
               z_l2 = max_mcnemar_z(right[2]);
  claims.check_that("H11-rate-changes-test-accuracy-lambda=0", "max McNemar |z| > 4",
                    format_number(z_rate), z_rate > 4);
  claims.check_that("H11-L2-changes-test-accuracy-eta=0.1", "max McNemar |z| > 4",
                    format_number(z_l2), z_l2 > 4);
  claims.check_that("H11-too-large-rate-diverges", "one rate threshold per lambda",
                    boundary ? "eta=1e-3 stable, 100 diverged, monotone" : "no", boundary);
  const Matrix score = 2 * means.transpose() * Xt - means.colwise().squaredNorm().transpose() *
                                                        Eigen::RowVectorXd::Ones(Xt.cols());
  claims.report("bayes-test-accuracy", correct(score).cast<double>().mean(),
                "nearest true mean (Bayes for equal covariances), same test points");
  std::vector<std::string> header = {"learning rate"};
  std::vector<std::vector<double>> columns = {rates};
  for (std::size_t k = 0; k < lambdas.size(); ++k)
    header.push_back("lambda=" + format_number(lambdas[k])), columns.push_back(acc_by_lambda[k]);
  const nnt_examples::plot_spec spec = {
      .title = "H11: test accuracy after SGD (0 = diverged)",
      .xlabel = "learning rate",
      .ylabel = "test accuracy",
      .logx = true,
      .extra = "set style data linespoints\nset yrange [0:1.05]\n"};
  nnt_examples::write_plot(opt, "accuracy_table", header, columns, spec);
  return claims.exit_code();
}
