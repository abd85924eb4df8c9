// COURSE.md D2: the phase diagram of the two-layer ReLU net z = m^{-1/2} Σ vᵢ ReLU(uᵢᵀx/√d) itself
// (units may switch on and off) on one example (d = 16, y = 1, c = 1/m), GD at η = (ηλ₀)/λ₀ over
// ηλ₀ ∈ [0.5, 5] and m ∈ {64, …, 4096}, several seeds (common/catapult_sweep.hpp): its boundaries
// are measured and reported next to the quadratic model's (2 and 4, catapult_quadratic_phases);
// above 4 it often switches units off and still converges. Plots: the boundaries (median over
// seeds), the fraction of converged runs, heat maps of max loss, final loss and final ηλ.
#include "common/catapult_sweep.hpp"
#include "common/plot_table.hpp"
#include "common/reproduce.hpp"
#include "common/stats.hpp"

using namespace nnt_examples;
using phase = nnt::catapult_phase;

namespace {

bool converged(phase f) { return f == phase::lazy || f == phase::catapult; }

}  // namespace

int main(int argc, char** argv) {
  const auto opt = parse_options(argc, argv, "phase diagram of two-layer ReLU nets (D2)");
  nnt_examples::claims claims("catapult_relu_phases");
  const auto relu = run_catapult_sweep(nnt::catapult_model::relu, opt),
             quadratic = run_catapult_sweep(nnt::catapult_model::quadratic, opt);
  const auto& widths = relu.widths;
  const auto& grid = relu.grid;
  const std::size_t W = widths.size(), G = grid.size();

  // boundaries per width: median over seeds (the quadratic model's for comparison in the plot)
  const auto r = median_boundaries(relu), q = median_boundaries(quadratic);
  plot_table boundaries({"log2 m", "quadratic onset", "quadratic end", "relu onset", "relu end"});
  for (std::size_t w = 0; w < W; ++w) {
    boundaries.add_row({relu.log2m[w], q.onset[w], q.end[w], r.onset[w], r.end[w]});
    const std::string name = "relu-m" + std::to_string(widths[w]);
    claims.report(name + "-lazy-catapult-boundary", r.onset[w],
                  "median over seeds of the first non-lazy eta lambda0 (midpoint)");
    claims.report(name + "-catapult-end", r.end[w],
                  "median over seeds: first eta lambda0 that neither is lazy nor catapults (NaN: "
                  "none up to 5)");
  }

  // peak loss in the catapult phase: geometric mean over seeds at ηλ₀ = grid[25] = 3.05, m ≥ 256
  std::vector<double> peak_widths(widths.begin() + 2, widths.end()), peak;
  for (std::size_t w = 2; w < W; ++w)
    peak.push_back(geometric_mean(
        over_seeds(relu, [&](const auto& d) { return d.max_loss(Eigen::Index(w), 25); })));
  claims.report("relu-peak-loss-slope-in-m", loglog_slope(peak_widths, peak),
                "eta lambda0 = 3.05, m >= 256");

  // Tallies over every run (seed, width, grid point); above 4 the quadratic model diverges
  double active_sum = 0, converged_eta_lambda = -1;
  std::vector<std::vector<double>> converged_fraction(W, std::vector<double>(G, 0.0));
  int above = 0, converged_runs = 0, converged_fewer = 0, dead = 0, diverged = 0;
  for (const auto& d : relu.diagrams)
    for (std::size_t w = 0; w < W; ++w)
      for (std::size_t g = 0; g < G; ++g) {
        const double active = d.active_fraction(Eigen::Index(w), Eigen::Index(g));
        converged_fraction[w][g] += converged(d.phase[w][g]);
        if (grid[g] < 4) continue;
        ++above;
        if (converged(d.phase[w][g]))
          ++converged_runs, converged_fewer += active < 1, active_sum += active,
              converged_eta_lambda = nan_max(converged_eta_lambda,
                                             d.final_eta_lambda(Eigen::Index(w), Eigen::Index(g)));
        dead += d.phase[w][g] == phase::stalled && active == 0;
        diverged += d.phase[w][g] == phase::diverged;
      }
  claims.check_that("D2-relu-above-4-converges-by-switching-units-off",
                    "some runs, all with fewer active units",
                    std::to_string(converged_runs) + " of " + std::to_string(above) +
                        " converged, " + std::to_string(converged_fewer) + " with fewer units",
                    converged_runs > 0 && converged_fewer == converged_runs);
  // and they converge like a catapult: only once ηλ < 2 (NaN: none converged)
  claims.check_at_most("D2-relu-above-4-converged-runs-end-with-eta-lambda-below-2", 2.0,
                       converged_runs > 0 ? converged_eta_lambda : std::nan(""));
  claims.report("relu-above-4-converged-fraction", double(converged_runs) / above,
                "runs at eta lambda0 > 4 that converged");
  claims.report("relu-above-4-active-fraction", active_sum / std::max(converged_runs, 1),
                "mean final/initial active units of those runs");
  claims.report("relu-above-4-all-units-off-fraction", double(dead) / above,
                "runs that ended with every unit off (z = 0, stalled)");
  claims.report("relu-above-4-diverged-fraction", double(diverged) / above,
                "runs whose loss passed 1e30");

  boundaries.write(opt, "boundaries",
                   {.title = "D2: measured phase boundaries (median over seeds)",
                    .xlabel = "log2 m",
                    .ylabel = "eta lambda_0",
                    .extra = "set style data linespoints\nset yrange [0:5.5]\n"});
  plot_table fractions({});
  fractions.add_column("eta lambda0", grid);
  for (std::size_t w = 0; w < W; ++w) {
    for (auto& f : converged_fraction[w]) f /= double(relu.diagrams.size());
    fractions.add_column("relu m = " + std::to_string(widths[w]), converged_fraction[w]);
  }
  fractions.write(opt, "relu_converged_fraction",
                  {.title = "D2: fraction of ReLU-net runs that converge",
                   .xlabel = "eta lambda_0",
                   .ylabel = "fraction of seeds",
                   .extra = "set yrange [0:1.05]\n"});
  write_catapult_heat_maps(opt, relu);
  return claims.exit_code();
}
