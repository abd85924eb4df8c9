// nnt/mlp/derivatives.hpp — exact derivatives of an MLP (mlp.hpp) and of a loss through it, with
// g_l = ∂L/∂a_l, δ_l = g_l ⊙ σ′(z_l): backprop ∂L/∂W_l = s_w δ_l a_{l−1}ᵀ, g_{l−1} = s_w W_lᵀ δ_l;
// jvp by forward tangents ż_l = s_w(V_l a_{l−1} + W_l ȧ_{l−1}) + s_b v_b; vjp = backprop from u;
// Hessian-vector products by Pearlmutter's R-operator (1994): R δ_l = R g_l ⊙ σ′ + g_l ⊙ σ″ ⊙
// R z_l, R ∂L/∂W_l = s_w(R δ_l a_{l−1}ᵀ + δ_l R a_{l−1}ᵀ) — exact, one forward and one backward
// pass; Gauss–Newton Jᵀ H_ℓ J v. Output Hessians ∇²_θ z_i(x_a) are the R-operator on
// L = Σ U_ia z_i(x_a) (gradient U, zero loss Hessian). Jacobian rows are example-major: row a·k + i
// is output i of x_a.
#pragma once

#include "../core/concepts.hpp"
#include "../core/detail/thread_stable_product.hpp"
#include "../core/error.hpp"
#include "../core/types.hpp"
#include "loss.hpp"
#include "mlp.hpp"

#include <vector>

