// COURSE.md K2 (scaling): a KAN with cubic B-splines (k = 3) on a smooth target has test RMSE
// ∝ G^{−(k+1)} = G^{−4} in the grid size G (the spline approximation order), much steeper than an
// MLP with the same number of parameters. Target f(x, y) = exp(sin(πx) + y²) on [−1, 1]², a [2,1,1]
// KAN (the target's exact Kolmogorov–Arnold shape), 3000 training and 1000 test points, each G
// trained by L-BFGS from the refined previous fit (grid extension, uniform grids over the data
// range). MLPs (tanh, two hidden layers) of matching parameter count get the same L-BFGS budget.
#include <nnt/dynamics/optimizers.hpp>
#include <nnt/kan/grid.hpp>
#include <nnt/kan/kan_objective.hpp>
#include <nnt/mlp/mlp_objective.hpp>

#include "common/kan_target.hpp"
#include "common/reproduce.hpp"

using nnt_examples::tol;

using nnt_examples::rmse;

int main(int argc, char** argv) {
  const auto opt =
      nnt_examples::parse_options(argc, argv, "KAN test error vs grid size, next to MLPs (K2)");
  nnt_examples::claims claims("kan_scaling");
  nnt::random_generator rng(1);
  Eigen::MatrixXd X, Y, Xt, Yt;
  nnt_examples::sample_kan_target(3000, rng, X, Y);
  nnt_examples::sample_kan_target(1000, rng, Xt, Yt);
  const nnt::lbfgs_options<double> budget{.stop = {.max_iterations = 1000}, .record_every = 1000};

  std::vector<nnt::Index> grids{3, 5, 8, 12, 16, 24, 32};
  if (opt.full) grids.push_back(48);
  nnt::kan_options o;
  o.grid = grids.front();
  nnt::kan<double> net({2, 1, 1}, o);
  net.initialize(7);
  std::vector<double> gs, kan_rmse, params, mlp_rmse;
  for (nnt::Index G : grids) {
    if (G != grids.front()) {
      nnt::update_grids(net, X,
                        {.eps = 1.0});  // uniform grids over the current activations, then refine
      net = nnt::refine_grid(net, G).net;
    }
    nnt::kan_objective<double> objective(net, X, Y);
    net.set_parameters(nnt::lbfgs(objective, net.parameters(), budget).theta);
    gs.push_back(double(G));
    kan_rmse.push_back(rmse(net.forward(Xt), Yt));
    params.push_back(double(net.parameter_count()));
    // MLP 2 → h → h → 1 with about as many parameters (h² + 5h + 1 ≈ P)
    const nnt::Index h = std::max<nnt::Index>(
        1, nnt::Index(std::lround((-5 + std::sqrt(25 + 4 * (params.back() - 1))) / 2)));
    nnt::mlp<double> mlp({2, h, h, 1}, nnt::activation::tanh(),
                         {.param = nnt::parameterization::standard});
    mlp.initialize(11);
    nnt::mlp_objective mobj(mlp, nnt::mse_loss{}, X, Y);
    mlp.set_parameters(nnt::lbfgs(mobj, mlp.parameters(), budget).theta);
    mlp_rmse.push_back(rmse(mlp.forward(Xt), Yt));
    claims.report("kan-test-rmse-G=" + std::to_string(G), kan_rmse.back(),
                  std::to_string(net.parameter_count()) + " parameters; MLP " +
                      std::to_string(mlp.parameter_count()) +
                      " parameters: " + nnt_examples::format_number(mlp_rmse.back()));
  }
  // the error floor (optimisation and float rounding) is far below the last grid here; fit from
  // G = 8, where the spline error dominates (G = 3, 5 are pre-asymptotic)
  const std::vector<double> g_fit(gs.begin() + 2, gs.end()),
      e_fit(kan_rmse.begin() + 2, kan_rmse.end());
  const double slope = nnt_examples::loglog_slope(g_fit, e_fit);
  claims.check_that("K2-kan-rmse-slope-in-[-4.5,-3]", "-4.5 <= slope <= -3",
                    nnt_examples::format_number(slope), slope >= -4.5 && slope <= -3.0);
  claims.report("mlp-rmse-vs-parameters-slope", nnt_examples::loglog_slope(params, mlp_rmse),
                "tanh MLPs of matching size, same L-BFGS budget");
  claims.check_that("K2-kan-beats-equal-size-mlp-at-largest-G", "kan rmse < mlp rmse",
                    nnt_examples::format_number(kan_rmse.back()) + " vs " +
                        nnt_examples::format_number(mlp_rmse.back()),
                    kan_rmse.back() < mlp_rmse.back());
  nnt_examples::write_plot(opt, "kan_scaling",
                           {"parameters", "KAN 2-1-1 test RMSE", "MLP test RMSE"},
                           {params, kan_rmse, mlp_rmse},
                           {.title = "K2: test RMSE vs parameters (KAN grid extension G = 3..32)",
                            .xlabel = "parameters",
                            .ylabel = "test RMSE",
                            .logx = true,
                            .logy = true,
                            .extra = "set style data linespoints\n"});
  return claims.exit_code();
}
