// nnt/kan/kan.hpp — Kolmogorov–Arnold networks (Liu et al. 2024, "KAN"): layer l maps n_in →
// n_out nodes, every edge (j ← i) carries φ_{j,i}(x) = w_b[j,i] silu(x) + w_s[j,i] Σ_m c[j,i,m]
// B_m(x) (kan/bspline.hpp, one grid per input node) and node j sums y_j = Σ_i φ_{j,i}(x_i). With
// C̃[j, (i,m)] = w_s[j,i] c[j,i,m] and B[(i,m), n] = B_m(x_i(n)) (k + 1 nonzeros per (i, n)):
// Y = C̃ B + W_b silu(X) — GEMMs. Backward: ∂C̃ = G Bᵀ, ∂B = C̃ᵀG, ∂x_i(n) = Σ_q ∂B[(i,f+q),n]
// B′_{f+q}(x_i(n)) + silu′(x_i(n))(W_bᵀG)[i,n]. θ is one flat vector (per layer c as n_out ×
// (n_in·(G+k)), then W_b and W_s), for any Scalar. Regularisation, grids and pruning live in
// kan/regularization.hpp, kan/grid.hpp and kan/pruning.hpp.
#pragma once

#include "../core/activation.hpp"
#include "../core/detail/thread_stable_product.hpp"
#include "../core/error.hpp"
#include "../core/random.hpp"
#include "../core/types.hpp"
#include "bspline.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <string>
#include <vector>

namespace nnt {

/// Shape of the edge functions and initialisation of a kan (validated by its constructors).
struct kan_options {
  Index grid = 5;            ///< G, intervals per input grid
  Index order = 3;           ///< k, spline order
  double grid_lower = -1.0;  ///< initial grid range [grid_lower, grid_upper] for every input node
  double grid_upper = 1.0;   ///< upper end of that range (finite, > grid_lower)
  double noise_scale = 0.1;  ///< initial spline coefficients ~ N(0, (noise_scale/G)²)
  double base_scale = 1.0;   ///< initial w_b ~ base_scale·N(0, 1/n_in)
  bool base = true;          ///< include the w_b silu(x) residual branch
};

/// Per-layer state of a forward pass, read by backward() and the regulariser.
template <class S>
struct kan_layer_state {
  Matrix<S> x;               ///< inputs, n_in × N
  Matrix<S> B;               ///< basis matrix, n_in·(G+k) × N (k + 1 nonzeros per (i, n))
  Matrix<S> dB;              ///< B′ values, (k + 1)·n_in × N (row q + (k+1)·i)
  std::vector<Index> first;  ///< first nonzero basis per (i, n), index i + n_in·n
  Matrix<S> silu, dsilu;     ///< silu(x), silu′(x)
  /// \var silu
  /// silu(x) of the inputs, n_in × N (the base branch).
  Matrix<S> scaled;  ///< C̃ = w_s ⊙ c
};

/// Scratch of kan::forward(), reused between calls; backward() and the regulariser read it.
template <class S>
struct kan_workspace {
  std::vector<kan_layer_state<S>> layers;  ///< the state of layers 0 … L − 1 of the last forward()
  Matrix<S> output;                        ///< the last forward()'s output, n_L × N
};

/// A Kolmogorov–Arnold network n₀ → … → n_L: edge functions φ_{j,i} = w_b silu + w_s Σ_m c_m B_m
/// on per-node B-spline grids, all parameters in one flat θ (zero until initialize()).
template <class S = double>
class kan {
 public:
  /// widths = {n₀, …, n_L}; every input grid is uniform on [grid_lower, grid_upper].
  explicit kan(std::vector<Index> widths, kan_options options = {})
      : widths_(std::move(widths)), options_(options) {
    validate();
    // named as the options are, not as bspline_basis's G and k
    require_in_range<Index, Index>("grid", options_.grid, 1, Index(1) << 24);
    require_in_range<Index, Index>("order", options_.order, 0, bspline_basis::max_order);
    require_finite("grid_lower", options_.grid_lower);
    require_finite("grid_upper", options_.grid_upper);
    if (!(options_.grid_upper > options_.grid_lower))
      throw_invalid_argument("grid_upper",
                             "a value above grid_lower = " + format_value(options_.grid_lower),
                             format_value(options_.grid_upper));
    for (Index l = 0; l < depth(); ++l)
      for (Index i = 0; i < widths_[std::size_t(l)]; ++i)
        bases_.emplace_back(options_.grid_lower, options_.grid_upper, options_.grid,
                            options_.order);
    layout();
  }

