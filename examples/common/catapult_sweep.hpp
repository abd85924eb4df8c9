// examples/common/catapult_sweep.hpp — the sweep behind the catapult phase examples
// (catapult_quadratic_phases, catapult_relu_phases): nnt::catapult_phases of one model for several
// seeds over widths m = 64 … 4096 (… 16384 with --full) and ηλ₀ = 0.55, 0.65, …, 4.95 (midpoints:
// no run exactly at 2 or 4), one example with d = 16, y = 1 (so c = 1/m).
//   run_catapult_sweep        the phase diagrams, one per seed
//   over_seeds                a quantity of every seed's diagram (to take its median, mean, …)
//   median_boundaries         per width, the median over seeds of the phase boundaries
//   write_catapult_heat_maps  heat maps of the median over seeds of max loss, final loss, final ηλ
#pragma once

#include <nnt/experiments/catapult.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "reproduce.hpp"
#include "stats.hpp"

namespace nnt_examples {

struct catapult_sweep {
  std::string name;  // "relu" or "quadratic": the prefix of reports and plot files
  std::vector<nnt::Index> widths;
  std::vector<double> grid, log2m;   // ηλ₀ (columns), log₂ of the widths (rows)
  std::vector<std::uint64_t> seeds;  // one per diagram (row w: stream_seed(·, w))
  std::vector<nnt::catapult_phase_diagram> diagrams;  // one per seed
};

/// The phase diagrams of `model` for seeds opt.seed_for(100), opt.seed_for(101), … (`count` of
/// them, 20 with --full), at most 20000 GD steps per run.
inline catapult_sweep run_catapult_sweep(nnt::catapult_model model, const options& opt,
                                         int count = 6) {
  catapult_sweep s;
  s.name = model == nnt::catapult_model::relu ? "relu" : "quadratic";
  s.widths = {64, 128, 256, 512, 1024, 2048, 4096};
  if (opt.full) s.widths.insert(s.widths.end(), {8192, 16384});
  for (int k = 0; k < 45; ++k) s.grid.push_back(0.55 + 0.1 * k);
  for (auto m : s.widths) s.log2m.push_back(std::log2(double(m)));
  for (int k = 0; k < (opt.full ? std::max(count, 20) : count); ++k) {
    s.seeds.push_back(opt.seed_for(std::uint64_t(100 + k)));
    s.diagrams.push_back(
        nnt::catapult_phases(model, s.widths, s.grid, 16, 1.0, s.seeds.back(), {.steps = 20000}));
  }
  return s;
}

/// f(diagram) for every seed's diagram.
template <class F>
std::vector<double> over_seeds(const catapult_sweep& s, F f) {
  std::vector<double> v;
  for (const auto& d : s.diagrams) v.push_back(f(d));
  return v;
}

struct phase_boundaries {
  std::vector<double> onset, end;  // per width: catapult_onset, catapult_end (NaN: not reached)
};

/// Per width, the medians over seeds of catapult_onset and catapult_end, NaN (boundary not
/// reached up to 5) left out: NaN only when no seed reached it.
inline phase_boundaries median_boundaries(const catapult_sweep& s) {
  phase_boundaries b;
  for (std::size_t w = 0; w < s.widths.size(); ++w) {
    b.onset.push_back(
        median_ignoring_nan(over_seeds(s, [&](const auto& d) { return d.catapult_onset[w]; })));
    b.end.push_back(
        median_ignoring_nan(over_seeds(s, [&](const auto& d) { return d.catapult_end[w]; })));
  }
  return b;
}

/// DIR/<name>_max_loss, _final_loss and _final_eta_lambda: heat maps over (ηλ₀, log₂ m) of the
/// median over seeds of log10 max loss / L(0), log10 final loss / L(0) (clipped at ±12) and the
/// final ηλ (6 = diverged), with the quadratic model's boundaries 2 and 4 dashed.
inline void write_catapult_heat_maps(const options& opt, const catapult_sweep& s) {
  const std::string arrows =
      "set xrange [0.5:5]\nset arrow from 2,graph 0 to 2,graph 1 nohead dt 2\n"
      "set arrow from 4,graph 0 to 4,graph 1 nohead dt 2\n";
  auto heat_map = [&](const std::string& what, const std::string& title, const std::string& label,
                      auto f) {
    std::vector<std::vector<double>> value(s.widths.size(), std::vector<double>(s.grid.size()));
    for (std::size_t w = 0; w < s.widths.size(); ++w)
      for (std::size_t g = 0; g < s.grid.size(); ++g)
        value[w][g] = median_ignoring_nan(
            over_seeds(s, [&](const auto& d) { return f(d, Eigen::Index(w), Eigen::Index(g)); }));
    write_heat_map(opt, s.name + "_" + what,
                   {.title = "D2 " + s.name + ": " + title,
                    .xlabel = "eta lambda_0",
                    .ylabel = "log2 m",
                    .extra = arrows},
                   s.grid, s.log2m, value, label);
  };
  heat_map(
      "max_loss", "log10 max loss / L(0)", "log10 max loss ratio",
      [](const auto& d, auto w, auto g) { return std::log10(d.max_loss(w, g) / d.loss0(w, g)); });
  heat_map("final_loss", "log10 final loss / L(0) (clipped at +-12)", "log10 final loss ratio",
           [](const auto& d, auto w, auto g) {
             return std::clamp(std::log10(d.final_loss(w, g) / d.loss0(w, g)), -12.0, 12.0);
           });
  heat_map("final_eta_lambda", "final eta lambda (6 = diverged)", "final eta lambda",
           [](const auto& d, auto w, auto g) {
             const double el = d.final_eta_lambda(w, g);
             return std::isfinite(el) ? std::min(el, 6.0) : 6.0;
           });
}

}  // namespace nnt_examples
