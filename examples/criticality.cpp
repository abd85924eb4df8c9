// COURSE.md N1: criticality of deep infinite-width networks. Single-input recursion
// K^{(l+1)} = C_b + C_w E_{K^{(l)}}[σ²]; χ∥ = C_w E[σ′² + σσ″], χ⊥ = C_w E[σ′²] (kernels/criticality.hpp).
//   ReLU at (C_w, C_b) = (2, 0): K^{(l)} = K^{(1)} at every depth, χ∥ = χ⊥ = 1.
//   tanh at (1, 0): K^{(l)} → 0 only as a power law. From E tanh² = K − 2K² + (17/3)K³ + …,
//     1/K′ = 1/K + 2 − (5/3)K + …, so 2l·K^{(l)} = 1 + (5/12) ln l / l + O(1/l): the deviation
//     from 1 shrinks like ln l / l and the tolerance must depend on l (derived here; checked).
//   Off criticality the approach is exponential, |K^{(l)} − K*| ∝ χ∥(K*)^l.
//   Deep linear (σ = id, C_b = 0): K^{(l)} = C_w^{l−1} K^{(1)} exactly.
//   Critical points (χ∥ = χ⊥ = 1 at K*): roots of E_K[σσ″] = 0 (GELU, SiLU), K* = 0 for erf and
//   tanh (C_w = 1/σ′(0)²), none for softplus.
#include <nnt/core/random.hpp>
#include <nnt/kernels/criticality.hpp>
#include <nnt/kernels/nngp_ntk.hpp>

#include <numbers>

#include "common/reproduce.hpp"

using nnt_examples::format_number;
using nnt_examples::tol;

namespace {

// K^{(l)}, l = 1..depth, of one input with K^{(1)} = k1.
std::vector<double> variance_over_depth(const nnt::activation& sigma, double C_w, double C_b, double k1,
                                        nnt::Index depth) {
  std::vector<double> K{k1};
  while (static_cast<nnt::Index>(K.size()) < depth)
    K.push_back(C_b + C_w * nnt::gaussian_moments(sigma, K.back()).sigma2);
  return K;
}

}  // namespace