namespace nnt {

/// Buffers of one derivative computation (forward state, σ′, σ″, δ, g, tangents).
template <class S>
struct derivative_workspace {
  mlp_workspace<S> fwd;  ///< forward state z[l], a[l] of the last pass
  /// σ′(z[l]) per layer l = 0..L−1 (each n_{l+1} × N).
  std::vector<Matrix<S>> d1, d2;  ///< σ″(z[l]) per layer, only for Hessian products
  /// g[l] = ∂L/∂a[l+1] per layer (g[L−1] = G, the loss gradient).
  std::vector<Matrix<S>> g, delta;  ///< delta[l] = ∂L/∂z[l] = g[l] ⊙ σ′(z[l])
  /// R z[l], the tangent of z[l] along the parameter direction v.
  std::vector<Matrix<S>> rz, ra;  ///< R a[l+1] = R z[l] ⊙ σ′(z[l])
  /// R g[l] (reused by Gauss–Newton products for their backprop's g).
  std::vector<Matrix<S>> rg, rdelta;  ///< R δ_l (Gauss–Newton: that backprop's δ)
  /// G = ∂L/∂a_L from the loss (k × N).
  Matrix<S> output_grad, output_rgrad;  ///< H_ℓ R a_L, the loss Hessian on the output tangent
  /// ∇L of the last pass, kept by routines that need it only internally (hessian_vector_product).
  Vector<S> parameter_gradient;
};

namespace detail {

template <class S>
bool is_identity(const mlp<S>& net, Index l) {
  return net.layer_activation(l).kind() == activation_kind::identity;
}

template <class S>
void size_like_z(const mlp<S>& net, std::vector<Matrix<S>>& v, Index N) {
  v.resize(net.depth());
  for (Index l = 0; l < net.depth(); ++l)
    if (v[l].rows() != net.width(l + 1) || v[l].cols() != N) v[l].resize(net.width(l + 1), N);
}

template <class S>
void compute_d1(const mlp<S>& net, derivative_workspace<S>& ws) {
  size_like_z(net, ws.d1, ws.fwd.batch);
  for (Index l = 0; l < net.depth(); ++l)
    net.layer_activation(l).derivative_from_value_into(ws.fwd.z[l].array(), ws.fwd.a[l + 1].array(),
                                                       ws.d1[l].array());
}

template <class S>
void compute_d2(const mlp<S>& net, derivative_workspace<S>& ws) {
  size_like_z(net, ws.d2, ws.fwd.batch);
  for (Index l = 0; l < net.depth(); ++l)
    net.layer_activation(l).second_derivative_from_value_into(
        ws.fwd.z[l].array(), ws.fwd.a[l + 1].array(), ws.d2[l].array());
}

// Backprop from G = ∂L/∂a_L through the cached forward state. Writes ∂L/∂θ to grad and, when
// asked, g_l and δ_l (for the R-operator) and ∂L/∂x.
template <class S>
void backprop(const mlp<S>& net, const mlp_workspace<S>& fwd, const std::vector<Matrix<S>>& d1,
              const matrix_arg<S>& G, mutable_vector_arg<S> grad, std::vector<Matrix<S>>& g,
              std::vector<Matrix<S>>& delta, Matrix<S>* input_grad = nullptr) {
  const Index L = net.depth(), N = fwd.batch;
  eigen_assert(grad.size() == net.parameter_count());
  size_like_z(net, g, N);
  size_like_z(net, delta, N);
  g[L - 1] = G;
  for (Index l = L - 1; l >= 0; --l) {
    if (is_identity(net, l))
      delta[l] = g[l];
    else
      delta[l] = g[l].cwiseProduct(d1[l]);
    const auto sw = net.weight_scale(l);
    MatrixMap<S> gW(grad.data() + net.weight_offset(l), net.width(l + 1), net.width(l));
    thread_stable_product(gW, delta[l], fwd.a[l].transpose(), sw);
    if (net.options().bias)
      VectorMap<S>(grad.data() + net.bias_offset(l), net.width(l + 1)) =
          net.bias_scale() * delta[l].rowwise().sum();
    if (l > 0)
      thread_stable_product(g[l - 1], net.weight(l).transpose(), delta[l], sw);
    else if (input_grad)
      thread_stable_product(*input_grad, net.weight(0).transpose(), delta[0], sw);
  }
}

// Tangent (R-forward) pass: R z_l, R a_{l+1} for the parameter direction v.
template <class S>
void tangent_forward(const mlp<S>& net, derivative_workspace<S>& ws, const vector_arg<S>& v) {
  const Index L = net.depth(), N = ws.fwd.batch;
  size_like_z(net, ws.rz, N);
  size_like_z(net, ws.ra, N);
  for (Index l = 0; l < L; ++l) {
    const auto sw = net.weight_scale(l);
    ConstMatrixMap<S> V(v.data() + net.weight_offset(l), net.width(l + 1), net.width(l));
    thread_stable_product(ws.rz[l], V, ws.fwd.a[l], sw);
    if (l > 0) thread_stable_product(ws.rz[l], net.weight(l), ws.ra[l - 1], sw, true);
    if (net.options().bias)
      ws.rz[l].colwise() +=
          net.bias_scale() * ConstVectorMap<S>(v.data() + net.bias_offset(l), net.width(l + 1));
    if (is_identity(net, l))
      ws.ra[l] = ws.rz[l];
    else
      ws.ra[l] = ws.rz[l].cwiseProduct(ws.d1[l]);
  }
}

template <class S>
void require_batch(const mlp<S>& net, const matrix_arg<S>& X) {
  require_rows("X", net.input_dim(), X.rows());
  require_at_least<Index>("X.cols()", X.cols(), 1);
  require_finite("X", X);
}

}  // namespace detail

/// L(θ) and ∇L(θ) by backprop; `ws` is reused across calls.
template <class S, class Loss>
requires loss_function<Loss, S> S loss_and_gradient(const mlp<S>& net, const Loss& loss,
                                                    const matrix_arg<S>& X, const matrix_arg<S>& Y,
                                                    Vector<S>& gradient,
                                                    derivative_workspace<S>& ws) {
  detail::require_batch(net, X);
  const Matrix<S>& Z = net.forward(X, ws.fwd);
  const S value = loss.value_and_gradient(Z, Y, ws.output_grad);
  detail::compute_d1(net, ws);
  gradient.resize(net.parameter_count());
  detail::backprop(net, ws.fwd, ws.d1, ws.output_grad, gradient, ws.g, ws.delta);
  return value;
}

/// L(θ) and ∇L(θ) by backprop (allocates its workspace).
template <class S, class Loss>
requires loss_function<Loss, S> S loss_and_gradient(const mlp<S>& net, const Loss& loss,
                                                    const matrix_arg<S>& X, const matrix_arg<S>& Y,
                                                    Vector<S>& gradient) {
  derivative_workspace<S> ws;
  return loss_and_gradient(net, loss, X, Y, gradient, ws);
}

/// J v: directional derivative of the outputs (k × N) along parameter direction v.
template <class S>
Matrix<S> jvp(const mlp<S>& net, const matrix_arg<S>& X, const vector_arg<S>& v) {
  detail::require_batch(net, X);
  require_size("v", net.parameter_count(), v.size());
  require_finite("v", v);
  derivative_workspace<S> ws;
  net.forward(X, ws.fwd);
  detail::compute_d1(net, ws);
  detail::tangent_forward(net, ws, v);
  return ws.ra[net.depth() - 1];
}

/// Jᵀ U: U is k × N (one cotangent per output and example); returns a P-vector.
template <class S>
Vector<S> vjp(const mlp<S>& net, const matrix_arg<S>& X, const matrix_arg<S>& U) {
  detail::require_batch(net, X);
  require_rows("U", net.output_dim(), U.rows());
  require_cols("U", X.cols(), U.cols());
  derivative_workspace<S> ws;
  net.forward(X, ws.fwd);
  detail::compute_d1(net, ws);
  Vector<S> out(net.parameter_count());
  detail::backprop(net, ws.fwd, ws.d1, U, out, ws.g, ws.delta);
  return out;
}

/// Per-example Jacobian ∂z_i(x_a)/∂θ, (k·N) × P, row a·k + i.
/// Column of W_l(r, c) over the rows (a, i) is s_w δ_l⁽ⁱ⁾(r, a) a_l(c, a): a Khatri–Rao product,
/// written column by column into contiguous memory.
template <class S>
Matrix<S> per_example_jacobian(const mlp<S>& net, const matrix_arg<S>& X) {
  detail::require_batch(net, X);
  const Index N = X.cols(), k = net.output_dim(), L = net.depth();
  require_allocation(
      "X.cols() (the Jacobian has k·N × P entries)",
      checked_product("X.cols()", checked_product("X.cols()", k, N), net.parameter_count()),
      sizeof(S));
  derivative_workspace<S> ws;
  net.forward(X, ws.fwd);
  detail::compute_d1(net, ws);
  Matrix<S> J(k * N, net.parameter_count());
  Vector<S> unused(net.parameter_count());
  std::vector<Matrix<S>> aT(L);  // a_l transposed (N × n_l): its columns are per-unit rows
  for (Index l = 0; l < L; ++l) aT[l] = ws.fwd.a[l].transpose();
  Matrix<S> dT;
  for (Index i = 0; i < k; ++i) {
    Matrix<S> U = Matrix<S>::Zero(k, N);
    U.row(i).setOnes();
    // Backprop of all examples at once; δ_l(:, a) is example a's signal for output i.
    detail::backprop(net, ws.fwd, ws.d1, U, unused, ws.g, ws.delta);
    for (Index l = 0; l < L; ++l) {
      const auto sw = net.weight_scale(l);
      dT = ws.delta[l].transpose();
      const Index n_out = net.width(l + 1), n_in = net.width(l);
      for (Index c = 0; c < n_in; ++c)
        for (Index r = 0; r < n_out; ++r) {
          Eigen::Map<Vector<S>, 0, Eigen::InnerStride<>> rows(
              J.col(net.weight_offset(l) + c * n_out + r).data() + i, N, Eigen::InnerStride<>(k));
          rows = sw * dT.col(r).cwiseProduct(aT[l].col(c));
        }
      if (net.options().bias)
        for (Index r = 0; r < n_out; ++r) {
          Eigen::Map<Vector<S>, 0, Eigen::InnerStride<>> rows(
              J.col(net.bias_offset(l) + r).data() + i, N, Eigen::InnerStride<>(k));
          rows = net.bias_scale() * dT.col(r);
        }
    }
  }
  return J;
}

/// Input–output Jacobian ∂z_i(x_a)/∂x_a, (k·N) × d, row a·k + i.
template <class S>
Matrix<S> input_jacobian(const mlp<S>& net, const matrix_arg<S>& X) {
  detail::require_batch(net, X);
  const Index N = X.cols(), k = net.output_dim();
  derivative_workspace<S> ws;
  net.forward(X, ws.fwd);
  detail::compute_d1(net, ws);
  Matrix<S> J(k * N, net.input_dim()), dx;
  Vector<S> unused(net.parameter_count());
  for (Index i = 0; i < k; ++i) {
    Matrix<S> U = Matrix<S>::Zero(k, N);
    U.row(i).setOnes();
    detail::backprop(net, ws.fwd, ws.d1, U, unused, ws.g, ws.delta, &dx);
    for (Index a = 0; a < N; ++a) J.row(a * k + i) = dx.col(a).transpose();
  }
  return J;
}

namespace detail {

// The R-operator passes of ∇²L v, given the forward/backward state (g, δ, σ′, σ″) in ws.
template <class S, class Loss>
void hessian_r_pass(const mlp<S>& net, const Loss& loss, const matrix_arg<S>& Y,
                    derivative_workspace<S>& ws, const vector_arg<S>& v,
                    mutable_vector_arg<S> out) {
  const Index L = net.depth(), N = ws.fwd.batch;
  eigen_assert(out.size() == net.parameter_count());
  tangent_forward(net, ws, v);
  loss.hessian_product(ws.fwd.a[L], Y, ws.ra[L - 1], ws.output_rgrad);
  size_like_z(net, ws.rg, N);
  size_like_z(net, ws.rdelta, N);
  ws.rg[L - 1] = ws.output_rgrad;
  for (Index l = L - 1; l >= 0; --l) {
    if (is_identity(net, l)) {
      ws.rdelta[l] = ws.rg[l];
    } else {
      ws.rdelta[l] = ws.rg[l].cwiseProduct(ws.d1[l]);
      ws.rdelta[l].array() += ws.g[l].array() * ws.d2[l].array() * ws.rz[l].array();
    }
    const auto sw = net.weight_scale(l);
    MatrixMap<S> hW(out.data() + net.weight_offset(l), net.width(l + 1), net.width(l));
    thread_stable_product(hW, ws.rdelta[l], ws.fwd.a[l].transpose(), sw);
    if (l > 0) thread_stable_product(hW, ws.delta[l], ws.ra[l - 1].transpose(), sw, true);
    if (net.options().bias)
      VectorMap<S>(out.data() + net.bias_offset(l), net.width(l + 1)) =
          net.bias_scale() * ws.rdelta[l].rowwise().sum();
    if (l > 0) {
      ConstMatrixMap<S> V(v.data() + net.weight_offset(l), net.width(l + 1), net.width(l));
      thread_stable_product(ws.rg[l - 1], V.transpose(), ws.delta[l], sw);
      thread_stable_product(ws.rg[l - 1], net.weight(l).transpose(), ws.rdelta[l], sw, true);
    }
  }
}

}  // namespace detail

/// ∇²L(θ) as a linear_operator: caches the passes at θ, then apply(v, out) runs the R-operator.
/// Holds copies of the network, loss and data.
template <class S, class Loss>
requires loss_function<Loss, S>
class hessian_operator {
 public:
  using Scalar = S;  ///< scalar type of the vectors apply() takes
  /// Runs the forward and backward passes at net's current θ on (X, Y) and caches them with σ′, σ″;
  /// throws nnt::invalid_argument on X or Y of the wrong shape, non-finite or out of the loss's
  /// range.
  hessian_operator(const mlp<S>& net, const Loss& loss, const matrix_arg<S>& X,
                   const matrix_arg<S>& Y)
      : net_(net), loss_(loss), Y_(Y) {
    value_ = loss_and_gradient(net_, loss_, X, Y_, gradient_, ws_);
    detail::compute_d2(net_, ws_);
  }
  /// P, the size of the P × P operator (the net's parameter count).
  Index rows() const { return net_.parameter_count(); }
  /// L(θ) at the point the operator was built at.
  S loss_value() const { return value_; }
  /// ∇L(θ) at the point the operator was built at (P entries).
  const Vector<S>& gradient() const { return gradient_; }
  /// Number of apply() calls so far.
  Index applications() const { return applications_; }

