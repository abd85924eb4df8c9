// nnt/kernels/empirical.hpp — kernels of finite networks, next to the infinite-width ones:
//   empirical_ntk   Θ((a,i),(b,j)) = Σ_θ ∂z_i(x_a)/∂θ ∂z_j(x_b)/∂θ of an mlp in the structured
//                   form Σ_l ⟨δ_l(a,i), δ_l(b,j)⟩ (s_w,l² ⟨a_{l−1}(a), a_{l−1}(b)⟩ + s_b²),
//                   δ_l = ∂z_i/∂z_l: two GEMMs per layer, never the P × N·k Jacobian
//                   (rows a·k + i, example-major)
//   monte_carlo_nngp  E[z_i(x_a) z_i(x_b)] over random initialisations, with standard errors from
//                   the independent networks (COURSE.md N2)
//   kernel_of       the kernel_network of an mlp's architecture, whose ntk_gram is the width → ∞
//                   limit of empirical_ntk (standard parameterisation: per the given widths)
#pragma once

#include "../core/detail/thread_stable_product.hpp"
#include "../core/error.hpp"
#include "../core/random.hpp"
#include "../core/types.hpp"
#include "../mlp/mlp.hpp"
#include "layer.hpp"

#include <cmath>
#include <cstdint>
#include <vector>

namespace nnt {

/// The infinite-width kernel network of `net`'s architecture.
template <class S>
kernel_network kernel_of(const mlp<S>& net) {
  const auto& o = net.options();
  std::vector<kernel_step> steps;
  for (Index l = 0; l < net.depth(); ++l) {
    steps.push_back(dense(o.C_w, o.C_b, o.param, net.width(l), o.bias));
    if (!(net.layer_activation(l) == activation::identity()))
      steps.push_back(nonlinearity(net.layer_activation(l)));
  }
  return kernel_network(std::move(steps));
}

/// Empirical NTK of `net` on X (d × N): (N·k) × (N·k), entry (a·k + i, b·k + j).
template <class S>
Matrix<S> empirical_ntk(const mlp<S>& net, const matrix_arg<S>& X) {
  require_rows("X", net.input_dim(), X.rows());
  require_at_least<Index>("X.cols()", X.cols(), 1);
  require_finite("X", X);
  const Index L = net.depth(), N = X.cols(), k = net.output_dim(),
              Nk = checked_product("X.cols()", N, k);
  require_allocation("X.cols() (the N·k × N·k kernel)", checked_product("X.cols()", Nk, Nk),
                     sizeof(S));
  mlp_workspace<S> fwd;
  net.forward(X, fwd);
  // D holds δ_l for every (example, output) pair: n_l × (N·k), column a·k + i.
  Matrix<S> D(k, Nk), D_prev, deriv;
  D.setZero();
  for (Index a = 0; a < N; ++a)
    for (Index i = 0; i < k; ++i) D(i, a * k + i) = S(1);
  Matrix<S> theta = Matrix<S>::Zero(Nk, Nk), H(N, N), G(Nk, Nk);
  for (Index l = L - 1; l >= 0; --l) {
    // δ_l = g_l ⊙ σ′(z_l): σ′ of example a multiplies the k columns of that example.
    if (!(net.layer_activation(l) == activation::identity())) {
      deriv.resize(net.width(l + 1), N);
      net.layer_activation(l).derivative_into(fwd.z[l].array(), deriv.array());
      for (Index a = 0; a < N; ++a)
        D.middleCols(a * k, k).array().colwise() *= deriv.col(a).array();
    }
    const real_type_t<S> sw = net.weight_scale(l), sb = net.bias_scale();
    detail::thread_stable_product(H, fwd.a[l].transpose(), fwd.a[l], S(1));
    detail::thread_stable_product(G, D.transpose(), D, S(1));
    for (Index b = 0; b < N; ++b)
      for (Index a = 0; a < N; ++a) {
        const S factor = sw * sw * H(a, b) + (net.options().bias ? S(sb * sb) : S(0));
        theta.block(a * k, b * k, k, k) += factor * G.block(a * k, b * k, k, k);
      }
    if (l > 0) {
      detail::thread_stable_product(D_prev, net.weight(l).transpose(), D, sw);
      D.swap(D_prev);
    }
  }
  return theta;
}

/// Monte-Carlo estimate of the NNGP kernel of an architecture.
template <class S = double>
struct monte_carlo_kernel {
  Matrix<S> mean;            ///< N × N: average of z_i(x_a) z_i(x_b) over samples and outputs i
  Matrix<S> standard_error;  ///< N × N: of that average (over samples, outputs averaged first)
  Index samples = 0;         ///< networks drawn (≥ 2), the count behind mean and standard_error
};

/// Draws `samples` networks of `architecture`'s shape (its parameters are ignored; sample s uses
/// random_generator::for_task(seed, s)) and averages the outputs' second moments on X.
template <class S>
monte_carlo_kernel<S> monte_carlo_nngp(const mlp<S>& architecture, const matrix_arg<S>& X,
                                       Index samples, std::uint64_t seed) {
  require_rows("X", architecture.input_dim(), X.rows());
  require_finite("X", X);
  require_at_least<Index>("samples", samples, 2);
  require_at_least<Index>("X.cols()", X.cols(), 1);
  const Index N = X.cols(), k = architecture.output_dim();
  require_allocation("X.cols() (the N × N kernel)", checked_product("X.cols()", N, N),
                     3 * sizeof(S));
  mlp<S> net = architecture;
  mlp_workspace<S> ws;
  Matrix<S> sum = Matrix<S>::Zero(N, N), sum_sq = Matrix<S>::Zero(N, N), C(N, N);
  for (Index s = 0; s < samples; ++s) {
    random_generator rng = random_generator::for_task(seed, static_cast<std::uint64_t>(s));
    net.initialize(rng);
    const Matrix<S>& Z = net.forward(X, ws);
    detail::thread_stable_product(C, Z.transpose(), Z, S(1) / S(k));
    sum += C;
    sum_sq.array() += C.array().square();
  }
  monte_carlo_kernel<S> r;
  r.samples = samples;
  r.mean = sum / S(samples);
  const S n = S(samples);
  r.standard_error =
      ((sum_sq / n - r.mean.cwiseAbs2()).cwiseMax(S(0)) * (n / (n - 1)) / n).cwiseSqrt();
  return r;
}

}  // namespace nnt
