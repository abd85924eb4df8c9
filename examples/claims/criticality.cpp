// COURSE.md N1: criticality of deep infinite-width networks. Single-input recursion K^{(l+1)} =
// C_b + C_w E_{K^{(l)}}[σ²]; χ∥ = C_w E[σ′² + σσ″], χ⊥ = C_w E[σ′²] (kernels/criticality.hpp).
//   ReLU at (C_w, C_b) = (2, 0): K^{(l)} = K^{(1)} at every depth, χ∥ = χ⊥ = 1.
//   tanh at (1, 0): K^{(l)} → 0 only as a power law. From E tanh² = K − 2K² + (17/3)K³ + …,
//     1/K′ = 1/K + 2 − (5/3)K + …, so 2l·K^{(l)} = 1 + (5/12) ln l / l + O(1/l): the deviation
//     from 1 shrinks like ln l / l and the tolerance must depend on l (derived here; checked).
//   Off criticality the approach is exponential, |K^{(l)} − K*| ∝ χ∥(K*)^l.
//   Deep linear (σ = id, C_b = 0): K^{(l)} = C_w^{l−1} K^{(1)} exactly.
//   Critical points (χ∥ = χ⊥ = 1 at K*): roots of E_K[σσ″] = 0 (GELU, SiLU), K* = 0 for erf and
//   tanh (C_w = 1/σ′(0)²), none for softplus.
#include <nnt/kernels/criticality.hpp>
#include <nnt/kernels/nngp_ntk.hpp>

#include <algorithm>
#include <numbers>
#include <tuple>

#include "common/plot_table.hpp"
#include "common/random_draws.hpp"
#include "common/reproduce.hpp"

using nnt_examples::axes, nnt_examples::linespoints, nnt_examples::tol;

