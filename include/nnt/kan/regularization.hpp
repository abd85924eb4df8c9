// nnt/kan/regularization.hpp — the KAN sparsity regulariser (Liu et al. 2024, §2.5) on the batch of
// the last forward pass: |φ_{j,i}|₁ = mean_n |φ_{j,i}(x_i(n))|, per layer L1 = Σ_{j,i} |φ_{j,i}|₁
// and entropy S_l = −Σ p log p with p = |φ_{j,i}|₁ / L1, R = λ(μ₁ Σ_l L1_l + μ₂ Σ_l S_l). Its
// gradient runs back through earlier layers like the loss's (kan::layer_vjp), with ∂R/∂φ_{j,i}(n) =
// R_{ji} sign(φ)/N, R_{ji} = λμ₁ − λμ₂(log p_{ji} − Σ p log p)/L1_l.
#pragma once

#include "../core/error.hpp"
#include "../core/types.hpp"
#include "kan.hpp"

#include <cmath>
#include <vector>

namespace nnt {

/// Weights of the sparsity regulariser R = λ(μ₁ Σ_l L1_l + μ₂ Σ_l S_l).
struct kan_regularization {
  double lambda = 0.0;  ///< overall strength λ ≥ 0 (0: none)
  double mu1 = 1.0;     ///< weight of the L1 term
  double mu2 = 1.0;     ///< weight of the entropy term
};

namespace detail {

// Edge values φ_{j,i}(x_i(n)) of layer l, one (i, n) at a time (O(N n_in n_out (k+1))). Returns the
// mean |φ| per edge; with R given, also adds to grad the gradient of Σ_{j,i} R_{ji} |φ_{j,i}|₁ and
// writes its input gradient (n_in × N) to gx.
template <class S>
Matrix<S> edge_pass(const kan<S>& net, Index l, const kan_layer_state<S>& st, const Matrix<S>* R,
                    Vector<S>* grad, Matrix<S>* gx = nullptr) {
  const Index n_in = net.width(l), n_out = net.width(l + 1), N = st.x.cols(),
              nb = net.basis_size(l), k = net.order();
  const bool base = net.options().base;
  const auto c = net.coefficients(l);
  const auto w_b = net.base_weights(l);
  const auto w_s = net.spline_weights(l);
  Matrix<S> A = Matrix<S>::Zero(n_out, n_in);
  if (gx) gx->setZero(n_in, N);
  for (Index n = 0; n < N; ++n)
    for (Index i = 0; i < n_in; ++i) {
      const Index f = st.first[std::size_t(i + n_in * n)];
      Vector<S> spline = Vector<S>::Zero(n_out), dspline = Vector<S>::Zero(n_out);
      for (Index q = 0; q <= k; ++q) {
        spline += c.col(i * nb + f + q) * st.B(i * nb + f + q, n);
        dspline += c.col(i * nb + f + q) * st.dB(q + (k + 1) * i, n);
      }
      Vector<S> phi = w_s.col(i).cwiseProduct(spline);
      if (base) phi += w_b.col(i) * st.silu(i, n);
      using std::abs;
      for (Index j = 0; j < n_out; ++j) A(j, i) += abs(phi(j)) / S(double(N));
      if (!R) continue;
      MatrixMap<S> gc(grad->data() + net.coefficient_offset(l), n_out, n_in * nb);
      MatrixMap<S> gwb(grad->data() + net.base_weight_offset(l), n_out, n_in);
      MatrixMap<S> gws(grad->data() + net.spline_weight_offset(l), n_out, n_in);
      for (Index j = 0; j < n_out; ++j) {
        const double sign = scalar_value(phi(j)) > 0 ? 1.0 : scalar_value(phi(j)) < 0 ? -1.0 : 0.0;
        if (sign == 0) continue;
        const S e = (*R)(j, i) * S(sign / double(N));  // ∂R/∂φ_{j,i}(n)
        gws(j, i) += e * spline(j);
        if (base) gwb(j, i) += e * st.silu(i, n);
        for (Index q = 0; q <= k; ++q)
          gc(j, i * nb + f + q) += e * w_s(j, i) * st.B(i * nb + f + q, n);
        if (gx)
          (*gx)(i, n) +=
              e * (w_s(j, i) * dspline(j) + (base ? S(w_b(j, i) * st.dsilu(i, n)) : S(0)));
      }
    }
  return A;
}

template <class S>
void require_forward_state(const kan<S>& net, const kan_workspace<S>& ws) {
  require_size("ws.layers (a forward pass of this network)", net.depth(), Index(ws.layers.size()));
  for (Index l = 0; l < net.depth(); ++l) net.require_layer_state(l, ws.layers[std::size_t(l)]);
}

}  // namespace detail

/// Mean |φ_{j,i}(x_i(n))| over the batch of the last forward(), per layer (n_out × n_in).
template <class S>
std::vector<Matrix<S>> edge_magnitudes(const kan<S>& net, const kan_workspace<S>& ws) {
  detail::require_forward_state(net, ws);
  std::vector<Matrix<S>> A;
  for (Index l = 0; l < net.depth(); ++l)
    A.push_back(detail::edge_pass<S>(net, l, ws.layers[std::size_t(l)], nullptr, nullptr));
  return A;
}

/// Adds to grad (P entries) the gradient of R = λ(μ₁ Σ_l L1_l + μ₂ Σ_l S_l) at the state of the
/// last forward() and returns R.
template <class S>
S add_regularization(const kan<S>& net, const kan_workspace<S>& ws, const kan_regularization& reg,
                     Vector<S>& grad) {
  require_finite("lambda", reg.lambda);
  require_nonnegative("lambda", reg.lambda);
  require_finite("mu1", reg.mu1);
  require_finite("mu2", reg.mu2);
  require_size("grad", net.parameter_count(), grad.size());
  using std::log;
  const double lambda = reg.lambda, mu1 = reg.mu1, mu2 = reg.mu2;
  S value = S(0);
  // per-layer edge magnitudes and ∂R/∂|φ_{j,i}|₁
  std::vector<Matrix<S>> A = edge_magnitudes(net, ws), R(A.size());
  for (std::size_t l = 0; l < A.size(); ++l) {
    const S total = A[l].sum();
    R[l] = Matrix<S>::Constant(A[l].rows(), A[l].cols(), S(lambda * mu1));
    value += S(lambda * mu1) * total;
    if (mu2 != 0 && scalar_value(total) > 0) {
      const Matrix<S> p = A[l] / total;
      S entropy = S(0), plogp = S(0);
      for (Index e = 0; e < p.size(); ++e)
        if (scalar_value(p(e)) > 0) {
          entropy -= p(e) * log(p(e));
          plogp += p(e) * log(p(e));
        }
      value += S(lambda * mu2) * entropy;
      // ∂S/∂a_m = −(log p_m − Σ p log p)/A
      for (Index e = 0; e < p.size(); ++e)
        R[l](e) -= S(lambda * mu2) * (scalar_value(p(e)) > 0 ? S(log(p(e)) - plogp) : S(0)) / total;
    }
  }
  // back-propagate through the layers; gx_next is ∂R/∂(output of layer l) from later layers
  Matrix<S> gx_next;
  for (Index l = net.depth() - 1; l >= 0; --l) {
    const auto& st = ws.layers[std::size_t(l)];
    Matrix<S> gx;
    detail::edge_pass<S>(net, l, st, &R[std::size_t(l)], &grad, &gx);
    if (gx_next.size()) net.layer_vjp(l, st, gx_next, grad, &gx);  // later layers' terms
    gx_next = gx;
  }
  return value;
}

}  // namespace nnt
