// COURSE.md N9: regions of ReLU nets along a segment x₀ + t·d, exact (common/relu_regions.hpp) and,
// for 1-D one-hidden-layer nets, from sign patterns on a grid: ≤ n + 1 for n neurons; Telgarsky's
// sawtooth 2^L; random nets ∝ (#neurons)·length, not exponential in depth (SE over nets).
#include <nnt/mlp/mlp.hpp>

#include "common/fits.hpp"
#include "common/mlp_widths.hpp"
#include "common/plot_table.hpp"
#include "common/random_draws.hpp"
#include "common/relu_regions.hpp"
#include "common/reproduce.hpp"
#include "common/stats.hpp"

using namespace nnt_examples;
using Vector = Eigen::VectorXd;
using enum nnt::parameterization;  // standard, ntk

// f = tent^L on [0, 1], tent(x) = 2 relu(x) − 4 relu(x − ½); 2 hidden neurons per layer.
nnt::mlp<double> sawtooth(int L) {
  nnt::mlp<double> net(uniform_widths(1, 2, L, 1), nnt::activation::relu(), {.param = standard});
  net.weight(0) << 1, 1;
  for (int l = 1; l < L; ++l) net.weight(l) << 2, -4, 2, -4;
  net.weight(L) << 2, -4;
  for (int l = 0; l < L; ++l) net.bias(l)(1) = -0.5;  // every other bias stays 0
  return net;
}

