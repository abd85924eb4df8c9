// COURSE.md N9: linear regions of ReLU networks along a line, counted exactly.
// On a segment x(t) = x₀ + t·d the net is piecewise affine in t. Refining layer by layer: on an
// interval where layers < l keep their activation pattern, every pre-activation of layer l is affine
// in t (and continuous), so its sign changes are at t* = t_a + (t_b − t_a)·z(t_a)/(z(t_a) − z(t_b)).
// Regions = pieces with distinct patterns. Claims: a 1-D one-hidden-layer net with n neurons has
// ≤ n + 1 regions; Telgarsky's sawtooth (tent map composed L times) has 2^L; random nets have a
// number of regions per unit length that grows like #neurons, not exponentially with depth.
#include <nnt/mlp/mlp.hpp>

#include <algorithm>

#include "common/reproduce.hpp"

using nnt_examples::tol;

namespace {

// Breakpoints in (0, 1) of the activation pattern of `net` along x₀ + t·d, t ∈ [0, 1].
std::vector<double> breakpoints(const nnt::mlp<double>& net, const Eigen::VectorXd& x0, const Eigen::VectorXd& d) {
  std::vector<double> cuts = {0.0, 1.0};
  nnt::mlp_workspace<double> ws;
  for (nnt::Index l = 0; l + 1 < net.depth(); ++l) {  // hidden layers only (the output is affine)
    Eigen::MatrixXd X(x0.size(), cuts.size());
    for (std::size_t i = 0; i < cuts.size(); ++i) X.col(i) = x0 + cuts[i] * d;
    net.forward(X, ws);
    const Eigen::MatrixXd& Z = ws.z[l];
    std::vector<double> next = cuts;
    for (std::size_t i = 0; i + 1 < cuts.size(); ++i)
      for (nnt::Index r = 0; r < Z.rows(); ++r) {
        const double za = Z(r, i), zb = Z(r, i + 1);
        if ((za < 0 && zb > 0) || (za > 0 && zb < 0)) next.push_back(cuts[i] + (cuts[i + 1] - cuts[i]) * za / (za - zb));
      }
    std::sort(next.begin(), next.end());
    // Merge cuts closer than 1e-12 (one crossing found by two neurons at once).
    cuts.clear();
    for (double t : next) if (cuts.empty() || t - cuts.back() > 1e-12) cuts.push_back(t);
  }
  return cuts;
}

// Number of pieces of the (scalar) output with distinct slopes along the segment.
int affine_pieces(const nnt::mlp<double>& net, const Eigen::VectorXd& x0, const Eigen::VectorXd& d, const std::vector<double>& cuts) {
  int pieces = 0;
  double last_slope = 1e300;
  for (std::size_t i = 0; i + 1 < cuts.size(); ++i) {
    Eigen::MatrixXd X(x0.size(), 2);
    X.col(0) = x0 + cuts[i] * d;
    X.col(1) = x0 + cuts[i + 1] * d;
    const Eigen::MatrixXd z = net.forward(X);
    const double slope = (z(0, 1) - z(0, 0)) / (cuts[i + 1] - cuts[i]);
    if (std::abs(slope - last_slope) > 1e-9 * std::max(1.0, std::abs(slope))) ++pieces;
    last_slope = slope;
  }
  return pieces;
}

// f = tent^L on [0, 1], tent(x) = 2 relu(x) − 4 relu(x − ½); 2 hidden neurons per layer.
nnt::mlp<double> sawtooth(int L) {
  std::vector<nnt::Index> widths(L + 2, 2);
  widths.front() = 1;
  widths.back() = 1;
  nnt::mlp<double> net(widths, nnt::activation::relu());
  net.weight(0) << 1, 1;
  net.bias(0) << 0, -0.5;
  for (int l = 1; l < L; ++l) {
    net.weight(l) << 2, -4, 2, -4;
    net.bias(l) << 0, -0.5;
  }
  net.weight(L) << 2, -4;
  net.bias(L) << 0;
  return net;
}

// Mean number of breakpoints on segments of the given lengths, centred at random inputs along
// random directions, over `nets` He-initialised ReLU nets (input 4, `depth` layers of width 16).
std::vector<double> mean_cuts(int depth, const std::vector<double>& lengths, int nets, int lines,
                              nnt::random_generator& rng) {
  std::vector<nnt::Index> widths(depth + 2, 16);
  widths.front() = 4;
  widths.back() = 1;
  std::vector<double> mean(lengths.size(), 0.0);
  for (int s = 0; s < nets; ++s) {
    nnt::mlp<double> net(widths, nnt::activation::relu(), {nnt::parameterization::standard, 2.0, 0.1, true});
    net.initialize(rng);
    for (int k = 0; k < lines; ++k) {
      Eigen::VectorXd x0(4), d(4);
      rng.fill_normal(x0);
      rng.fill_normal(d);
      d /= d.norm();
      for (std::size_t j = 0; j < lengths.size(); ++j)
        mean[j] += (double(breakpoints(net, x0 - 0.5 * lengths[j] * d, lengths[j] * d).size()) - 2) / (nets * lines);
    }
  }
  return mean;
}

}  // namespace