  /// The same shape with the given input grids: bases[l'] for the input nodes of all layers in
  /// order (layer 0's n₀ nodes first); the nodes of one layer must share G and k = options.order.
  kan(std::vector<Index> widths, kan_options options, std::vector<bspline_basis> bases)
      : widths_(std::move(widths)), options_(options), bases_(std::move(bases)) {
    validate();
    Index nodes = 0;
    for (Index l = 0; l < depth(); ++l) nodes += widths_[std::size_t(l)];
    require_size("bases", nodes, Index(bases_.size()));
    std::size_t b = 0;
    for (Index l = 0; l < depth(); ++l)
      for (Index i = 0; i < widths_[std::size_t(l)]; ++i, ++b) {
        const std::string name = "bases[" + std::to_string(b) + "]";
        if (bases_[b].order() != options_.order)
          throw_invalid_argument(name + ".order()",
                                 "the network's order " + std::to_string(options_.order),
                                 std::to_string(bases_[b].order()));
        if (bases_[b].intervals() != bases_[b - std::size_t(i)].intervals())
          throw_invalid_argument(name + ".intervals()",
                                 std::to_string(bases_[b - std::size_t(i)].intervals()) +
                                     " (as the layer's first node)",
                                 std::to_string(bases_[b].intervals()));
      }
    options_.grid = bases_.front().intervals();
    layout();
  }

  /// L, the number of layers (widths().size() − 1).
  Index depth() const { return static_cast<Index>(widths_.size()) - 1; }
  /// n_l for l = 0..L.
  Index width(Index l) const {
    require_index("l", l, depth() + 1);
    return widths_[std::size_t(l)];
  }
  /// {n₀, …, n_L}.
  const std::vector<Index>& widths() const { return widths_; }
  /// The options as constructed; with explicit bases, grid is the first node's G and
  /// grid_lower, grid_upper are the given values, not the bases' ranges.
  const kan_options& options() const { return options_; }
  /// k, the spline degree of every edge.
  Index order() const { return options_.order; }
  /// P = Σ_l n_{l+1}(n_l(G_l + k) + 2n_l), the length of θ.
  Index parameter_count() const { return theta_.size(); }
  /// θ: per layer c (n_out × n_in(G + k)), then W_b, W_s (n_out × n_in), each column-major.
  const Vector<S>& parameters() const { return theta_; }
  /// Mutable θ (same layout; keep its size P).
  Vector<S>& parameters() { return theta_; }
  /// θ = theta; throws nnt::invalid_argument ("theta") unless theta has P entries.
  void set_parameters(const const_vector_ref<S>& theta) {
    require_size("theta", parameter_count(), theta.size());
    theta_ = theta;
  }

  /// The same network in another Scalar (long double, float, AutoDiffScalar).
  template <class T>
  kan<T> cast() const {
    kan<T> other(widths_, options_, bases_);
    for (Index p = 0; p < parameter_count(); ++p)
      other.parameters()(p) = T(scalar_value(theta_(p)));
    return other;
  }

  /// The basis (grid) of input node i of layer l.
  const bspline_basis& basis(Index l, Index i) const {
    require_index("l", l, depth());
    require_index("i", i, widths_[std::size_t(l)]);
    return bases_[std::size_t(base_index_[std::size_t(l)] + i)];
  }
  /// All input grids, layer by layer (the order the bases constructor takes).
  const std::vector<bspline_basis>& bases() const { return bases_; }
  /// Replaces the grid of input node i of layer l by one with the same number of bases (the spline
  /// coefficients are kept: refit them first, see kan/grid.hpp).
  void set_basis(Index l, Index i, bspline_basis b) {
    const bspline_basis& old = basis(l, i);
    require_size("b.size()", old.size(), b.size());
    if (b.order() != old.order())
      throw_invalid_argument("b.order()", std::to_string(old.order()), std::to_string(b.order()));
    bases_[std::size_t(base_index_[std::size_t(l)] + i)] = std::move(b);
  }
  /// G + k of layer l (all its input grids have the same number of intervals).
  Index basis_size(Index l) const { return basis(l, 0).size(); }