// Breakpoints on segments of lengths ½, 1, 4 centred at random inputs along 5 random directions,
// averaged per net (the independent unit), over He-initialised ReLU nets: input 4, depth × 16.
std::vector<std::vector<double>> cuts_per_net(int depth, int nets, nnt::random_generator& rng) {
  std::vector<std::vector<double>> per(3, std::vector<double>(std::size_t(nets), 0.0));
  for (int s = 0; s < nets; ++s) {
    nnt::mlp<double> net(uniform_widths(4, 16, depth, 1), nnt::activation::relu(),
                         {2, .1, standard});
    net.initialize(rng);
    for (int k = 0; k < 5; ++k) {
      const Vector x0 = gaussian_vector(rng, 4, 1.0), d = gaussian_vector(rng, 4, 1.0).normalized();
      for (int j = 0; j < 3; ++j) {
        const double l = std::array{0.5, 1.0, 4.0}[j];
        per[j][s] += (double(activation_breakpoints(net, x0 - 0.5 * l * d, l * d).size()) - 2) / 5;
      }
    }
  }
  return per;
}
// Regions along [−1e3, 1e3] from forward passes only: 1 + grid steps across which a hidden sign
// flips, sinh-spaced grid (1e-4 near 0); a lower bound (two flips in one step count once).
int grid_regions(const nnt::mlp<double>& net) {
  const Eigen::ArrayXd u = Eigen::ArrayXd::LinSpaced(200001, -12, 12);
  nnt::mlp_workspace<double> ws;
  net.forward(Eigen::MatrixXd((1e3 / std::sinh(12.0) * u.sinh()).matrix().transpose()), ws);
  const auto on = (ws.z[0].array() > 0).eval();
  const Eigen::Index G = on.cols() - 1;
  return 1 + int((on.leftCols(G) != on.rightCols(G)).colwise().any().count());
}
int main(int argc, char** argv) {
  const auto opt = parse_options(argc, argv, "linear regions of ReLU nets along a line (N9)");
  nnt_examples::claims claims("linear_regions");
  nnt::random_generator rng(opt.seed_for(9));
  // 1-D input, one hidden layer of n neurons: at most n + 1 regions, counted from sign patterns on
  // a grid; the exact refinement must find every kink −b_i/w_i in the segment: kinks + 1 regions.
  int max_excess = -1000, exact_count_failures = 0;
  const Vector x0 = Vector::Constant(1, -1e3), d = Vector::Constant(1, 2e3);
  for (int n : {1, 5, 20, 100})
    for (int trial = 0; trial < 10; ++trial) {
      nnt::mlp<double> net({1, n, 1}, nnt::activation::relu(), {2.0, 1.0, standard, true});
      net.initialize(rng);
      max_excess = std::max(max_excess, grid_regions(net) - (n + 1));
      const auto kinks = (net.bias(0).array() / net.weight(0).col(0).array()).abs();
      const auto regions = Eigen::Index(activation_breakpoints(net, x0, d).size()) - 1;
      exact_count_failures += regions != (kinks < 1e3).count() + 1;
    }
  claims.check_at_most("N9-one-hidden-layer-regions-minus-(n+1)", 0, max_excess);
  claims.check("N9-one-hidden-layer-regions-equal-kinks+1", 0, exact_count_failures, tol::abs, 0);
  // Sawtooth: 2^L regions with 2L hidden neurons (the course's 3L − 1 is another construction).
  plot_table saw({"depth L", "regions (exact count)", "2^L"});
  int pieces = 0, failures = 0;
  for (int L = 1; L <= 12; ++L) {
    const auto net = sawtooth(L);
    const auto cuts = activation_breakpoints(net, Vector::Zero(1), Vector::Ones(1));
    pieces = affine_pieces(net, Vector::Zero(1), Vector::Ones(1), cuts);
    failures += int(cuts.size()) - 1 != (1 << L) || pieces != (1 << L);
    saw.add_row({double(L), double(cuts.size() - 1), double(1 << L)});
  }
  claims.check_that("N9-sawtooth-regions=2^L-for-L=1..12", "2^L activation regions and pieces",
                    "L=12: " + format_number(pieces) + " pieces", failures == 0);
  saw.write(opt, "sawtooth_regions",
            linespoints("N9: Telgarsky sawtooth on [0,1]", "L", "regions", axes::log_y));
  // Random nets, input dim 4, width 16, depth 1..8: breakpoints per unit length on segments of
  // length 4; mean and SE over nets (log_se: SE of log density per depth).
  const int nets = opt.full ? 40 : 12;
  plot_table random({"depth L", "cuts per unit length", "per unit length per neuron"});
  std::vector<double> neurons, density, log_se, diff;  // diff: c(1) − 2c(½) per net, depth 4
  for (int L = 1; L <= 8; ++L) {
    const auto per = cuts_per_net(L, nets, rng);
    neurons.push_back(16.0 * L);
    density.push_back(mean(per[2]) / 4.0);
    log_se.push_back(standard_error(per[2]) / mean(per[2]));
    random.add_row({double(L), density.back(), density.back() / neurons.back()});
    // Depth 1: neuron i is cut iff |w·x₀ + b| < 2|w·d|, w ~ N(0, I/2), b ~ N(0, .1), x₀ ~ N(0, I),
    // d uniform: 16·0.52818542 cuts per length 4 (2-D quadrature, scipy dblquad).
    if (L == 1)
      claims.check("N9-depth-1-cuts-per-unit-length=closed-form", 2.1127416736, density[0],
                   tol::abs, 3 * log_se[0] * density[0]);  // 3 SE over nets
    for (int s = 0; L == 4 && s < nets; ++s) diff.push_back(per[1][s] - 2 * per[0][s]);
  }
  // Linear in length on segments short against the input scale (depth-1 quadrature: c(1)/c(½) =
  // 1.977, a 1% bias, below the SE): E[c(1) − 2c(½)] = 0 ± 3 SE over nets.
  claims.check("N9-count-grows-linearly-with-length-c(1)-2c(1/2)", 0, mean(diff), tol::abs,
               3 * standard_error(diff));
  // Hanin & Rolnick (2019): density ≤ const·#neurons: log-log slope ≤ 1 + 3 SE (2^L: ≈ 2.3).
  const auto fit = loglog_slope_with_se(neurons, density, log_se);
  claims.check_at_most("N9-random-nets-cuts-vs-neurons-loglog-slope", 1 + 3 * fit.standard_error,
                       fit.slope);
  random.write(opt, "random_net_regions",
               linespoints("N9: random ReLU nets, breakpoints along a line", "L", "count"));
  return claims.exit_code();
}