  /// out = ∇²L(θ) v (out has rows() entries).
  void apply(const const_vector_ref<S>& v, vector_ref<S> out) const {
    require_size("v", rows(), v.size());
    require_size("out", rows(), out.size());
    ++applications_;
    detail::hessian_r_pass(net_, loss_, Y_, ws_, v, out);
  }

 private:
  mlp<S> net_;
  Loss loss_;
  Matrix<S> Y_;
  Vector<S> gradient_;
  S value_{};
  mutable derivative_workspace<S> ws_;
  mutable Index applications_ = 0;
};

/// Gauss–Newton matrix Jᵀ H_ℓ J as a linear_operator (PSD for convex losses).
template <class S, class Loss>
requires loss_function<Loss, S>
class gauss_newton_operator {
 public:
  using Scalar = S;  ///< scalar type of the vectors apply() takes
  /// Runs the forward pass at net's current θ, checks Y against its output through the loss and
  /// caches σ′; throws nnt::invalid_argument on X or Y of the wrong shape, non-finite or out of the
  /// loss's range.
  gauss_newton_operator(const mlp<S>& net, const Loss& loss, const matrix_arg<S>& X,
                        const matrix_arg<S>& Y)
      : net_(net), loss_(loss), Y_(Y) {
    detail::require_batch(net_, X);
    const Matrix<S>& Z = net_.forward(X, ws_.fwd);
    loss_.value(Z, Y_);  // validates Y against Z
    detail::compute_d1(net_, ws_);
  }
  /// P, the size of the P × P operator (the net's parameter count).
  Index rows() const { return net_.parameter_count(); }
  /// Number of apply() calls so far.
  Index applications() const { return applications_; }