  /// c of layer l: n_out × (n_in·(G+k)), column i·(G+k) + m.
  MatrixMap<S> coefficients(Index l) {
    return {theta_.data() + offsets(l).c, widths_[l + 1], widths_[l] * basis_size(l)};
  }
  /// Read-only c of layer l, as above.
  ConstMatrixMap<S> coefficients(Index l) const {
    return {theta_.data() + offsets(l).c, widths_[l + 1], widths_[l] * basis_size(l)};
  }
  /// W_b, W_s of layer l: n_out × n_in.
  MatrixMap<S> base_weights(Index l) {
    return {theta_.data() + offsets(l).wb, widths_[l + 1], widths_[l]};
  }
  /// Read-only W_b of layer l.
  ConstMatrixMap<S> base_weights(Index l) const {
    return {theta_.data() + offsets(l).wb, widths_[l + 1], widths_[l]};
  }
  /// W_s of layer l, n_out × n_in (the scale of each edge's spline).
  MatrixMap<S> spline_weights(Index l) {
    return {theta_.data() + offsets(l).ws, widths_[l + 1], widths_[l]};
  }
  /// Read-only W_s of layer l.
  ConstMatrixMap<S> spline_weights(Index l) const {
    return {theta_.data() + offsets(l).ws, widths_[l + 1], widths_[l]};
  }
  /// Offsets of c, W_b and W_s of layer l in θ (and in a gradient).
  Index coefficient_offset(Index l) const { return offsets(l).c; }
  /// Offset of W_b of layer l in θ (coefficient_offset(l) + n_{l+1} n_l (G + k)).
  Index base_weight_offset(Index l) const { return offsets(l).wb; }
  /// Offset of W_s of layer l in θ (base_weight_offset(l) + n_{l+1} n_l).
  Index spline_weight_offset(Index l) const { return offsets(l).ws; }

  /// c ~ N(0, (noise_scale/G)²), W_b ~ base_scale·N(0, 1/n_in) (0 without the base branch), W_s =
  /// 1.
  void initialize(random_generator& rng) {
    for (Index l = 0; l < depth(); ++l) {
      rng.fill_normal(coefficients(l), 0.0, options_.noise_scale / double(basis(l, 0).intervals()));
      if (options_.base && options_.base_scale != 0)
        rng.fill_normal(base_weights(l), 0.0,
                        std::abs(options_.base_scale) / std::sqrt(double(widths_[l])));
      else
        base_weights(l).setZero();
      spline_weights(l).setOnes();
    }
  }
  /// initialize(rng) with a random_generator seeded by seed (reproducible).
  void initialize(std::uint64_t seed) {
    random_generator rng(seed);
    initialize(rng);
  }

  /// Forward pass on a d × N batch of finite inputs; returns n_L × N (a reference into ws).
  const Matrix<S>& forward(const const_matrix_ref<S>& X, kan_workspace<S>& ws) const {
    require_rows("X", widths_.front(), X.rows());
    require_finite("X", X);
    Index largest = 0;
    for (Index l = 0; l < depth(); ++l)
      largest = std::max(largest, widths_[std::size_t(l)] * basis_size(l));
    require_allocation("X.cols() (the basis matrices)",
                       checked_product("X.cols()", largest, X.cols()), sizeof(S));
    ws.layers.resize(std::size_t(depth()));
    const activation silu = activation::silu();
    for (Index l = 0; l < depth(); ++l) {
      auto& st = ws.layers[std::size_t(l)];
      if (l == 0) st.x = X;
      const Index n_in = widths_[std::size_t(l)], N = st.x.cols(), nb = basis_size(l), k = order();
      st.B.setZero(n_in * nb, N);
      st.dB.resize((k + 1) * n_in, N);
      st.first.assign(std::size_t(n_in * N), 0);
      // columns are independent: OpenMP shares them (the basis scratch is on the stack)
#ifdef _OPENMP
#pragma omp parallel for schedule(static) if (N * n_in >= 16384)
#endif
      for (Index n = 0; n < N; ++n)
        for (Index i = 0; i < n_in; ++i) {
          std::array<S, bspline_basis::max_order + 1> v, dv;
          const Index f = basis(l, i).evaluate(st.x(i, n), v.data(), dv.data());
          st.first[std::size_t(i + n_in * n)] = f;
          for (Index q = 0; q <= k; ++q) {
            st.B(i * nb + f + q, n) = v[std::size_t(q)];
            st.dB(q + (k + 1) * i, n) = dv[std::size_t(q)];
          }
        }
      st.silu.resize(n_in, N);
      st.dsilu.resize(n_in, N);
      silu.value_into(st.x.array(), st.silu.array());
      silu.derivative_into(st.x.array(), st.dsilu.array());
      st.scaled = scaled_coefficients(l);
      Matrix<S>& out = l + 1 == depth() ? ws.output : ws.layers[std::size_t(l + 1)].x;
      detail::thread_stable_product(out, st.scaled, st.B, S(1));
      if (options_.base) detail::thread_stable_product(out, base_weights(l), st.silu, S(1), true);
    }
    return ws.output;
  }
  /// Forward pass with a temporary workspace; returns a copy of the n_L × N output.
  Matrix<S> forward(const const_matrix_ref<S>& X) const {
    kan_workspace<S> ws;
    return forward(X, ws);
  }