int main(int argc, char** argv) {
  const auto opt = nnt_examples::parse_options(argc, argv, "criticality of deep kernels (N1)");
  nnt_examples::claims claims("criticality");

  // ReLU at criticality: the variance is preserved exactly; via the Gram path on real inputs.
  nnt::random_generator rng(1);
  Eigen::MatrixXd X(10, 6);
  rng.fill_normal(X);
  nnt::kernel_gram_options all;
  all.all_layers = true;
  const auto relu = nnt::kernel_gram(nnt::fully_connected_kernel(50, nnt::activation::relu(), 2.0, 0.0), X, all);
  const double drift = (relu.nngp_layers.back().diagonal() - relu.nngp_layers.front().diagonal()).cwiseAbs().maxCoeff() /
                       relu.nngp_layers.front().diagonal().maxCoeff();
  claims.check("N1-relu-Cw=2-variance-preserved-50-layers", 0.0, drift, tol::abs, 1e-13);
  const auto chi_relu = nnt::susceptibilities_at(nnt::activation::relu(), 2.0, 1.7);
  claims.check("N1-relu-chi-parallel", 1.0, chi_relu.parallel, tol::abs, 0.0);
  claims.check("N1-relu-chi-perpendicular", 1.0, chi_relu.perpendicular, tol::abs, 0.0);

  // Deep linear: K^{(l)} = C_w^{l−1} K^{(1)}.
  const auto linear = nnt::kernel_gram(nnt::fully_connected_kernel(20, nnt::activation::identity(), 1.3, 0.0), X, all);
  const double linear_error = (linear.nngp_layers.back() - std::pow(1.3, 19) * linear.nngp_layers.front()).cwiseAbs().maxCoeff() /
                              linear.nngp_layers.back().cwiseAbs().maxCoeff();
  claims.check("N1-deep-linear-K(20)=Cw^19-K(1)", 0.0, linear_error, tol::abs, 1e-13);

  // tanh at criticality: 2l·K^{(l)} → 1 with the (5/12) ln l / l correction.
  const nnt::Index depth = opt.full ? 100000 : 20000;
  const auto tanh_K = variance_over_depth(nnt::activation::tanh(), 1.0, 0.0, 1.0, depth);
  std::vector<double> ls, scaled, correction;
  for (nnt::Index l = 10; l <= depth; l = l * 10 / 7 + 1) {
    const double v = 2.0 * double(l) * tanh_K[l - 1];
    ls.push_back(double(l));
    scaled.push_back(v);
    correction.push_back(double(l) * (v - 1));
  }
  for (nnt::Index l : {nnt::Index(100), nnt::Index(1000), depth}) {
    const double v = 2.0 * double(l) * tanh_K[l - 1];
    // tolerance from the derived correction: (5/12 ln l + 3)/l covers the O(1/l) constant
    claims.check("N1-tanh-2l*K(l)->1-at-l=" + std::to_string(l), 1.0, v, tol::abs,
                 (5.0 / 12 * std::log(double(l)) + 3.0) / double(l));
  }
  // l(2lK − 1) grows like (5/12) ln l: the slope of l(2lK − 1) against ln l over the last decade.
  const std::size_t n = ls.size();
  std::size_t i0 = 0;
  while (ls[i0] < double(depth) / 10) ++i0;
  const double slope = (correction[n - 1] - correction[i0]) / (std::log(ls[n - 1]) - std::log(ls[i0]));
  claims.check("N1-tanh-correction-slope-5/12", 5.0 / 12, slope, tol::abs, 0.03);

  // Off criticality: exponential approach with rate χ∥(K*).
  struct off_case {
    const char* name;
    nnt::activation sigma;
    double C_w, C_b;
  };
  for (const off_case& c : {off_case{"tanh-Cw=0.8", nnt::activation::tanh(), 0.8, 0.0},
                            off_case{"tanh-Cw=1.5", nnt::activation::tanh(), 1.5, 0.0},
                            off_case{"gelu-Cw=1.5-Cb=0.1", nnt::activation::gelu(), 1.5, 0.1}}) {
    const auto fp = nnt::fixed_point(c.sigma, c.C_w, c.C_b);
    const auto K = variance_over_depth(c.sigma, c.C_w, c.C_b, 2.0, 400);
    std::vector<double> l_fit, gap;
    for (nnt::Index l = 20; l < 400; ++l) {
      const double g = std::abs(K[l - 1] - fp.K_star);
      if (g < 1e-12 * (1 + fp.K_star) || g > 1e-2) continue;  // fit where rounding and nonlinearity are negligible
      l_fit.push_back(double(l));
      gap.push_back(std::log(g));
    }
    double rate = 0;
    if (l_fit.size() > 2) rate = (gap.back() - gap.front()) / (l_fit.back() - l_fit.front());
    const double chi = fp.K_star > 0 ? fp.chi_parallel : c.C_w * std::pow(c.sigma.derivative(0.0), 2);
    claims.check(std::string("N1-exponential-rate-") + c.name + "-is-ln-chi", std::log(chi), rate, tol::rel, 0.02);
    claims.report(std::string("correlation-length-") + c.name, nnt::correlation_length(chi), "depth scale -1/ln chi of the approach to K*");
  }

  // Critical points.
  for (auto sigma : {nnt::activation::gelu(), nnt::activation::silu()}) {
    int found = 0;
    for (const auto& p : nnt::critical_points(sigma)) {
      if (p.K_star == 0) {
        claims.report(sigma.name() + "-K*=0-candidate-Cw", p.C_w, p.stable ? "stable" : "repelling from above: not critical");
        continue;
      }
      ++found;
      claims.check_at_most(sigma.name() + "-critical-point-residual", 1e-10, p.residual);
      claims.check(sigma.name() + "-critical-Cw-near-1.98", 1.98, p.C_w, tol::abs, 0.01);
      claims.report(sigma.name() + "-K*", p.K_star, "critical fixed point (1e-8 or better; mpmath K* in tests/reference)");
      claims.report(sigma.name() + "-Cw", p.C_w, "critical weight variance");
      claims.report(sigma.name() + "-Cb", p.C_b, "critical bias variance");
    }
    claims.check(sigma.name() + "-number-of-critical-points-K*>0", 1.0, found, tol::abs, 0.0);
  }
  const auto erf = nnt::critical_points(nnt::activation::erf());
  claims.check("N1-erf-critical-Cw=pi/4", std::numbers::pi / 4, erf.empty() ? 0.0 : erf[0].C_w, tol::rel, 1e-15);
  claims.check("N1-erf-critical-K*=0", 0.0, erf.empty() ? 1.0 : erf[0].K_star, tol::abs, 0.0);
  claims.check("N1-softplus-has-no-critical-point", 0.0, double(nnt::critical_points(nnt::activation::softplus()).size()),
               tol::abs, 0.0);

  // Plot K^{(l)} over depth.
  std::vector<double> depth_axis;
  std::vector<std::vector<double>> curves(5);
  const auto tanh_sub = variance_over_depth(nnt::activation::tanh(), 0.8, 0.0, 1.0, 200);
  const auto tanh_super = variance_over_depth(nnt::activation::tanh(), 1.5, 0.0, 1.0, 200);
  for (nnt::Index l = 1; l <= 200; ++l) {
    depth_axis.push_back(double(l));
    curves[0].push_back(relu.nngp_layers[std::min<nnt::Index>(l, 50) - 1](0, 0));
    curves[1].push_back(tanh_K[l - 1]);
    curves[2].push_back(1.0 / (2.0 * double(l)));
    curves[3].push_back(tanh_sub[l - 1]);
    curves[4].push_back(tanh_super[l - 1]);
  }
  nnt_examples::write_plot(opt, "variance_over_depth",
                           {"layer l", "ReLU C_w=2 (to l=50)", "tanh C_w=1 (critical)", "1/(2l)", "tanh C_w=0.8", "tanh C_w=1.5"},
                           {depth_axis, curves[0], curves[1], curves[2], curves[3], curves[4]},
                           {.title = "N1: K^(l) over depth", .xlabel = "layer l", .ylabel = "K^(l)", .logx = true,
                            .logy = true, .extra = "set style data lines\nset yrange [1e-12:10]\n"});
  nnt_examples::write_plot(opt, "tanh_power_law", {"layer l", "2l K(l)", "l (2l K(l) - 1)"}, {ls, scaled, correction},
                           {.title = "N1: critical tanh, 2l K^(l) -> 1 with (5/12) ln l / l correction", .xlabel = "l",
                            .ylabel = "", .logx = true, .extra = "set style data linespoints\n"});
  return claims.exit_code();
}
