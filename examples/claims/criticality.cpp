// COURSE.md N1 (+ N20 erratum): criticality. K′ = C_b + C_w E_K[σ²], χ∥ = C_w E[σ′² + σσ″],
// χ⊥ = C_w E[σ′²]. ReLU (2, 0): K^{(l)} = K^{(1)}. Linear (C_b = 0): K^{(l)} = C_w^{l−1} K^{(1)}.
// K* = 0 (tanh C_w = 1, erf π/4): K′ = K − 2K² + cK³ ⇒ 1/K′ = 1/K + 2 + (4 − c)K ⇒ 2l·K^{(l)} =
// 1 + ((c − 4)/4) ln l / l + O(1/l); c = 17/3 (tanh), 14/3 (erf: E erf² = (2/π)asin(2K/(1+2K))).
// Off criticality |K^{(l)} − K*| ∝ χ∥(K*)^l. K* > 0 (GELU, SiLU): F = K′ − K = −aδ² + bδ³ + …
// (δ = K − K*, a double root) ⇒ 1/δ grows by a − bδ + … a layer: δ ≈ 1/(al), a power law.
#include <nnt/kernels/criticality.hpp>
#include <nnt/kernels/nngp_ntk.hpp>

#include <numbers>
#include <tuple>

#include "common/random_draws.hpp"
#include "common/reproduce.hpp"

using nnt::activation, nnt_examples::tol;

