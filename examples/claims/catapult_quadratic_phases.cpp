// COURSE.md D2: the phase diagram of the quadratic model (activation pattern frozen at
// initialisation) of the two-layer ReLU net z = m^{-1/2} Σ vᵢ ReLU(uᵢᵀx/√d) on one example (d = 16,
// y = 1, c = 1/m), GD at η = (ηλ₀)/λ₀ over ηλ₀ ∈ [0.5, 5] and m ∈ {64, …, 4096}, 24 seeds
// (common/catapult_sweep.hpp): lazy below 2 (λ ≈ const), catapult between 2 and 4 (loss peak
// Θ(m), λ ends below 2/η), divergence above 4. Lazy phase, to first order in c = 1/m (r = z − y
// decays like (1 − a)^t, a = ηλ₀; sum λ's updates ηc r(ηλr − 4z)):
//   m·Δλ/λ₀ = C₁ = [r₀²(a − 4)/(2 − a) − 4yr₀]/λ₀², |C₁| ≤ B₁ = [r₀²(4 − a)/(2 − a) + 4|yr₀|]/λ₀².
// Heat maps (median over seeds) of max loss, final loss and final ηλ. The ReLU net's own diagram:
// catapult_relu_phases; the recursion itself: catapult.
#include <algorithm>
#include <limits>

#include "common/catapult_sweep.hpp"
#include "common/reproduce.hpp"
#include "common/stats.hpp"

using namespace nnt_examples;
using phase = nnt::catapult_phase;

int main(int argc, char** argv) {
  const auto opt =
      parse_options(argc, argv, "phase diagram of the catapult's quadratic model (D2)");
  nnt_examples::claims claims("catapult_quadratic_phases");
  const auto sweep = run_catapult_sweep(nnt::catapult_model::quadratic, opt, 24);
  const auto& widths = sweep.widths;
  const auto& grid = sweep.grid;
  const std::size_t W = widths.size(), G = grid.size();
  const double nan = std::numeric_limits<double>::quiet_NaN();

  const auto boundaries = median_boundaries(sweep);
  for (std::size_t w = 0; w < W; ++w) {
    const std::string name = "quadratic-m" + std::to_string(widths[w]);
    claims.report(name + "-lazy-catapult-boundary", boundaries.onset[w],
                  "median over seeds of the first non-lazy eta lambda0 (midpoint)");
    claims.report(name + "-catapult-end", boundaries.end[w],
                  "median over seeds: first eta lambda0 that neither is lazy nor catapults");
  }

  // Tallies over every run (seed, width, grid point). A boundary is NaN when the grid does not
  // reach it: nan_max makes that fail the boundary claims.
  double worst_onset = 0, worst_end = 0, catapult_eta_lambda = -1;
  int catapults = 0, above_wide = 0, diverged_wide = 0;
  for (const auto& q : sweep.diagrams)
    for (std::size_t w = 0; w < W; ++w) {
      if (widths[w] >= 1024) worst_onset = nan_max(worst_onset, std::abs(q.catapult_onset[w] - 2));
      if (widths[w] >= 2048) worst_end = nan_max(worst_end, std::abs(q.catapult_end[w] - 4));
      for (std::size_t g = 0; g < G; ++g) {
        const double final_eta_lambda = q.final_eta_lambda(Eigen::Index(w), Eigen::Index(g));
        if (q.phase[w][g] == phase::catapult)
          ++catapults, catapult_eta_lambda = nan_max(catapult_eta_lambda, final_eta_lambda);
        if (grid[g] > 4 && widths[w] >= 1024)
          ++above_wide, diverged_wide += q.phase[w][g] == phase::diverged;
      }
    }
  // boundaries are midpoints of the 0.1 grid: |Δ| ≤ 0.05 is the grid cell around 2 (4). Finite m
  // shifts them down by O(1/m): at 2 by ≈ cη²|z r| ≤ 12/m, at 4 by up to ≈ 45/m (the worst of 200
  // z₀ ~ N(0, ½) in the exact recursion), inside the cell for m ≥ 1024 and m ≥ 2048
  claims.check_at_most("D2-quadratic-lazy-catapult-boundary-at-2-(m>=1024-all-seeds)", 0.05 + 1e-12,
                       worst_onset);
  claims.check_at_most("D2-quadratic-divergence-boundary-at-4-(m>=2048-all-seeds)", 0.05 + 1e-12,
                       worst_end);
  // the mechanism: a catapult converges only once ηλ < 2 (NaN: no catapult run at all)
  claims.check_at_most("D2-catapult-runs-end-with-eta-lambda-below-2", 2.0,
                       catapults > 0 ? catapult_eta_lambda : nan);
  claims.check("D2-quadratic-diverges-above-4-(m>=1024)-fraction", 1.0,
               double(diverged_wide) / double(above_wide), tol::abs, 0);

  // Lazy λ drift at m = 4096 against C₁ (header). Second order: λ's own drift shifts the
  // contraction 1 − a by ≈ aB₁/m, changing the geometric sums by (2|1 − a|/(2 − a) + 1)B₁/m
  // relative; the stop at L ≤ 1e-10·L(0) drops a tail of 1e-5/(1 − |1 − a|) of them. The
  // claim: |m·Δλ/λ₀ − C₁| ≤ B₁ × (those two), every seed and ηλ₀ ≤ 1.55.
  const nnt::Index m = 4096;
  double worst_drift = 0;
  for (auto seed : sweep.seeds) {
    const auto p = nnt::random_catapult_problem<double>(16, m, 1.0, nnt::stream_seed(seed, 6));
    for (double a : grid) {
      if (a > 1.55) break;
      const auto run =
          nnt::catapult_gd(p, nnt::catapult_model::quadratic, {.eta = a, .steps = 20000});
      const double r0 = run.z[0] - 1, l2 = run.lambda0 * run.lambda0;
      const double C1 = (r0 * r0 * (a - 4) / (2 - a) - 4 * r0) / l2,
                   B1 = (r0 * r0 * (4 - a) / (2 - a) + 4 * std::abs(r0)) / l2;
      const double bound = B1 * ((2 * std::abs(1 - a) / (2 - a) + 1) * B1 / double(m) +
                                 1e-5 / (1 - std::abs(1 - a)));
      const double drift = double(m) * (run.final_lambda / run.lambda0 - 1);
      worst_drift = nan_max(worst_drift, std::abs(drift - C1) / bound);
    }
  }
  claims.check_at_most("D2-lazy-lambda-drift=C1/m-(m=4096,eta-lambda0<=1.55,all-seeds)", 1.0,
                       worst_drift);

  // peak loss Θ(m) at ηλ₀ = grid[25] = 3.05: log–log slope over m = 256…4096 per seed (one
  // seed, one unit); tol 4 SE + 0.04, the slope's finite-m bias (exact recursion with
  // z₀ ~ N(0, ½): 0.96 over 256…4096, 1.00 over 4096…65536)
  std::vector<double> peak_widths(widths.begin() + 2, widths.begin() + 7), slopes;
  for (const auto& d : sweep.diagrams) {
    std::vector<double> peak;
    for (std::size_t w = 2; w < 7; ++w) peak.push_back(d.max_loss(Eigen::Index(w), 25));
    slopes.push_back(loglog_slope(peak_widths, peak));
  }
  claims.check("D2-quadratic-peak-loss-slope-in-m-(mean-over-seeds)", 1.0, mean(slopes), tol::abs,
               4 * standard_error(slopes) + 0.04);
  claims.report("peak-loss-slope-SE", standard_error(slopes), "over seeds");
  write_catapult_heat_maps(opt, sweep);
  return claims.exit_code();
}
