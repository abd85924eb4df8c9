// COURSE.md H11: a two-layer ReLU network with softmax cross-entropy trained by minibatch SGD on a
// synthetic, well-separated Gaussian mixture (no download): a table of test accuracy over learning
// rate × L2 strength. Reasonable settings generalise; too large a rate diverges, which the
// optimizer reports as status::diverged (loss or ‖θ‖ beyond its bound) instead of NaN.
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
  double lambda;
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
  const auto C = means.cols(), d = means.rows();
  X.resize(d, n);
  Y.setZero(C, n);
  for (int a = 0; a < n; ++a) {
    Eigen::VectorXd z(d);
    rng.fill_normal(z);
    X.col(a) = means.col(a % C) + z;
    Y(a % C, a) = 1;
  }
}

double accuracy(const nnt::mlp<double>& net, const Matrix& X, const Matrix& Y) {
  const Matrix Z = net.forward(X);
  int right = 0;
  for (Eigen::Index a = 0; a < X.cols(); ++a) {
    Eigen::Index predicted, actual;
    Z.col(a).maxCoeff(&predicted);
    Y.col(a).maxCoeff(&actual);
    right += predicted == actual;
  }
  return double(right) / double(X.cols());
}

}  // namespace

int main(int argc, char** argv) {
  const auto opt = nnt_examples::parse_options(
      argc, argv, "two-layer ReLU net, SGD, learning rate x L2 table (H11)");
  nnt_examples::claims claims("two_layer_training");
  const int C = 4, d = 20;
  nnt::random_generator rng(11);
  Matrix means(d, C);
  rng.fill_normal(means, 0.0, 1.0);  // ‖μ_c − μ_c'‖ ≈ √(2d) ≈ 6.3 noise standard deviations
  Matrix X, Y, Xt, Yt;
  mixture(means, 800, rng, X, Y);
  mixture(means, 800, rng, Xt, Yt);
  nnt::mlp<double> net({d, 64, C}, nnt::activation::relu(),
                       {2.0, 0.0, nnt::parameterization::standard, true});
  net.initialize(rng);
  nnt::mlp_objective data(net, nnt::softmax_cross_entropy_loss{}, X, Y);

  const std::vector<double> rates = {0.01, 0.1, 1.0, 10.0, 100.0},
                            lambdas = {0.0, 1e-3, 1e-2, 1e-1};
  const int epochs = opt.full ? 50 : 15;
  double best = 0;
  bool largest_rate_diverged = true, small_rates_ok = true;
  std::vector<std::vector<double>> acc_by_lambda(lambdas.size());
  for (double eta : rates) {
    for (std::size_t k = 0; k < lambdas.size(); ++k) {
      l2_regularized<decltype(data)> f{data, lambdas[k]};
      const auto r = nnt::sgd(
          f, net.parameters(), eta,
          {.batch_size = 32, .epochs = epochs, .seed = 5, .stop = {.divergence_bound = 1e8}});
      const bool diverged = r.status == nnt::status::diverged;
      nnt::mlp<double> trained = net;
      if (!diverged) trained.set_parameters(r.theta);
      const double acc = diverged ? 0.0 : accuracy(trained, Xt, Yt);
      acc_by_lambda[k].push_back(acc);
      claims.report(
          "test-accuracy-eta=" + format_number(eta) + "-lambda=" + format_number(lambdas[k]), acc,
          std::string("status ") + std::string(nnt::to_string(r.status)) + " after " +
              std::to_string(r.iterations) + " steps");
      best = std::max(best, acc);
      if (eta == rates.back()) largest_rate_diverged = largest_rate_diverged && diverged;
      if (eta <= 1.0 && diverged) small_rates_ok = false;
    }
  }
  // Bayes accuracy ≈ 0.997: class means ≈ √(2d) ≈ 6.3 noise sds apart, pairwise error
  // Φ(−3.2) ≈ 8e-4.
  claims.check_that("H11-best-test-accuracy", ">= 0.95", format_number(best), best >= 0.95);
  claims.check_that("H11-eta=100-diverges-for-every-lambda", "status diverged",
                    largest_rate_diverged ? "diverged" : "not all diverged", largest_rate_diverged);
  claims.check_that("H11-eta<=1-never-diverges", "no diverged run",
                    small_rates_ok ? "none diverged" : "some diverged", small_rates_ok);
  std::vector<std::string> header = {"learning rate"};
  for (double l : lambdas) header.push_back("lambda=" + format_number(l));
  std::vector<std::vector<double>> columns = {rates};
  for (auto& c : acc_by_lambda) columns.push_back(c);
  nnt_examples::write_plot(opt, "accuracy_table", header, columns,
                           {.title = "H11: test accuracy after SGD (0 = diverged)",
                            .xlabel = "learning rate",
                            .ylabel = "test accuracy",
                            .logx = true,
                            .extra = "set style data linespoints\nset yrange [0:1.05]\n"});
  return claims.exit_code();
}