int main(int argc, char** argv) {
  const auto opt = nnt_examples::parse_options(argc, argv, "linear regions of ReLU nets along a line (N9)");
  nnt_examples::claims claims("linear_regions");
  nnt::random_generator rng(9);

  // 1-D input, one hidden layer of n neurons: at most n + 1 regions; every kink −b_i/w_i inside the
  // segment is one cut, so on a segment containing all of them the count is exactly n + 1.
  int max_excess = -1000, exact_count_failures = 0;
  for (int n : {1, 5, 20, 100}) {
    for (int trial = 0; trial < 10; ++trial) {
      nnt::mlp<double> net({1, n, 1}, nnt::activation::relu(), {nnt::parameterization::standard, 2.0, 1.0, true});
      net.initialize(rng);
      Eigen::VectorXd x0(1), d(1);
      x0 << -1e3;
      d << 2e3;
      const auto cuts = breakpoints(net, x0, d);
      const int regions = int(cuts.size()) - 1;
      max_excess = std::max(max_excess, regions - (n + 1));
      int inside = 0;
      for (int i = 0; i < n; ++i) inside += std::abs(net.bias(0)(i) / net.weight(0)(i, 0)) < 1e3;
      exact_count_failures += regions != inside + 1;
    }
  }
  claims.check_at_most("N9-one-hidden-layer-regions-minus-(n+1)", 0, max_excess);
  claims.check("N9-one-hidden-layer-regions-equal-kinks+1", 0, exact_count_failures, tol::abs, 0);

  // Sawtooth: 2^L regions with 2L hidden neurons (the course's 3L − 1 counts a different
  // construction of the tent map; the region count is the claim).
  std::vector<double> depth, saw_regions, saw_pieces, powers;
  bool all_ok = true;
  for (int L = 1; L <= 12; ++L) {
    const auto net = sawtooth(L);
    Eigen::VectorXd x0(1), d(1);
    x0 << 0;
    d << 1;
    const auto cuts = breakpoints(net, x0, d);
    const int regions = int(cuts.size()) - 1, pieces = affine_pieces(net, x0, d, cuts);
    all_ok = all_ok && regions == (1 << L) && pieces == (1 << L);
    depth.push_back(L);
    saw_regions.push_back(regions);
    saw_pieces.push_back(pieces);
    powers.push_back(double(1 << L));
  }
  claims.check_that("N9-sawtooth-regions=2^L-for-L=1..12", "2^L activation regions and 2^L affine pieces",
                    "L=12: " + nnt_examples::format_number(saw_regions.back()) + " regions, " +
                        nnt_examples::format_number(saw_pieces.back()) + " pieces", all_ok);
  nnt_examples::write_plot(opt, "sawtooth_regions", {"depth L", "regions (exact count)", "2^L"},
                           {depth, saw_regions, powers},
                           {.title = "N9: Telgarsky sawtooth, regions along [0,1]", .xlabel = "L", .ylabel = "regions",
                            .logy = true, .extra = "set style data linespoints\n"});

  // Random nets (He init: C_w = 2, C_b = 0.1), input dim 4, width 16, depth 1..8: mean breakpoints
  // per unit length (and per neuron) on segments of length 4 centred at random inputs.
  const int nets = opt.full ? 40 : 12, lines = 5;
  std::vector<double> depths, per_neuron, total;
  for (int L = 1; L <= 8; ++L) {
    const double per_length = mean_cuts(L, {4.0}, nets, lines, rng)[0] / 4.0;
    depths.push_back(L);
    total.push_back(per_length);
    per_neuron.push_back(per_length / (16.0 * L));
  }
  // Hanin & Rolnick (2019): the density of breakpoints per unit length is ≈ (#neurons)·const.
  // Exponential growth in depth would make the ratio ~2^7; a linear law keeps it O(1).
  const double ratio = per_neuron.back() / per_neuron.front();
  claims.check_that("N9-random-nets-cuts-per-neuron-per-length-depth-8-vs-1", "ratio in [1/3, 3]",
                    nnt_examples::format_number(ratio), ratio > 1.0 / 3 && ratio < 3);
  // Doubling a segment centred on typical inputs doubles the count: length 2 vs 1 at L = 4. (The
  // density of breakpoints falls far from the data, where fewer hyperplanes pass, so the linear law
  // is local: a segment of length 8 gets only ≈ 1.5x the count of length 4.)
  const auto c = mean_cuts(4, {1.0, 2.0}, nets, lines, rng);
  claims.check_that("N9-count-grows-linearly-with-length", "count(2)/count(1) in [1.6, 2.4]",
                    nnt_examples::format_number(c[1] / c[0]), c[1] / c[0] > 1.6 && c[1] / c[0] < 2.4);
  for (std::size_t i = 0; i < depths.size(); ++i)
    claims.report("random-net-cuts-per-unit-length-L=" + std::to_string(int(depths[i])), total[i], "width 16, input dim 4, He init");
  nnt_examples::write_plot(opt, "random_net_regions", {"depth L", "cuts per unit length", "per unit length per neuron"},
                           {depths, total, per_neuron},
                           {.title = "N9: random ReLU nets, breakpoints along a line", .xlabel = "L", .ylabel = "count",
                            .extra = "set style data linespoints\n"});
  return claims.exit_code();
}
