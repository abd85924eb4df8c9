// COURSE.md D3: full-batch gradient descent at a fixed rate η on a tanh MLP (2 → 64 → 64 → 1, MSE,
// 100 points of a smooth 2-D target): the sharpness λ_max(∇²L) rises (progressive sharpening) until
// it reaches ≈ 2/η and then hovers there, while the loss keeps decreasing, non-monotonically
// (Cohen et al. 2021). Sharpness by Lanczos on the exact Hessian operator every 50 steps. With a
// rate 10× smaller the same net stays far below its (20× higher) threshold (reported).
#include <nnt/core/random.hpp>
#include <nnt/experiments/edge_of_stability.hpp>

#include "common/reproduce.hpp"

using nnt_examples::tol;

int main(int argc, char** argv) {
  const auto opt =
      nnt_examples::parse_options(argc, argv, "edge of stability of full-batch GD (D3)");
  nnt_examples::claims claims("edge_of_stability");
  nnt::random_generator rng(1);
  const nnt::Index N = 100;
  Eigen::MatrixXd X(2, N), Y(1, N);
  rng.fill_normal(X);
  for (nnt::Index n = 0; n < N; ++n) Y(0, n) = std::sin(3 * X(0, n)) * std::cos(2 * X(1, n));
  nnt::mlp<double> net({2, 64, 64, 1}, nnt::activation::tanh(),
                       {.param = nnt::parameterization::standard});
  net.initialize(3);
  nnt::edge_of_stability_options o;
  o.eta = 0.1;
  o.steps = opt.full ? 12000 : 4000;
  const auto r = nnt::gradient_descent_sharpness(net, nnt::mse_loss{}, X, Y, o);
  claims.check_that("D3-status", "ok", std::string(to_string(r.status)),
                    r.status == nnt::status::ok);
  if (r.status != nnt::status::ok) return claims.exit_code();

  claims.check_that("D3-sharpness-starts-below-2/eta", "< 0.9 * 2/eta",
                    nnt_examples::format_number(r.sharpness.front()),
                    r.sharpness.front() < 0.9 * r.threshold);
  double mean = 0, peak = 0;
  std::size_t count = 0;
  for (std::size_t i = r.sharpness.size() / 2; i < r.sharpness.size(); ++i) {
    mean += r.sharpness[i];
    peak = std::max(peak, r.sharpness[i]);
    ++count;
  }
  mean /= double(count);
  claims.check("D3-sharpness-hovers-at-2/eta-second-half-mean", r.threshold, mean, tol::rel, 0.1);
  claims.check_at_most("D3-sharpness-second-half-max-over-2/eta", 1.15, peak / r.threshold);
  std::size_t increases = 0;
  for (std::size_t i = 1; i < r.loss.size(); ++i) increases += r.loss[i] > r.loss[i - 1];
  claims.check_that("D3-loss-non-monotone", "some steps increase the loss",
                    std::to_string(increases) + " increases", increases > 0);
  claims.check_that("D3-loss-still-decreases", "final < 0.1 * initial",
                    nnt_examples::format_number(r.loss.back() / r.loss.front()),
                    r.loss.back() < 0.1 * r.loss.front());

  nnt::edge_of_stability_options slow = o;
  slow.eta = 0.01;
  slow.steps = 4000;
  slow.sharpness_every = 1000;
  const auto s = nnt::gradient_descent_sharpness(net, nnt::mse_loss{}, X, Y, slow);
  if (!s.sharpness.empty())
    claims.report("eta=0.01-final-sharpness-over-2/eta", s.sharpness.back() / s.threshold,
                  "far below the edge at a small rate");

  std::vector<double> threshold(r.sharpness_step.size(), r.threshold), loss_at;
  for (double t : r.sharpness_step) loss_at.push_back(r.loss[std::size_t(t)]);
  nnt_examples::write_plot(opt, "sharpness", {"step", "sharpness", "2/eta"},
                           {r.sharpness_step, r.sharpness, threshold},
                           {.title = "D3: sharpness of full-batch GD, eta = 0.1",
                            .xlabel = "step",
                            .ylabel = "lambda_max",
                            .extra = "set style data lines\n"});
  nnt_examples::write_plot(opt, "loss", {"step", "training loss"}, {r.step, r.loss},
                           {.title = "D3: training loss (non-monotone)",
                            .xlabel = "step",
                            .ylabel = "loss",
                            .logy = true,
                            .extra = "set style data lines\n"});
  return claims.exit_code();
}