int main(int argc, char** argv) {
  const auto opt = nnt_examples::parse_options(argc, argv, "criticality of deep kernels (N1)");
  nnt_examples::claims claims("criticality");
  const Eigen::MatrixXd X =
      nnt_examples::gaussian_matrix(nnt::random_generator(opt.seed_for(1)), 10, 6);
  auto layers = [&](activation sigma, nnt::Index L, double C_w) {  // Gram path, C_b = 0
    const auto net = nnt::fully_connected_kernel(sigma, {.hidden_layers = L, .C_w = C_w});
    return nnt::kernel_gram(net, X, {.all_layers = true}).nngp_layers;
  };
  auto sup = [](const Eigen::MatrixXd& A) { return A.cwiseAbs().maxCoeff<Eigen::PropagateNaN>(); };
  const auto relu = layers(activation::relu(), 49, 2.0),
             linear = layers(activation::identity(), 19, 1.3);
  const Eigen::VectorXd drift = relu.back().diagonal() - relu.front().diagonal();
  // exact maps (ReLU halves, identity scales): ≤ 50 roundings of 1e-16 each
  claims.check("N1-relu-Cw=2-variance-preserved-50-layers", 0.0, sup(drift) / sup(relu[0]),
               tol::abs, 1e-13);
  const auto chi = nnt::susceptibilities_at(activation::relu(), 2.0, 1.7);  // 2·½: exact
  claims.check("N1-relu-chi-parallel=chi-perp=1", 0.0,
               nnt_examples::nan_max(std::abs(chi.parallel - 1), std::abs(chi.perpendicular - 1)),
               tol::abs, 0.0);
  claims.check("N1-deep-linear-K(20)=Cw^19-K(1)", 0.0,
               sup(linear.back() - std::pow(1.3, 19) * linear.front()) / sup(linear.back()),
               tol::abs, 1e-13);
  const double step = linear[1](0, 0) / linear[0](0, 0);  // one layer of nnt's recursion
  claims.erratum("N20-identity-Cb=0", "K(l+1) = C_w^2 K(l)", "K(l+1) = C_w K(l)",
                 "K(2)/K(1) = " + nnt_examples::format_number(step) + " at C_w = 1.3");
  // K* = 0: tanh at (1, 0), erf at (C_w, 0) with nnt's critical C_w; single inputs from here on
  const nnt::Index depth = opt.full ? 100000 : 20000;
  const auto tanh_K = nnt::kernel_depth_profile(activation::tanh(), 1.0, 0.0, 1.0, depth);
  const double erf_C_w = nnt::critical_points(activation::erf()).at(0).C_w;  // π/4 = 1/σ′(0)²
  const auto erf_K = nnt::kernel_depth_profile(activation::erf(), erf_C_w, 0.0, 1.0, depth);
  double k = 1, erf_gap = 0;  // K′ = ½ asin(2K/(1+2K)): the closed-form recursion at C_w = π/4
  for (const auto& e : erf_K)
    erf_gap = nnt_examples::nan_max(erf_gap, std::abs(e.k11 / k - 1)),
    k = std::asin(2 * k / (1 + 2 * k)) / 2;
  // ≲ 4 roundings (1.1e-16) a layer, carried with factor 1 − 2K ≤ 1: at most linear growth
  claims.check("N1-erf-recursion-equals-closed-form", 0.0, erf_gap, tol::abs, 5e-16 * depth);
  auto scaled = [](const auto& K, double l) { return 2 * l * K[std::size_t(l) - 1].k11; };
  const double l0 = double(depth / 10), l1 = double(depth);
  for (const auto& [name, K, c] :
       {std::tuple{"tanh", &tanh_K, 5.0 / 12}, std::tuple{"erf", &erf_K, 1.0 / 6}}) {
    // tolerance from the derived correction: (c ln l + 3)/l covers the O(1/l) constant
    for (nnt::Index l : {nnt::Index(100), nnt::Index(1000), depth})
      claims.check(std::string("N1-") + name + "-2l*K(l)->1-at-l=" + std::to_string(l), 1.0,
                   scaled(*K, double(l)), tol::abs, (c * std::log(double(l)) + 3) / l);
    // slope of l(2lK − 1) against ln l over the last decade: the O(ln² l / l) next terms move it
    // by ≲ ln²(l0)/(l0 ln 10) ≈ 0.013 per unit coefficient; 0.03 allows coefficients up to ~2
    const double slope =
        (l1 * (scaled(*K, l1) - 1) - l0 * (scaled(*K, l0) - 1)) / std::log(l1 / l0);
    claims.check(std::string("N1-") + name + "-correction-slope", c, slope, tol::abs, 0.03);
  }
  // Off criticality: exponential approach with rate ln χ∥(K*), fitted where |δ| ≤ 1e-2 so the
  // nonlinear factor 1 + O(δ) shifts the fitted rate by ≲ 1e-2/Δl ≪ 2% of |ln χ| ≥ 0.2.
  for (const auto& [name, sigma, C_w, C_b] :
       {std::tuple{"tanh-Cw=0.8", activation::tanh(), 0.8, 0.0},
        std::tuple{"tanh-Cw=1.5", activation::tanh(), 1.5, 0.0},
        std::tuple{"gelu-Cw=1.5-Cb=0.1", activation::gelu(), 1.5, 0.1}}) {
    const auto fp = nnt::fixed_point(sigma, C_w, C_b);
    const auto K = nnt::kernel_depth_profile(sigma, C_w, C_b, 2.0, 400);
    auto gap = [&](double l) { return std::abs(K[std::size_t(l) - 1].k11 - fp.K_star); };
    std::vector<double> fit;  // layers with 1e-12(1 + K*) ≤ δ ≤ 1e-2 (rounding, nonlinearity)
    for (nnt::Index l = 20; l < 400; ++l)
      if (gap(l) >= 1e-12 * (1 + fp.K_star) && gap(l) <= 1e-2) fit.push_back(double(l));
    const double rate =
        fit.size() > 2 ? std::log(gap(fit.back()) / gap(fit[0])) / (fit.back() - fit[0]) : 0.0;
    const double chi_l = fp.K_star > 0 ? fp.chi_parallel : C_w * std::pow(sigma.derivative(0.0), 2);
    claims.check(std::string("N1-exponential-rate-") + name + "-is-ln-chi", std::log(chi_l), rate,
                 tol::rel, 0.02);
  }
  // (K*, C_w, C_b) vs mpmath (tests/reference/criticality_reference.py); GELU K* = (3 + √17)/2
  for (const auto& [sigma, K_ref, C_w_ref, C_b_ref] :
       {std::tuple{activation::gelu(), (3 + std::sqrt(17.0)) / 2, 1.98305825744, 0.17292239076},
        std::tuple{activation::silu(), 14.3201736180, 1.98800467827, 0.55514317072}}) {
    const std::string id = "N1-" + sigma.name() + "-critical-";
    auto points = nnt::critical_points(sigma);  // K* = 0 with C_w = 4 repels (K′ − K ≈ +K²)
    std::erase_if(points, [](const auto& p) { return p.K_star == 0; });
    claims.check_that(id + "point-K*>0-unique", "1", std::to_string(points.size()),
                      points.size() == 1);
    for (const auto& p : points) {
      claims.check(id + "K*", K_ref, p.K_star, tol::rel, 1e-8);  // COURSE: "report to 1e-8"
      claims.check(id + "Cw", C_w_ref, p.C_w, tol::rel, 1e-8);
      claims.check(id + "Cb", C_b_ref, p.C_b, tol::rel, 1e-8);
      // a, b by central differences of F at K* ± h (h = 2% K*: O(h²) ≲ 2% error in a)
      auto F = [&](double K) {
        return p.C_b + p.C_w * nnt::single_input_gaussian_moments(sigma, K).sigma2 - K;
      };
      const double h = 0.02 * p.K_star, Fp = F(p.K_star + h), Fm = F(p.K_star - h);
      const double a = -(Fp + Fm) / (2 * h * h), b = (Fp - Fm) / (2 * h * h * h);
      // L layers from K*(1 ± 0.1) on the attracting side (aδ > 0): over [L/2, L] 1/δ grows by
      // a per layer within |b·δ(L/2)| + the FD error (an exponential χ^l: by |ln χ|/δ instead)
      const nnt::Index L = opt.full ? 400000 : 100000;
      const auto K =
          nnt::kernel_depth_profile(sigma, p.C_w, p.C_b, (a > 0 ? 1.1 : 0.9) * p.K_star, L);
      auto inv = [&](nnt::Index l) { return 1 / (K[std::size_t(l) - 1].k11 - p.K_star); };
      claims.check(id + "power-law-1/delta-grows-by-a-per-layer", a,
                   (inv(L) - inv(L / 2)) / double(L / 2), tol::abs,
                   std::abs(b / inv(L / 2)) + 0.02 * std::abs(a));
    }
  }
  claims.check("N1-softplus-has-no-critical-point", 0.0,
               double(nnt::critical_points(activation::softplus()).size()), tol::abs, 0.0);
  return claims.exit_code();
}
