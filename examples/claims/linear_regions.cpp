// COURSE.md N9: linear regions of ReLU networks along a line, counted exactly.
// On a segment x(t) = x₀ + t·d the net is piecewise affine in t; refining layer by layer finds
// every sign change of every pre-activation (common/relu_regions.hpp). Regions = pieces with
// distinct activation patterns. Claims: a 1-D one-hidden-layer net with n neurons has ≤ n + 1
// regions; Telgarsky's sawtooth (tent map composed L times) has 2^L; random nets have a number of
// regions per unit length that grows like #neurons, not exponentially with depth.
#include <nnt/mlp/mlp.hpp>

#include "common/mlp_widths.hpp"
#include "common/plot_table.hpp"
#include "common/relu_regions.hpp"
#include "common/reproduce.hpp"

using namespace nnt_examples;
using Vector = Eigen::VectorXd;
using enum nnt::parameterization;  // standard, ntk

namespace {

// f = tent^L on [0, 1], tent(x) = 2 relu(x) − 4 relu(x − ½); 2 hidden neurons per layer.
nnt::mlp<double> sawtooth(int L) {
  nnt::mlp<double> net(uniform_widths(1, 2, L, 1), nnt::activation::relu(), {.param = standard});
  net.weight(0) << 1, 1;
  for (int l = 1; l < L; ++l) net.weight(l) << 2, -4, 2, -4;
  net.weight(L) << 2, -4;
  for (int l = 0; l < L; ++l) net.bias(l)(1) = -0.5;  // every other bias stays 0
  return net;
}

// Mean number of breakpoints on segments of the given lengths centred at random inputs along 5
// random directions per net, over He-initialised ReLU nets: input 4, `depth` layers of width 16.
std::vector<double> mean_cuts(int depth, const std::vector<double>& lengths, int nets,
                              nnt::random_generator& rng) {
  std::vector<double> mean(lengths.size(), 0.0);
  for (int s = 0; s < nets; ++s) {
    nnt::mlp<double> net(uniform_widths(4, 16, depth, 1), nnt::activation::relu(),
                         {2.0, 0.1, standard, true});
    net.initialize(rng);
    for (int k = 0; k < 5; ++k) {
      Vector x0(4), d(4);
      rng.fill_normal(x0);
      rng.fill_normal(d);
      d /= d.norm();
      for (std::size_t j = 0; j < lengths.size(); ++j) {
        const auto cuts = activation_breakpoints(net, x0 - 0.5 * lengths[j] * d, lengths[j] * d);
        mean[j] += (double(cuts.size()) - 2) / (nets * 5);
      }
    }
  }
  return mean;
}

}  // namespace

int main(int argc, char** argv) {
  const auto opt = parse_options(argc, argv, "linear regions of ReLU nets along a line (N9)");
  nnt_examples::claims claims("linear_regions");
  nnt::random_generator rng(9);

  // 1-D input, one hidden layer of n neurons: at most n + 1 regions; every kink −b_i/w_i inside the
  // segment is one cut, so on a segment containing all of them the count is exactly n + 1.
  int max_excess = -1000, exact_count_failures = 0;
  const Vector x0 = Vector::Constant(1, -1e3), d = Vector::Constant(1, 2e3);
  for (int n : {1, 5, 20, 100})
    for (int trial = 0; trial < 10; ++trial) {
      nnt::mlp<double> net({1, n, 1}, nnt::activation::relu(), {2.0, 1.0, standard, true});
      net.initialize(rng);
      const int regions = int(activation_breakpoints(net, x0, d).size()) - 1;
      max_excess = std::max(max_excess, regions - (n + 1));
      const auto kinks = (net.bias(0).array() / net.weight(0).col(0).array()).abs();
      exact_count_failures += regions != (kinks < 1e3).count() + 1;
    }
  claims.check_at_most("N9-one-hidden-layer-regions-minus-(n+1)", 0, max_excess);
  claims.check("N9-one-hidden-layer-regions-equal-kinks+1", 0, exact_count_failures, tol::abs, 0);

  // Sawtooth: 2^L regions with 2L hidden neurons (the course's 3L − 1 counts a different
  // construction of the tent map; the region count is the claim).
  plot_table saw({"depth L", "regions (exact count)", "2^L"});
  int pieces = 0, failures = 0;
  for (int L = 1; L <= 12; ++L) {
    const auto net = sawtooth(L);
    const auto cuts = activation_breakpoints(net, Vector::Zero(1), Vector::Ones(1));
    const int regions = int(cuts.size()) - 1;
    pieces = affine_pieces(net, Vector::Zero(1), Vector::Ones(1), cuts);
    failures += regions != (1 << L) || pieces != (1 << L);
    saw.add_row({double(L), double(regions), double(1 << L)});
  }
  claims.check_that(
      "N9-sawtooth-regions=2^L-for-L=1..12", "2^L activation regions and 2^L affine pieces",
      "L=12: " + format_number(saw[1].back()) + " regions, " + format_number(pieces) + " pieces",
      failures == 0);
  saw.write(
      opt, "sawtooth_regions",
      linespoints("N9: Telgarsky sawtooth, regions along [0,1]", "L", "regions", axes::log_y));

  // Random nets, input dim 4, width 16, depth 1..8: mean breakpoints per unit length (and per
  // neuron) on segments of length 4 centred at random inputs.
  const int nets = opt.full ? 40 : 12;
  plot_table random({"depth L", "cuts per unit length", "per unit length per neuron"});
  for (int L = 1; L <= 8; ++L) {
    const double per_length = mean_cuts(L, {4.0}, nets, rng)[0] / 4.0;
    random.add_row({double(L), per_length, per_length / (16.0 * L)});
    claims.report("random-net-cuts-per-unit-length-L=" + std::to_string(L), per_length,
                  "width 16, input dim 4, He init");
  }
  // Hanin & Rolnick (2019): the density of breakpoints per unit length is ≈ (#neurons)·const.
  // Exponential growth in depth would make the ratio ~2^7; a linear law keeps it O(1).
  const double ratio = random[2].back() / random[2].front();
  claims.check_that("N9-random-nets-cuts-per-neuron-per-length-depth-8-vs-1", "ratio in [1/3, 3]",
                    format_number(ratio), ratio > 1.0 / 3 && ratio < 3);
  // Doubling a segment centred on typical inputs doubles the count: length 2 vs 1 at L = 4. (The
  // density of breakpoints falls far from the data, where fewer hyperplanes pass, so the linear law
  // is local: a segment of length 8 gets only ≈ 1.5x the count of length 4.)
  const auto c = mean_cuts(4, {1.0, 2.0}, nets, rng);
  claims.check_that("N9-count-grows-linearly-with-length", "count(2)/count(1) in [1.6, 2.4]",
                    format_number(c[1] / c[0]), c[1] / c[0] > 1.6 && c[1] / c[0] < 2.4);
  random.write(opt, "random_net_regions",
               linespoints("N9: random ReLU nets, breakpoints along a line", "L", "count"));
  return claims.exit_code();
}