  /// Backward pass from G = ∂L/∂Y (n_L × N) through the state of the last forward(): writes ∂L/∂θ
  /// to grad (resized) and, if asked, ∂L/∂X.
  void backward(const kan_workspace<S>& ws, const const_matrix_ref<S>& G, Vector<S>& grad,
                Matrix<S>* input_grad = nullptr) const {
    require_size("ws.layers", depth(), Index(ws.layers.size()));
    require_rows("G", widths_.back(), G.rows());
    require_cols("G", ws.output.cols(), G.cols());
    grad.setZero(parameter_count());
    Matrix<S> g = G, gx;
    for (Index l = depth() - 1; l >= 0; --l) {
      const auto& st = ws.layers[std::size_t(l)];
      const bool need_input = l > 0 || input_grad;  // the first layer's ∂L/∂X only when asked
      if (need_input) gx.setZero(widths_[std::size_t(l)], st.x.cols());
      layer_vjp(l, st, g, grad, need_input ? &gx : nullptr);
      if (need_input) g.swap(gx);
    }
    if (input_grad) *input_grad = g;
  }

  /// Throws nnt::invalid_argument ("st.x: expected a 4x5 matrix, …") unless st has the shapes of a
  /// forward state of layer l of this network (a state of another layer or network would be read
  /// past its end by layer_vjp() and the regulariser).
  void require_layer_state(Index l, const kan_layer_state<S>& st) const {
    const Index nb = basis_size(l);  // checks l
    const Index n_in = widths_[std::size_t(l)], n_out = widths_[std::size_t(l + 1)],
                N = st.x.cols(), k = order();
    require_shape("st.x", n_in, N, st.x);
    require_shape("st.B", n_in * nb, N, st.B);
    require_shape("st.dB", (k + 1) * n_in, N, st.dB);
    require_shape("st.scaled", n_out, n_in * nb, st.scaled);
    require_size("st.first", n_in * N, Index(st.first.size()));
    if (options_.base) {
      require_shape("st.silu", n_in, N, st.silu);
      require_shape("st.dsilu", n_in, N, st.dsilu);
    }
  }

  /// The vector–Jacobian product of layer l at its forward state st: grad += ∂⟨G, y_l⟩/∂θ and, when
  /// gx is given, gx += ∂⟨G, y_l⟩/∂x_l. The building block of backward() and of the regulariser.
  /// Shapes that do not fit layer l (grad, G, gx, a state of another layer) throw invalid_argument.
  void layer_vjp(Index l, const kan_layer_state<S>& st, const const_matrix_ref<S>& G,
                 Vector<S>& grad, Matrix<S>* gx) const {
    const Index nb = basis_size(l);  // checks l
    const Index n_in = widths_[std::size_t(l)], n_out = widths_[std::size_t(l + 1)],
                N = st.x.cols(), k = order();
    // The maps below write into grad and read st by offsets: shapes must match, or they run past
    // the end (a state from another layer or net, a gradient of the wrong size).
    require_layer_state(l, st);
    require_size("grad", parameter_count(), grad.size());
    require_shape("G", n_out, N, G);
    if (gx) require_shape("gx", n_in, N, *gx);
    MatrixMap<S> gc(grad.data() + offsets(l).c, n_out, n_in * nb);
    MatrixMap<S> gwb(grad.data() + offsets(l).wb, n_out, n_in);
    MatrixMap<S> gws(grad.data() + offsets(l).ws, n_out, n_in);
    Matrix<S> gscaled;  // ∂C̃
    detail::thread_stable_product(gscaled, G, st.B.transpose(), S(1));
    const auto c = coefficients(l);
    const auto w_s = spline_weights(l);
    for (Index i = 0; i < n_in; ++i) {
      gc.middleCols(i * nb, nb).array() +=
          gscaled.middleCols(i * nb, nb).array().colwise() * w_s.col(i).array();
      gws.col(i).array() +=
          (gscaled.middleCols(i * nb, nb).array() * c.middleCols(i * nb, nb).array())
              .rowwise()
              .sum();
    }
    if (options_.base) detail::thread_stable_product(gwb, G, st.silu.transpose(), S(1), true);
    if (!gx) return;
    Matrix<S> dBmat;  // ∂B, n_in·nb × N
    detail::thread_stable_product(dBmat, st.scaled.transpose(), G, S(1));
#ifdef _OPENMP
#pragma omp parallel for schedule(static) if (N * n_in >= 16384)
#endif
    for (Index n = 0; n < N; ++n)
      for (Index i = 0; i < n_in; ++i) {
        const Index f = st.first[std::size_t(i + n_in * n)];
        for (Index q = 0; q <= k; ++q)
          (*gx)(i, n) += dBmat(i * nb + f + q, n) * st.dB(q + (k + 1) * i, n);
      }
    if (options_.base) {
      Matrix<S> gbase;
      detail::thread_stable_product(gbase, base_weights(l).transpose(), G, S(1));
      gx->array() += gbase.array() * st.dsilu.array();
    }
  }