  /// out = Jᵀ H_ℓ J v (out has rows() entries).
  void apply(const const_vector_ref<S>& v, vector_ref<S> out) const {
    require_size("v", rows(), v.size());
    require_size("out", rows(), out.size());
    ++applications_;
    const Index L = net_.depth();
    detail::tangent_forward(net_, ws_, v);
    loss_.hessian_product(ws_.fwd.a[L], Y_, ws_.ra[L - 1], ws_.output_rgrad);
    detail::backprop(net_, ws_.fwd, ws_.d1, ws_.output_rgrad, out, ws_.rg, ws_.rdelta);
  }

 private:
  mlp<S> net_;
  Loss loss_;
  Matrix<S> Y_;
  mutable derivative_workspace<S> ws_;
  mutable Index applications_ = 0;
};

/// out = ∇²L(θ) v (resized to P) by one forward and one backward pass plus their R-passes; returns
/// L(θ). `ws` is reused across calls: products at a changing θ (an optimiser's step) allocate
/// nothing once ws has the shapes. For many products at one θ, hessian_operator skips the first
/// two passes.
template <class S, class Loss>
requires loss_function<Loss, S> S hessian_vector_product(const mlp<S>& net, const Loss& loss,
                                                         const matrix_arg<S>& X,
                                                         const matrix_arg<S>& Y,
                                                         const vector_arg<S>& v, Vector<S>& out,
                                                         derivative_workspace<S>& ws) {
  require_size("v", net.parameter_count(), v.size());
  require_finite("v", v);
  const S value = loss_and_gradient(net, loss, X, Y, ws.parameter_gradient, ws);
  detail::compute_d2(net, ws);
  out.resize(net.parameter_count());
  detail::hessian_r_pass(net, loss, Y, ws, v, out);
  return value;
}

/// ∇²L(θ) v (allocates its workspace: a fresh one per call costs page faults that can exceed
/// the arithmetic, 40% of the time on the 784→512→512→10 benchmark net; loop with the workspace
/// overload instead).
template <class S, class Loss>
requires loss_function<Loss, S> Vector<S> hessian_vector_product(const mlp<S>& net,
                                                                 const Loss& loss,
                                                                 const matrix_arg<S>& X,
                                                                 const matrix_arg<S>& Y,
                                                                 const vector_arg<S>& v) {
  derivative_workspace<S> ws;
  Vector<S> out;
  hessian_vector_product(net, loss, X, Y, v, out, ws);
  return out;
}

namespace detail {
// L(Z; U) = Σ U∘Z, the "loss" whose targets are the contraction weights (see the header comment).
struct output_contraction {
  template <class DZ, class S = typename DZ::Scalar>
  S value(const Eigen::MatrixBase<DZ>& Z, const matrix_arg<S>& U) const {
    check_loss_inputs(Z, U);
    return (Z.array() * U.array()).sum();
  }
  template <class DZ, class S = typename DZ::Scalar>
  S value_and_gradient(const Eigen::MatrixBase<DZ>& Z, const matrix_arg<S>& U, Matrix<S>& G) const {
    G = U;
    return value(Z, U);
  }
  template <class DZ, class S = typename DZ::Scalar>
  void hessian_product(const Eigen::MatrixBase<DZ>&, const matrix_arg<S>&, const matrix_arg<S>& V,
                       Matrix<S>& out) const {
    out.setZero(V.rows(), V.cols());
  }
  template <class DZ, class S = typename DZ::Scalar>
  Matrix<S> example_hessian(const Eigen::MatrixBase<DZ>& Z, const matrix_arg<S>&, Index) const {
    return Matrix<S>::Zero(Z.rows(), Z.rows());
  }
};

template <class S>
void require_contraction(const mlp<S>& net, const matrix_arg<S>& X, const matrix_arg<S>& U) {
  require_batch(net, X);
  require_rows("U", net.output_dim(), U.rows());
  require_cols("U", X.cols(), U.cols());
  require_finite("U", U);
}
}  // namespace detail

/// Σ_{a,i} U_ia ∇²_θ z_i(x_a) v: output Hessians contracted with U (k × N), applied to v.
template <class S>
Vector<S> output_hessian_vector_product(const mlp<S>& net, const matrix_arg<S>& X,
                                        const matrix_arg<S>& U, const vector_arg<S>& v) {
  detail::require_contraction(net, X, U);
  return hessian_vector_product(net, detail::output_contraction{}, X, U, v);
}

/// Jᵀ H_ℓ J v.
template <class S, class Loss>
Vector<S> gauss_newton_vector_product(const mlp<S>& net, const Loss& loss, const matrix_arg<S>& X,
                                      const matrix_arg<S>& Y, const vector_arg<S>& v) {
  Vector<S> out(net.parameter_count());
  gauss_newton_operator<S, Loss>(net, loss, X, Y).apply(v, out);
  return out;
}

/// Dense P × P Hessian from P R-operator products, symmetrised (H + Hᵀ)/2.
template <class S, class Loss>
Matrix<S> hessian(const mlp<S>& net, const Loss& loss, const matrix_arg<S>& X,
                  const matrix_arg<S>& Y) {
  const Index P = net.parameter_count();
  require_allocation("net (its dense P × P Hessian)", checked_product("P", P, P), sizeof(S));
  const hessian_operator<S, Loss> op(net, loss, X, Y);
  Matrix<S> H(P, P);
  Vector<S> e = Vector<S>::Zero(P), column(P);
  for (Index j = 0; j < P; ++j) {
    e(j) = S(1);
    op.apply(e, column);
    H.col(j) = column;
    e(j) = S(0);
  }
  return (H + H.transpose()) / S(2);
}

/// Dense Gauss–Newton matrix Σ_a J_aᵀ H_a J_a from the per-example Jacobian.
template <class S, class Loss>
Matrix<S> gauss_newton(const mlp<S>& net, const Loss& loss, const matrix_arg<S>& X,
                       const matrix_arg<S>& Y) {
  const Index P = net.parameter_count();
  require_allocation("net (its dense P × P Gauss–Newton matrix)", checked_product("P", P, P),
                     sizeof(S));
  const Matrix<S> J = per_example_jacobian(net, X);
  const Matrix<S> Z = net.forward(X);
  loss.value(Z, Y);  // validates Y
  const Index k = net.output_dim();
  Matrix<S> HJ(J.rows(), J.cols());
  for (Index a = 0; a < X.cols(); ++a)
    detail::thread_stable_product(HJ.middleRows(a * k, k), loss.example_hessian(Z, Y, a),
                                  J.middleRows(a * k, k), S(1));
  Matrix<S> GN;
  detail::thread_stable_product(GN, J.transpose(), HJ, S(1));
  return GN;
}

/// Dense Σ_{a,i} U_ia ∇²_θ z_i(x_a) (P × P).
template <class S>
Matrix<S> output_hessian(const mlp<S>& net, const matrix_arg<S>& X, const matrix_arg<S>& U) {
  detail::require_contraction(net, X, U);
  return hessian(net, detail::output_contraction{}, X, U);
}

/// ∇²_θ z_i(x_a) for every example and output (P × P each), in per_example_jacobian's order a·k +
/// i. Costs k·N·P R-operator passes on one example each: meant for small models (Taylor models,
/// tests).
template <class S>
std::vector<Matrix<S>> per_example_output_hessians(const mlp<S>& net, const matrix_arg<S>& X) {
  detail::require_batch(net, X);
  const Index N = X.cols(), k = net.output_dim(), P = net.parameter_count();
  require_allocation(
      "X.cols() (k·N dense P × P output Hessians)",
      checked_product("X.cols()", checked_product("X.cols()", k, N), checked_product("P", P, P)),
      sizeof(S));
  std::vector<Matrix<S>> H;
  H.reserve(std::size_t(k * N));
  Matrix<S> U = Matrix<S>::Zero(k, 1);
  for (Index a = 0; a < N; ++a)
    for (Index i = 0; i < k; ++i) {
      U.setZero();
      U(i, 0) = S(1);
      H.push_back(output_hessian(net, Matrix<S>(X.col(a)), U));
    }
  return H;
}

}  // namespace nnt
