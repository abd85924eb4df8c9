// COURSE.md D2: the catapult phase (dynamics/experiments/catapult.hpp). Two-layer ReLU net
// z = m^{-1/2} Σ vᵢ ReLU(uᵢᵀx/√d) on one example (d = 16, y = 1, ‖x‖² = d so c = 1/m) and its
// quadratic model (activation pattern frozen at initialisation), GD at η = (ηλ₀)/λ₀.
// 1. The exact (z, λ) recursion reproduces every step of the quadratic model to rounding; the ReLU
//    net leaves it as soon as a unit switches. The printed λ update is an erratum.
// 2. Phase diagram over ηλ₀ ∈ [0.5, 5] and m ∈ {64, …, 4096}, several seeds: the quadratic model is
//    lazy below 2, catapults between 2 and 4 (loss peak Θ(m), λ ends below 2/η) and diverges above 4;
//    the ReLU net's boundaries are measured — above 4 it often switches units off and still converges.
// Heat maps (median over seeds) of max loss, final loss and final ηλ; trajectories at m = 4096.
#include <nnt/dynamics/experiments/catapult.hpp>

#include <algorithm>
#include <map>

#include "common/reproduce.hpp"

using nnt_examples::tol;

namespace {

constexpr nnt::Index input_dim = 16;
constexpr double target = 1.0;

double median(std::vector<double> v) {
  v.erase(std::remove_if(v.begin(), v.end(), [](double x) { return std::isnan(x); }), v.end());
  if (v.empty()) return std::nan("");
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

struct recursion_error {
  double z = 0, lambda = 0, printed = 0;  // max one-step relative errors
  long first_switch = -1;                 // first step after which the active set changed
};

// Compares each recorded step with one step of the exact recursion from the previous state.
recursion_error check_recursion(const nnt::catapult_problem& p, const nnt::catapult_run& run, bool stop_at_switch) {
  recursion_error e;
  for (std::size_t t = 0; t + 1 < run.z.size(); ++t) {
    if (e.first_switch < 0 && run.active[t + 1] != run.active0) {
      e.first_switch = long(t);
      if (stop_at_switch) break;
    }
    const nnt::catapult_state s{run.z[t], run.lambda[t]};
    const auto next = nnt::catapult_recursion_step(s, run.eta, p.c(), p.y);
    const double r = s.z - p.y;
    // size of the terms of the z update: rounding is relative to it, not to the (cancelling) result
    const double scale = std::abs(s.z) + std::abs(p.y) + run.eta * s.lambda * std::abs(r) +
                         p.c() * run.eta * run.eta * std::abs(s.z * r * r);
    e.z = std::max(e.z, std::abs(next.z - run.z[t + 1]) / scale);
    e.lambda = std::max(e.lambda, std::abs(next.lambda - run.lambda[t + 1]) / s.lambda);
    e.printed = std::max(e.printed, std::abs(nnt::catapult_lambda_printed(s, run.eta, p.c(), p.y) - run.lambda[t + 1]) / s.lambda);
  }
  return e;
}

void write_heat_map(const nnt_examples::options& opt, const std::string& name, const std::string& title,
                    const std::vector<nnt::Index>& widths, const std::vector<double>& grid,
                    const std::vector<std::vector<double>>& value, const std::string& label) {
  std::vector<double> x, y, v;
  for (std::size_t w = 0; w < widths.size(); ++w)
    for (std::size_t g = 0; g < grid.size(); ++g) {
      x.push_back(grid[g]);
      y.push_back(std::log2(double(widths[w])));
      v.push_back(value[w][g]);
    }
  nnt_examples::write_plot(opt, name, {"eta_lambda0", "log2_m", label}, {x, y, v},
                           {.title = title, .xlabel = "eta lambda_0", .ylabel = "log2 m",
                            .extra = "set cblabel '" + label + "'\nset palette rgbformulae 33,13,10\n"
                                     "set xrange [0.5:5]\nset arrow from 2,graph 0 to 2,graph 1 nohead dt 2\n"
                                     "set arrow from 4,graph 0 to 4,graph 1 nohead dt 2\n"
                                     "plot '" + name + ".csv' skip 1 using 1:2:3 with image notitle\n"});
}

}  // namespace

int main(int argc, char** argv) {
  const auto opt = nnt_examples::parse_options(argc, argv, "catapult phase of two-layer ReLU nets (D2)");
  nnt_examples::claims claims("catapult");

  // 1. The recursion, on one run in the catapult phase.
  const auto p = nnt::random_catapult_problem(input_dim, 4096, target, 1);
  nnt::catapult_options one;
  one.eta_lambda0 = 3.0;
  one.steps = 400;
  const auto quad = nnt::catapult_gd(p, nnt::catapult_model::quadratic, one);
  const auto relu = nnt::catapult_gd(p, nnt::catapult_model::relu, one);
  const auto eq = check_recursion(p, quad, false);
  const auto er = check_recursion(p, relu, false);
  // m = 4096 products per sum: rounding ≲ m·ε ≈ 5e-13 of the terms' size (typically √m·ε)
  claims.check_at_most("D2-recursion-z-exact-on-quadratic-model", 1e-12, eq.z);
  claims.check_at_most("D2-recursion-lambda-exact-on-quadratic-model", 1e-12, eq.lambda);
  claims.check_that("D2-quadratic-run-catapults", "catapult", std::string(nnt::to_string(quad.phase)),
                    quad.phase == nnt::catapult_phase::catapult);
  claims.report("relu-first-unit-switch-step", double(er.first_switch), "step after which the ReLU net's active set first changed (eta lambda0 = 3; m = 4096)");
  claims.report("relu-recursion-z-error", er.z, "max one-step relative error of the recursion on the ReLU net (units switch)");
  claims.report("relu-recursion-lambda-error", er.lambda, "same for lambda");
  claims.erratum("D2", "lambda(t+1) = lambda + eta c (z-y)^2 [eta lambda - 4/(z-y)]",
                 "lambda(t+1) = lambda + eta c (z-y) [eta lambda (z-y) - 4 z]",
                 "printed update off by up to " + nnt_examples::format_number(eq.printed) +
                     " of lambda per step (exact one: " + nnt_examples::format_number(eq.lambda) + ")");

  // 2. Phase diagrams.
  std::vector<nnt::Index> widths{64, 128, 256, 512, 1024, 2048, 4096};
  if (opt.full) widths.insert(widths.end(), {8192, 16384});
  std::vector<double> grid;
  for (int k = 0; k < 45; ++k) grid.push_back(0.55 + 0.1 * k);  // midpoints: no run exactly at 2 or 4
  const int seeds = opt.full ? 20 : 6;
  nnt::catapult_options o;
  o.steps = 20000;

  const std::map<nnt::catapult_model, std::string> names{{nnt::catapult_model::quadratic, "quadratic"},
                                                         {nnt::catapult_model::relu, "relu"}};
  std::map<nnt::catapult_model, std::vector<nnt::catapult_phase_diagram>> diagrams;
  for (const auto& [model, name] : names)
    for (int s = 0; s < seeds; ++s)
      diagrams[model].push_back(nnt::catapult_phases(model, widths, grid, input_dim, target, std::uint64_t(100 + s), o));

  // boundaries per width: median over seeds
  std::vector<double> log2m;
  std::map<nnt::catapult_model, std::vector<double>> onset, end;
  for (std::size_t w = 0; w < widths.size(); ++w) {
    log2m.push_back(std::log2(double(widths[w])));
    for (const auto& [model, name] : names) {
      std::vector<double> a, b;
      for (const auto& d : diagrams[model]) a.push_back(d.catapult_onset[w]), b.push_back(d.catapult_end[w]);
      onset[model].push_back(median(a));
      end[model].push_back(median(b));
      claims.report(name + "-m" + std::to_string(widths[w]) + "-lazy-catapult-boundary", onset[model].back(),
                    "median over seeds of the first non-lazy eta lambda0 (midpoint)");
      claims.report(name + "-m" + std::to_string(widths[w]) + "-catapult-end", end[model].back(),
                    "median over seeds: first eta lambda0 that neither is lazy nor catapults (NaN: none up to 5)");
    }
  }
  // quadratic model: at m ≥ 1024 both boundaries lie in the grid cell around 2 and 4 for every seed
  // (|Δ| ≤ half a grid step); smaller widths shift the divergence boundary down (reported above)
  double worst_onset = 0, worst_end = 0;
  for (std::size_t w = 0; w < widths.size(); ++w)
    for (const auto& d : diagrams[nnt::catapult_model::quadratic]) {
      if (widths[w] < 1024) continue;
      worst_onset = std::max(worst_onset, std::abs(d.catapult_onset[w] - 2));
      worst_end = std::max(worst_end, std::abs(d.catapult_end[w] - 4));
    }
  claims.check_at_most("D2-quadratic-lazy-catapult-boundary-at-2-(m>=1024-all-seeds)", 0.05 + 1e-12, worst_onset);
  claims.check_at_most("D2-quadratic-divergence-boundary-at-4-(m>=1024-all-seeds)", 0.05 + 1e-12, worst_end);

  // the mechanism: every catapult run of the quadratic model ends with ηλ < 2; well inside the lazy
  // phase (ηλ₀ ≤ 1.55) λ moves by O(1/m): worst ≈ 0.05 at m = 256, so ≈ 13/m; the bound at m = 4096 is
  // 0.01, three times that
  int catapults = 0, below = 0;
  std::vector<double> lazy_drift(widths.size(), 0.0);
  for (const auto& d : diagrams[nnt::catapult_model::quadratic])
    for (std::size_t w = 0; w < widths.size(); ++w)
      for (std::size_t g = 0; g < grid.size(); ++g) {
        const double final_eta_lambda = d.final_eta_lambda(Eigen::Index(w), Eigen::Index(g));
        if (d.phase[w][g] == nnt::catapult_phase::catapult) ++catapults, below += final_eta_lambda < 2;
        if (grid[g] <= 1.55) lazy_drift[w] = std::max(lazy_drift[w], std::abs(final_eta_lambda / grid[g] - 1));
      }
  claims.check_that("D2-catapult-ends-with-eta-lambda-below-2", std::to_string(catapults) + " of " + std::to_string(catapults),
                    std::to_string(below) + " of " + std::to_string(catapults), catapults > 0 && below == catapults);
  for (std::size_t w = 0; w < widths.size(); ++w)
    claims.report("quadratic-m" + std::to_string(widths[w]) + "-lazy-lambda-drift", lazy_drift[w],
                  "max |lambda_final/lambda0 - 1| over seeds at eta lambda0 <= 1.55");
  claims.check_at_most("D2-lazy-lambda-constant-at-m=4096-(eta-lambda0<=1.55)", 0.01, lazy_drift[6]);

  // peak loss Θ(m) in the catapult phase (geometric mean over seeds at ηλ₀ = 3.05, m ≥ 256)
  std::map<nnt::catapult_model, std::vector<double>> peak;
  std::vector<double> peak_widths;
  const std::size_t g3 = 25;  // grid[25] = 3.05
  for (std::size_t w = 2; w < widths.size(); ++w) {
    peak_widths.push_back(double(widths[w]));
    for (const auto& [model, name] : names) {
      double s = 0;
      for (const auto& d : diagrams[model]) s += std::log(d.max_loss(Eigen::Index(w), Eigen::Index(g3)));
      peak[model].push_back(std::exp(s / seeds));
    }
  }
  claims.check("D2-quadratic-peak-loss-slope-in-m", 1.0, nnt_examples::loglog_slope(peak_widths, peak[nnt::catapult_model::quadratic]), tol::abs, 0.15);
  claims.report("relu-peak-loss-slope-in-m", nnt_examples::loglog_slope(peak_widths, peak[nnt::catapult_model::relu]), "eta lambda0 = 3.05, m >= 256");

  // above 4: the quadratic model diverges, the ReLU net often switches units off and converges
  int above = 0, above_wide = 0, q_diverged_wide = 0, q_diverged = 0, r_converged = 0, r_converged_fewer = 0, r_dead = 0, r_diverged = 0;
  double active_sum = 0;
  for (int s = 0; s < seeds; ++s)
    for (std::size_t w = 0; w < widths.size(); ++w)
      for (std::size_t g = 0; g < grid.size(); ++g) {
        if (grid[g] < 4) continue;
        ++above;
        if (widths[w] >= 1024) ++above_wide, q_diverged_wide += diagrams[nnt::catapult_model::quadratic][std::size_t(s)].phase[w][g] == nnt::catapult_phase::diverged;
        const auto& dq = diagrams[nnt::catapult_model::quadratic][std::size_t(s)];
        const auto& dr = diagrams[nnt::catapult_model::relu][std::size_t(s)];
        q_diverged += dq.phase[w][g] == nnt::catapult_phase::diverged;
        const auto phase = dr.phase[w][g];
        const double active = dr.active_fraction(Eigen::Index(w), Eigen::Index(g));
        if (phase == nnt::catapult_phase::catapult || phase == nnt::catapult_phase::lazy) {
          ++r_converged;
          r_converged_fewer += active < 1;
          active_sum += active;
        }
        r_dead += phase == nnt::catapult_phase::stalled && active == 0;
        r_diverged += phase == nnt::catapult_phase::diverged;
      }
  claims.check_that("D2-quadratic-diverges-above-4-(m>=1024)", std::to_string(above_wide) + " of " + std::to_string(above_wide),
                    std::to_string(q_diverged_wide) + " of " + std::to_string(above_wide), q_diverged_wide == above_wide);
  claims.report("quadratic-above-4-diverged-fraction-all-widths", double(q_diverged) / above, "runs at eta lambda0 > 4, every width");
  claims.check_that("D2-relu-above-4-converges-by-switching-units-off", "some runs, all with fewer active units",
                    std::to_string(r_converged) + " of " + std::to_string(above) + " converged, " +
                        std::to_string(r_converged_fewer) + " with fewer units",
                    r_converged > 0 && r_converged_fewer == r_converged);
  claims.report("relu-above-4-converged-fraction", double(r_converged) / above, "runs at eta lambda0 > 4 that converged");
  claims.report("relu-above-4-active-fraction", active_sum / std::max(r_converged, 1), "mean final/initial active units of those runs");
  claims.report("relu-above-4-all-units-off-fraction", double(r_dead) / above, "runs that ended with every unit off (z = 0, stalled)");
  claims.report("relu-above-4-diverged-fraction", double(r_diverged) / above, "runs whose loss passed 1e30");

  // plots
  nnt_examples::write_plot(opt, "boundaries", {"log2 m", "quadratic onset", "quadratic end", "relu onset", "relu end"},
                           {log2m, onset[nnt::catapult_model::quadratic], end[nnt::catapult_model::quadratic],
                            onset[nnt::catapult_model::relu], end[nnt::catapult_model::relu]},
                           {.title = "D2: measured phase boundaries (median over seeds)", .xlabel = "log2 m",
                            .ylabel = "eta lambda_0", .extra = "set style data linespoints\nset yrange [0:5.5]\n"});
  std::vector<std::string> fraction_header{"eta lambda0"};
  std::vector<std::vector<double>> fraction_columns{grid};
  for (std::size_t w = 0; w < widths.size(); ++w) {
    fraction_header.push_back("relu m = " + std::to_string(widths[w]));
    std::vector<double> f;
    for (std::size_t g = 0; g < grid.size(); ++g) {
      int n = 0;
      for (const auto& d : diagrams[nnt::catapult_model::relu])
        n += d.phase[w][g] == nnt::catapult_phase::lazy || d.phase[w][g] == nnt::catapult_phase::catapult;
      f.push_back(double(n) / seeds);
    }
    fraction_columns.push_back(f);
  }
  nnt_examples::write_plot(opt, "relu_converged_fraction", fraction_header, fraction_columns,
                           {.title = "D2: fraction of ReLU-net runs that converge", .xlabel = "eta lambda_0",
                            .ylabel = "fraction of seeds", .extra = "set yrange [0:1.05]\n"});
  for (const auto& [model, name] : names) {
    std::vector<std::vector<double>> max_loss(widths.size()), final_loss(widths.size()), final_el(widths.size());
    for (std::size_t w = 0; w < widths.size(); ++w)
      for (std::size_t g = 0; g < grid.size(); ++g) {
        std::vector<double> a, b, c;
        for (const auto& d : diagrams[model]) {
          const auto W = Eigen::Index(w), G = Eigen::Index(g);
          a.push_back(std::log10(d.max_loss(W, G) / d.loss0(W, G)));
          b.push_back(std::clamp(std::log10(d.final_loss(W, G) / d.loss0(W, G)), -12.0, 12.0));
          c.push_back(std::isfinite(d.final_eta_lambda(W, G)) ? std::min(d.final_eta_lambda(W, G), 6.0) : 6.0);
        }
        max_loss[w].push_back(median(a));
        final_loss[w].push_back(median(b));
        final_el[w].push_back(median(c));
      }
    write_heat_map(opt, name + "_max_loss", "D2 " + name + ": log10 max loss / L(0)", widths, grid, max_loss, "log10 max loss ratio");
    write_heat_map(opt, name + "_final_loss", "D2 " + name + ": log10 final loss / L(0) (clipped at +-12)", widths, grid, final_loss, "log10 final loss ratio");
    write_heat_map(opt, name + "_final_eta_lambda", "D2 " + name + ": final eta lambda (6 = diverged)", widths, grid, final_el, "final eta lambda");
  }
  // trajectories at m = 4096
  std::vector<std::string> header{"step"};
  std::vector<std::vector<double>> loss_columns(1), lambda_columns(1);
  for (nnt::Index t = 0; t <= 80; ++t) loss_columns[0].push_back(double(t));
  lambda_columns[0] = loss_columns[0];
  for (double el : {1.5, 3.0, 4.5})
    for (const auto& [model, name] : names) {
      one.eta_lambda0 = el;
      one.steps = 80;
      one.converged_loss_ratio = 1e-300;
      const auto run = nnt::catapult_gd(p, model, one);
      std::vector<double> l(81, std::nan("")), e(81, std::nan(""));
      for (std::size_t t = 0; t < run.loss.size(); ++t) l[t] = run.loss[t] / run.loss0, e[t] = run.eta * run.lambda[t];
      header.push_back(name + " eta lambda0 = " + nnt_examples::format_number(el));
      loss_columns.push_back(l);
      lambda_columns.push_back(e);
    }
  nnt_examples::write_plot(opt, "loss", header, loss_columns,
                           {.title = "D2: loss / L(0), m = 4096", .xlabel = "step", .ylabel = "loss / L(0)", .logy = true,
                            .extra = "set yrange [1e-12:1e8]\n"});
  nnt_examples::write_plot(opt, "eta_lambda", header, lambda_columns,
                           {.title = "D2: eta lambda(t), m = 4096", .xlabel = "step", .ylabel = "eta lambda",
                            .extra = "set yrange [0:6]\n"});
  return claims.exit_code();
}