  /// φ_{j,i}(x) of layer l (input node i, output node j), in double.
  double edge_function(Index l, Index i, Index j, double x) const {
    const auto& b = basis(l, i);
    require_index("j", j, widths_[std::size_t(l + 1)]);
    const Index nb = b.size();
    Vector<double> c(nb);
    for (Index m = 0; m < nb; ++m) c(m) = double(scalar_value(coefficients(l)(j, i * nb + m)));
    const double base =
        options_.base ? double(scalar_value(base_weights(l)(j, i))) * activation::silu().value(x)
                      : 0.0;
    return base + double(scalar_value(spline_weights(l)(j, i))) * b.spline(c, x);
  }

 private:
  struct layer_offsets {
    Index c, wb, ws;
  };

  static void require_index(std::string_view name, Index v, Index count) {
    if (v < 0 || v >= count)
      throw_invalid_argument(name, "an index in [0, " + std::to_string(count) + ")",
                             std::to_string(v));
  }

  void validate() const {
    if (widths_.size() < 2)
      throw_invalid_argument("widths", "at least 2 entries (input and output width)",
                             std::to_string(widths_.size()) + " entries");
    for (std::size_t l = 0; l < widths_.size(); ++l)
      require_in_range<Index, Index>("widths[" + std::to_string(l) + "]", widths_[l], 1,
                                     Index(1) << 24);
    require_in_range<Index, Index>("grid", options_.grid, 1, Index(1) << 24);
    require_in_range<Index, Index>("order", options_.order, 0, bspline_basis::max_order);
    require_finite("noise_scale", options_.noise_scale);
    require_nonnegative("noise_scale", options_.noise_scale);
    require_finite("base_scale", options_.base_scale);
  }

  const layer_offsets& offsets(Index l) const {
    require_index("l", l, depth());
    return offsets_[std::size_t(l)];
  }

  void layout() {
    base_index_.clear();
    Index b = 0;
    for (Index l = 0; l < depth(); ++l) {
      base_index_.push_back(b);
      b += widths_[std::size_t(l)];
    }
    offsets_.clear();
    Index offset = 0;
    for (Index l = 0; l < depth(); ++l) {
      const Index edges =
          checked_product("widths", widths_[std::size_t(l + 1)], widths_[std::size_t(l)]);
      layer_offsets o;
      o.c = offset;
      offset += checked_product("widths", edges, basis_size(l));
      o.wb = offset;
      offset += edges;
      o.ws = offset;
      offset += edges;
      offsets_.push_back(o);
    }
    require_allocation("widths (the parameter count)", offset, sizeof(S));
    theta_ = Vector<S>::Zero(offset);
  }

  Matrix<S> scaled_coefficients(Index l) const {
    const Index nb = basis_size(l);
    Matrix<S> C = coefficients(l);
    const auto w_s = spline_weights(l);
    for (Index i = 0; i < widths_[std::size_t(l)]; ++i)
      C.middleCols(i * nb, nb).array().colwise() *= w_s.col(i).array();
    return C;
  }

  std::vector<Index> widths_;
  kan_options options_;
  std::vector<bspline_basis> bases_;
  std::vector<Index> base_index_;
  std::vector<layer_offsets> offsets_;
  Vector<S> theta_;
};

}  // namespace nnt