int main(int argc, char** argv) {
  const auto opt = nnt_examples::parse_options(argc, argv, "criticality of deep kernels (N1)");
  nnt_examples::claims claims("criticality");
  // ReLU at criticality and a deep linear net on real inputs, via the Gram path (every layer's K).
  const Eigen::MatrixXd X = nnt_examples::gaussian_matrix(nnt::random_generator(1), 10, 6);
  auto layers = [&](nnt::activation sigma, nnt::Index L, double C_w) {  // L hidden layers, C_b = 0
    const auto net = nnt::fully_connected_kernel(sigma, {.hidden_layers = L, .C_w = C_w});
    return nnt::kernel_gram(net, X, {.all_layers = true}).nngp_layers;
  };
  auto max_abs = [](const Eigen::MatrixXd& A) { return A.cwiseAbs().maxCoeff(); };
  const auto relu = layers(nnt::activation::relu(), 49, 2.0);
  const auto linear = layers(nnt::activation::identity(), 19, 1.3);
  const Eigen::VectorXd first = relu.front().diagonal(), last = relu.back().diagonal();
  claims.check("N1-relu-Cw=2-variance-preserved-50-layers", 0.0,
               max_abs(last - first) / first.maxCoeff(), tol::abs, 1e-13);
  const auto chi_relu = nnt::susceptibilities_at(nnt::activation::relu(), 2.0, 1.7);
  claims.check("N1-relu-chi-parallel", 1.0, chi_relu.parallel, tol::abs, 0.0);
  claims.check("N1-relu-chi-perpendicular", 1.0, chi_relu.perpendicular, tol::abs, 0.0);
  claims.check("N1-deep-linear-K(20)=Cw^19-K(1)", 0.0,
               max_abs(linear.back() - std::pow(1.3, 19) * linear.front()) / max_abs(linear.back()),
               tol::abs, 1e-13);
  // tanh at criticality, 2l·K^{(l)} → 1 with the (5/12) ln l / l correction. Single inputs from
  // here on: K^{(l)} = kernel_depth_profile(σ, C_w, C_b, K^{(1)}, depth)[l − 1].k11.
  const nnt::Index depth = opt.full ? 100000 : 20000;
  const auto tanh_K = nnt::kernel_depth_profile(nnt::activation::tanh(), 1.0, 0.0, 1.0, depth);
  auto scaled_at = [&](double l) { return 2 * l * tanh_K[std::size_t(l) - 1].k11; };  // 2lK
  auto correction = [&](double l) { return l * (scaled_at(l) - 1); };  // l(2lK − 1)
  nnt_examples::plot_table tanh_plot({"layer l", "2l K(l)", "l (2l K(l) - 1)"});
  for (nnt::Index l = 10; l <= depth; l = l * 10 / 7 + 1)
    tanh_plot.add_row({double(l), scaled_at(l), correction(l)});
  // tolerance from the derived correction: (5/12 ln l + 3)/l covers the O(1/l) constant
  for (nnt::Index l : {nnt::Index(100), nnt::Index(1000), depth})
    claims.check("N1-tanh-2l*K(l)->1-at-l=" + std::to_string(l), 1.0, scaled_at(l), tol::abs,
                 (5.0 / 12 * std::log(double(l)) + 3.0) / double(l));
  // l(2lK − 1) grows like (5/12) ln l: the slope of l(2lK − 1) against ln l over the last decade.
  const double l0 = *std::ranges::lower_bound(tanh_plot[0], depth / 10.0), l1 = tanh_plot[0].back();
  const double slope = (correction(l1) - correction(l0)) / std::log(l1 / l0);
  claims.check("N1-tanh-correction-slope-5/12", 5.0 / 12, slope, tol::abs, 0.03);
  // Off criticality: exponential approach with rate χ∥(K*) (χ∥ = C_w σ′(0)² at K* = 0), fitted
  // between the first and last layer where rounding and nonlinearity are negligible.
  for (const auto& [name, sigma, C_w, C_b] :
       {std::tuple{std::string("tanh-Cw=0.8"), nnt::activation::tanh(), 0.8, 0.0},
        std::tuple{std::string("tanh-Cw=1.5"), nnt::activation::tanh(), 1.5, 0.0},
        std::tuple{std::string("gelu-Cw=1.5-Cb=0.1"), nnt::activation::gelu(), 1.5, 0.1}}) {
    const auto fp = nnt::fixed_point(sigma, C_w, C_b);
    const auto K = nnt::kernel_depth_profile(sigma, C_w, C_b, 2.0, 400);
    auto gap = [&](double l) { return std::abs(K[std::size_t(l) - 1].k11 - fp.K_star); };
    std::vector<double> fit;
    for (nnt::Index l = 20; l < 400; ++l)
      if (gap(l) >= 1e-12 * (1 + fp.K_star) && gap(l) <= 1e-2) fit.push_back(double(l));
    const double rate =
        fit.size() > 2 ? std::log(gap(fit.back()) / gap(fit[0])) / (fit.back() - fit[0]) : 0.0;
    const double chi = fp.K_star > 0 ? fp.chi_parallel : C_w * std::pow(sigma.derivative(0.0), 2);
    claims.check("N1-exponential-rate-" + name + "-is-ln-chi", std::log(chi), rate, tol::rel, 0.02);
    claims.report("correlation-length-" + name, nnt::correlation_length(chi),
                  "depth scale -1/ln chi of the approach to K*");
  }
  for (auto sigma : {nnt::activation::gelu(), nnt::activation::silu()}) {  // critical points
    int found = 0;
    for (const auto& p : nnt::critical_points(sigma)) {
      if (p.K_star == 0) {
        claims.report(sigma.name() + "-K*=0-candidate-Cw", p.C_w,
                      p.attracting() ? "attracting" : "repelling from above: not critical");
        continue;
      }
      ++found;
      claims.check_at_most(sigma.name() + "-critical-point-residual", 1e-10, p.residual);
      claims.check(sigma.name() + "-critical-Cw-near-1.98", 1.98, p.C_w, tol::abs, 0.01);
      claims.report(sigma.name() + "-K*", p.K_star,
                    "critical fixed point (1e-8 or better; mpmath K* in tests/reference)");
      claims.report(sigma.name() + "-Cb", p.C_b, "critical bias variance");
    }
    claims.check(sigma.name() + "-number-of-critical-points-K*>0", 1.0, found, tol::abs, 0.0);
  }
  const auto erf = nnt::critical_points(nnt::activation::erf());
  claims.check("N1-erf-critical-Cw=pi/4", std::numbers::pi / 4, erf.empty() ? 0.0 : erf[0].C_w,
               tol::rel, 1e-15);
  claims.check("N1-erf-critical-K*=0", 0.0, erf.empty() ? 1.0 : erf[0].K_star, tol::abs, 0.0);
  claims.check("N1-softplus-has-no-critical-point", 0.0,
               double(nnt::critical_points(nnt::activation::softplus()).size()), tol::abs, 0.0);

  const auto sub = nnt::kernel_depth_profile(nnt::activation::tanh(), 0.8, 0.0, 1.0, 200);
  const auto super = nnt::kernel_depth_profile(nnt::activation::tanh(), 1.5, 0.0, 1.0, 200);
  nnt_examples::plot_table depth_plot({"layer l", "ReLU C_w=2 (to l=50)", "tanh C_w=1 (critical)",
                                       "1/(2l)", "tanh C_w=0.8", "tanh C_w=1.5"});
  for (int l = 1; l <= 200; ++l)
    depth_plot.add_row({double(l), relu[std::min(l, 50) - 1](0, 0), tanh_K[l - 1].k11,
                        1.0 / (2.0 * l), sub[l - 1].k11, super[l - 1].k11});
  auto depth_spec = linespoints("N1: K^(l) over depth", "layer l", "K^(l)", axes::log_log);
  depth_spec.extra = "set style data lines\nset yrange [1e-12:10]\n";
  depth_plot.write(opt, "variance_over_depth", depth_spec);
  auto tanh_spec =
      linespoints("N1: critical tanh, 2l K^(l) -> 1 with (5/12) ln l / l correction", "l", "");
  tanh_spec.logx = true;
  tanh_plot.write(opt, "tanh_power_law", tanh_spec);
  return claims.exit_code();
}
