// COURSE.md N7: moments by path counting in deep ReLU nets (C_w = 2, C_b = 0, no biases, n₀ = 16
// inputs, L hidden layers of width n, one output z). E[(∂z/∂x_p)²] = 2/n₀ at any depth and width;
// E[(∂z/∂x_p)⁴] = 3(2/n₀)²E[Y²] = (12/n₀²)e^β to leading order, β = 5Σ_l 1/n_l (Y, the normalised
// gradient norm of the last hidden layer, is log-normal: path_counting); over L ∈ {2, 4, 8},
// n ∈ {32, 64, 128}. In the NTK parameterisation E[Θ_aa] = 2(L + 1)‖x_a‖²/n₀: each of the L + 1
// weight layers, the readout included, adds 2‖x_a‖²/n₀ (COURSE.md's 2L counts all weight layers);
// tolerance 4 standard errors plus 5/n relative (finite-width corrections to the mean are O(1/n)).
#include <nnt/kernels/empirical.hpp>
#include <nnt/kernels/nngp_ntk.hpp>
#include <nnt/mlp/derivatives.hpp>

#include <algorithm>

#include "common/reproduce.hpp"
#include "common/stats.hpp"

using namespace nnt_examples;

namespace {

// ∂z/∂x_p of `nets` networks {n₀, n, …, n, 1} (L hidden layers of width n), all n₀ directions p.
std::vector<double> input_derivatives(nnt::Index n0, nnt::Index L, nnt::Index n, int nets,
                                      std::uint64_t seed) {
  std::vector<nnt::Index> widths(L + 1, n);
  widths.front() = n0;
  widths.push_back(1);
  nnt::mlp<double> net(widths, nnt::activation::relu(),
                       {2.0, 0.0, nnt::parameterization::standard, false});
  Eigen::MatrixXd x(n0, 1);
  nnt::random_generator(seed).fill_normal(x);
  std::vector<double> g;
  for (int s = 0; s < nets; ++s) {
    net.initialize(nnt::stream_seed(seed, std::uint64_t(s)));
    const Eigen::MatrixXd J = nnt::input_jacobian(net, x);  // 1 × n₀
    for (nnt::Index p = 0; p < n0; ++p) g.push_back(J(0, p));
  }
  return g;
}

}  // namespace

int main(int argc, char** argv) {
  const auto opt = parse_options(argc, argv, "moments by path counting in deep ReLU nets (N7)");
  nnt_examples::claims claims("path_counting_moments");
  const nnt::Index n0 = 16;
  const int nets = opt.full ? 4000 : 600;
  // directions p of one net are dependent: inflate the standard error by √n₀ (conservative)
  const double inflate = std::sqrt(double(n0));
  double worst_g2 = 0, worst_g4 = 0;
  std::uint64_t seed = 1;
  for (nnt::Index n : {32, 64, 128})
    for (nnt::Index L : {2, 4, 8}) {
      std::vector<double> g2, g4;
      for (double g : input_derivatives(n0, L, n, nets, seed++))
        g2.push_back(g * g), g4.push_back(g * g * g * g);
      worst_g2 = std::max(worst_g2, std::abs(mean(g2) - 2.0 / n0) / (standard_error(g2) * inflate));
      const double g4_theory = 12.0 / double(n0 * n0) * std::exp(5.0 * double(L) / double(n));
      worst_g4 = std::max(worst_g4, std::abs(mean(g4) / g4_theory - 1));
    }
  claims.check_at_most("N7-E(dz/dx)^2=2/n0-worst-z-score", 4.0, worst_g2);
  // fourth moment: leading order in 1/n; the tolerance covers O(L/n²) terms and the heavy-tailed
  // Monte-Carlo error (measured spread over the configurations)
  claims.check_at_most("N7-E(dz/dx)^4=(12/n0^2)exp(5 sum 1/n)-worst-relative-error", 0.25,
                       worst_g4);

  // NTK diagonal: L = 4 hidden layers of width 256, 200 nets; exact for the infinite recursion
  Eigen::MatrixXd x(n0, 1);
  nnt::random_generator(5).fill_normal(x);
  const nnt::Index L = 4, n = 256;
  nnt::mlp<double> ntk_net({n0, n, n, n, n, 1}, nnt::activation::relu(),
                           {2.0, 0.0, nnt::parameterization::ntk, false});
  std::vector<double> theta;
  for (int s = 0; s < 200; ++s) {
    ntk_net.initialize(nnt::stream_seed(9, std::uint64_t(s)));
    theta.push_back(nnt::empirical_ntk(ntk_net, x)(0, 0));
  }
  const double expected = 2.0 * double(L + 1) * x.squaredNorm() / double(n0);
  claims.check("N7-E-Theta_aa=2(L+1)|x|^2/n0", expected, mean(theta), tol::abs,
               4 * standard_error(theta) + expected * 5.0 / double(n));
  claims.check("N7-infinite-Theta_aa=2(L+1)|x|^2/n0", expected,
               nnt::ntk_gram(nnt::kernel_of(ntk_net), x)(0, 0), tol::rel, 1e-14);
  return claims.exit_code();
}
