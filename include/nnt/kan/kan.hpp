// nnt/kan/kan.hpp — Kolmogorov–Arnold networks (Liu et al. 2024, "KAN: Kolmogorov–Arnold Networks").
// Layer l maps n_in → n_out nodes; every edge (j ← i) carries
//   φ_{j,i}(x) = w_b[j,i] silu(x) + w_s[j,i] Σ_m c[j,i,m] B_m(x)      (B-splines of kan/bspline.hpp,
// one grid per input node), and node j sums its incoming edges: y_j = Σ_i φ_{j,i}(x_i).
// Evaluation: with C̃[j, (i,m)] = w_s[j,i] c[j,i,m] and the basis matrix B[(i,m), n] = B_m(x_i(n)),
//   Y = C̃ B + W_b silu(X),
// where B is filled from the k + 1 nonzero bases per (i, n) (local support, de Boor) and the
// products are GEMMs. Backward: ∂C̃ = G Bᵀ, ∂B = C̃ᵀG, ∂x_i(n) = Σ_q ∂B[(i,f+q),n] B′_{f+q}(x_i(n))
// + silu′(x_i(n)) (W_bᵀG)[i,n], ∂c = ∂C̃ ⊙ w_s, ∂w_s[j,i] = Σ_m ∂C̃[j,(i,m)] c[j,i,m].
// Parameters are one flat vector θ (per layer: c as n_out × (n_in·(G+k)) column-major, then W_b and
// W_s as n_out × n_in), so dynamics/ optimizers and curvature/ tools apply. Regularisation (KAN
// paper §2.5): |φ_{j,i}|₁ = mean_n |φ_{j,i}(x_i(n))|, L1 = Σ_l Σ_{j,i} |φ_{j,i}|₁, entropy
// S_l = −Σ p log p with p = |φ_{j,i}|₁ / Σ|φ|₁. Grid update from activation percentiles (blend
// ε·uniform + (1 − ε)·quantiles, ε = 0.02 as in pykan) and grid extension refit the splines by least
// squares; node pruning keeps hidden nodes whose largest incoming and outgoing |φ|₁ exceed a
// threshold, edge pruning zeroes edges with |φ|₁ below one. Scalar-templated: float, double, long double, AutoDiffScalar.
#pragma once

#include "../core/activation.hpp"
#include "../core/error.hpp"
#include "../core/random.hpp"
#include "../core/types.hpp"
#include "bspline.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace nnt {

struct kan_options {
  Index grid = 5;              ///< G, intervals per input grid
  Index order = 3;             ///< k, spline order
  double grid_lower = -1.0;    ///< initial grid range [lower, upper] for every input node
  double grid_upper = 1.0;
  double noise_scale = 0.1;    ///< initial spline coefficients ~ N(0, (noise_scale/G)²)
  double base_scale = 1.0;     ///< initial w_b ~ base_scale·N(0, 1/n_in)
  bool base = true;            ///< include the w_b silu(x) residual branch
};

/// Per-layer state of a forward pass, read by backward().
template <class S>
struct kan_layer_state {
  Matrix<S> x;                 ///< inputs, n_in × N
  Matrix<S> B;                 ///< basis matrix, n_in·(G+k) × N (k + 1 nonzeros per (i, n))
  Matrix<S> dB;                ///< B′ values, (k + 1)·n_in × N (row q + (k+1)·i)
  std::vector<Index> first;    ///< first nonzero basis per (i, n), index i + n_in·n
  Matrix<S> silu, dsilu;       ///< silu(x), silu′(x)
  Matrix<S> scaled;            ///< C̃ = w_s ⊙ c
};

template <class S>
struct kan_workspace {
  std::vector<kan_layer_state<S>> layers;
  Matrix<S> output;
};

template <class S = double>
class kan {
 public:
  explicit kan(std::vector<Index> widths, kan_options options = {}) : widths_(std::move(widths)), options_(options) {
    if (widths_.size() < 2)
      throw_invalid_argument("widths", "at least 2 entries (input and output width)",
                             std::to_string(widths_.size()) + " entries");
    for (std::size_t l = 0; l < widths_.size(); ++l)
      require_at_least<Index>("widths[" + std::to_string(l) + "]", widths_[l], 1);
    require_at_least<Index>("grid", options_.grid, 1);
    require_in_range<Index, Index>("order", options_.order, 0, bspline_basis::max_order);
    require_finite("grid_lower", options_.grid_lower);
    require_finite("grid_upper", options_.grid_upper);
    require_finite("noise_scale", options_.noise_scale);
    require_nonnegative("noise_scale", options_.noise_scale);
    require_finite("base_scale", options_.base_scale);
    for (Index l = 0; l < depth(); ++l)
      for (Index i = 0; i < widths_[l]; ++i)
        bases_.emplace_back(options_.grid_lower, options_.grid_upper, options_.grid, options_.order);
    layout();
  }

  Index depth() const { return static_cast<Index>(widths_.size()) - 1; }
  Index width(Index l) const { return widths_[l]; }
  const std::vector<Index>& widths() const { return widths_; }
  const kan_options& options() const { return options_; }
  Index order() const { return options_.order; }
  Index parameter_count() const { return theta_.size(); }
  const Vector<S>& parameters() const { return theta_; }
  Vector<S>& parameters() { return theta_; }
  void set_parameters(const Vector<S>& theta) {
    require_size("theta", parameter_count(), theta.size());
    theta_ = theta;
  }

  /// The same network in another Scalar (long double, float, AutoDiffScalar).
  template <class T>
  kan<T> cast() const {
    kan<T> other(widths_, options_);
    other.bases_ = bases_;
    other.layout();
    for (Index p = 0; p < parameter_count(); ++p) other.parameters()(p) = T(scalar_value(theta_(p)));
    return other;
  }

  /// The basis (grid) of input node i of layer l.
  const bspline_basis& basis(Index l, Index i) const { return bases_[std::size_t(base_index_[std::size_t(l)] + i)]; }
  /// G + k of layer l (all its input grids have the same number of intervals).
  Index basis_size(Index l) const { return basis(l, 0).size(); }

  /// c of layer l: n_out × (n_in·(G+k)), column i·(G+k) + m.
  MatrixMap<S> coefficients(Index l) {
    return {theta_.data() + offsets_[std::size_t(l)].c, widths_[l + 1], widths_[l] * basis_size(l)};
  }
  ConstMatrixMap<S> coefficients(Index l) const {
    return {theta_.data() + offsets_[std::size_t(l)].c, widths_[l + 1], widths_[l] * basis_size(l)};
  }
  /// W_b, W_s of layer l: n_out × n_in.
  MatrixMap<S> base_weights(Index l) { return {theta_.data() + offsets_[std::size_t(l)].wb, widths_[l + 1], widths_[l]}; }
  ConstMatrixMap<S> base_weights(Index l) const {
    return {theta_.data() + offsets_[std::size_t(l)].wb, widths_[l + 1], widths_[l]};
  }
  MatrixMap<S> spline_weights(Index l) { return {theta_.data() + offsets_[std::size_t(l)].ws, widths_[l + 1], widths_[l]}; }
  ConstMatrixMap<S> spline_weights(Index l) const {
    return {theta_.data() + offsets_[std::size_t(l)].ws, widths_[l + 1], widths_[l]};
  }

  /// c ~ N(0, (noise_scale/G)²), W_b ~ base_scale·N(0, 1/n_in) (0 without the base branch), W_s = 1.
  void initialize(random_generator& rng) {
    for (Index l = 0; l < depth(); ++l) {
      rng.fill_normal(coefficients(l), 0.0, options_.noise_scale / double(basis(l, 0).intervals()));
      if (options_.base && options_.base_scale != 0)
        rng.fill_normal(base_weights(l), 0.0, std::abs(options_.base_scale) / std::sqrt(double(widths_[l])));
      else
        base_weights(l).setZero();
      spline_weights(l).setOnes();
    }
  }
  void initialize(std::uint64_t seed) {
    random_generator rng(seed);
    initialize(rng);
  }

  /// Forward pass on a d × N batch; returns n_L × N (a reference into ws).
  const Matrix<S>& forward(const Matrix<S>& X, kan_workspace<S>& ws) const {
    require_rows("X", widths_.front(), X.rows());
    require_finite("X", X);
    ws.layers.resize(std::size_t(depth()));
    const activation silu = activation::silu();
    const Matrix<S>* in = &X;
    for (Index l = 0; l < depth(); ++l) {
      auto& st = ws.layers[std::size_t(l)];
      const Index n_in = widths_[l], N = in->cols(), nb = basis_size(l), k = order();
      st.x = *in;
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
      out.noalias() = st.scaled * st.B;
      if (options_.base) out.noalias() += base_weights(l) * st.silu;
      in = &out;
    }
    // the next layer's x was written in place; keep ws.layers[l+1].x as the input it saw
    return ws.output;
  }
  Matrix<S> forward(const Matrix<S>& X) const {
    kan_workspace<S> ws;
    return forward(X, ws);
  }

  /// Backward pass from G = ∂L/∂Y (n_L × N) through the state of the last forward(): writes ∂L/∂θ
  /// to grad (resized) and, if asked, ∂L/∂X.
  void backward(const kan_workspace<S>& ws, const Matrix<S>& G, Vector<S>& grad, Matrix<S>* input_grad = nullptr) const {
    require_rows("G", widths_.back(), G.rows());
    require_cols("G", ws.output.cols(), G.cols());
    grad.setZero(parameter_count());
    Matrix<S> g = G, gx;
    for (Index l = depth() - 1; l >= 0; --l) {
      const auto& st = ws.layers[std::size_t(l)];
      const bool need_input = l > 0 || input_grad;  // the first layer's ∂L/∂X only when asked
      if (need_input) gx.setZero(widths_[l], st.x.cols());
      add_layer_backward(l, st, g, grad, need_input ? &gx : nullptr);
      if (need_input) g.swap(gx);
    }
    if (input_grad) *input_grad = g;
  }

  /// Mean |φ_{j,i}(x_i(n))| over the batch of the last forward(), per layer (n_out × n_in).
  std::vector<Matrix<S>> edge_magnitudes(const kan_workspace<S>& ws) const {
    std::vector<Matrix<S>> A;
    for (Index l = 0; l < depth(); ++l) A.push_back(edge_pass(l, ws.layers[std::size_t(l)], nullptr, nullptr));
    return A;
  }

  /// Adds to grad the gradient of λ(μ₁ Σ_l Σ|φ|₁ + μ₂ Σ_l S_l) and returns its value, using the state
  /// of the last forward(); input gradients of the regulariser flow back through earlier layers.
  S add_regularization(const kan_workspace<S>& ws, double lambda, double mu1, double mu2, Vector<S>& grad) const {
    using std::log;
    S value = S(0);
    // per-layer edge magnitudes and ∂R/∂|φ_{j,i}|₁
    std::vector<Matrix<S>> A = edge_magnitudes(ws), R(A.size());
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
    // back-propagate: the regulariser's derivative w.r.t. φ_{j,i}(n) is R_{ji} sign(φ)/N
    Matrix<S> gx_next;  // ∂R/∂(output of layer l), accumulated from later layers
    for (Index l = depth() - 1; l >= 0; --l) {
      const auto& st = ws.layers[std::size_t(l)];
      Matrix<S> gx;
      edge_pass(l, st, &R[std::size_t(l)], &grad, &gx);
      if (gx_next.size()) add_layer_backward(l, st, gx_next, grad, &gx);  // later layers' terms
      gx_next = gx;
    }
    return value;
  }

  /// Moves every input grid of every layer to the activation percentiles of X (blended with a
  /// uniform grid: ε·uniform + (1 − ε)·quantiles, both over [min − m, max + m], m = margin·(max − min),
  /// so inputs slightly beyond the samples stay inside the grid) and refits each edge's spline to its
  /// old values at the samples (least squares); returns the largest refit residual.
  double update_grids(const Matrix<S>& X, double eps = 0.02, double margin = 0.01) {
    require_in_range("eps", eps, 0.0, 1.0);
    require_in_range("margin", margin, 0.0, 1.0);
    kan_workspace<S> ws;
    forward(X, ws);
    double worst = 0;
    for (Index l = 0; l < depth(); ++l) {
      const auto& st = ws.layers[std::size_t(l)];
      const Index n_in = widths_[l], N = st.x.cols(), G = basis(l, 0).intervals();
      for (Index i = 0; i < n_in; ++i) {
        std::vector<double> xs(static_cast<std::size_t>(N));
        for (Index n = 0; n < N; ++n) xs[std::size_t(n)] = double(scalar_value(st.x(i, n)));
        std::sort(xs.begin(), xs.end());
        if (!(xs.back() > xs.front())) continue;  // constant input: keep the grid
        const double pad = margin * (xs.back() - xs.front());
        const double lo = xs.front() - pad, hi = xs.back() + pad;
        std::vector<double> grid(std::size_t(G + 1));
        for (Index p = 0; p <= G; ++p) {
          const double quantile = p == 0 ? lo : p == G ? hi : xs[std::size_t(double(p) * double(N - 1) / double(G))];
          const double uniform = lo + (hi - lo) * double(p) / double(G);
          grid[std::size_t(p)] = eps * uniform + (1 - eps) * quantile;
        }
        for (std::size_t p = 1; p < grid.size(); ++p)  // ties in the quantiles: keep it increasing
          grid[p] = std::max(grid[p], grid[p - 1] + 1e-9 * (hi - lo));
        worst = std::max(worst, refit_node(l, i, bspline_basis(grid, order()), Vector<double>(Eigen::Map<const Vector<double>>(xs.data(), N))));
      }
    }
    return worst;
  }

  /// The same network on uniform grids of G′ intervals over each node's current range, splines
  /// refitted (grid extension); `residual` receives the largest refit residual.
  kan<S> refined(Index G_new, double* residual = nullptr) const {
    require_at_least<Index>("G_new", G_new, 1);
    kan<S> out(*this);
    out.options_.grid = G_new;
    double worst = 0;
    for (Index l = 0; l < depth(); ++l)
      for (Index i = 0; i < widths_[l]; ++i)
        out.bases_[std::size_t(base_index_[std::size_t(l)] + i)] =
            bspline_basis(basis(l, i).lower(), basis(l, i).upper(), G_new, order());
    out.layout();
    for (Index l = 0; l < depth(); ++l) {
      out.base_weights(l) = base_weights(l);
      out.spline_weights(l) = spline_weights(l);
      const Index nb = basis_size(l), nb_new = out.basis_size(l);
      for (Index i = 0; i < widths_[l]; ++i)
        for (Index j = 0; j < widths_[l + 1]; ++j) {
          Vector<double> c(nb);
          for (Index m = 0; m < nb; ++m) c(m) = double(scalar_value(coefficients(l)(j, i * nb + m)));
          const auto fit = bspline_refit(basis(l, i), c, out.basis(l, i));
          worst = std::max(worst, fit.max_residual);
          for (Index m = 0; m < nb_new; ++m) out.coefficients(l)(j, i * nb_new + m) = S(fit.coefficients(m));
        }
    }
    if (residual) *residual = worst;
    return out;
  }

  /// Node pruning: keeps hidden node j of layer l if max_i |φ_{j,i}|₁ > threshold (incoming, layer l−1)
  /// and max_k |φ_{k,j}|₁ > threshold (outgoing, layer l), magnitudes from a forward pass on X.
  /// Returns the smaller network; kept[l] lists the kept node indices of each layer.
  kan<S> pruned(const Matrix<S>& X, double threshold, std::vector<std::vector<Index>>* kept_nodes = nullptr) const {
    require_finite("threshold", threshold);
    require_nonnegative("threshold", threshold);
    kan_workspace<S> ws;
    forward(X, ws);
    const auto A = edge_magnitudes(ws);
    std::vector<std::vector<Index>> kept(widths_.size());
    for (Index i = 0; i < widths_.front(); ++i) kept.front().push_back(i);
    for (Index i = 0; i < widths_.back(); ++i) kept.back().push_back(i);
    for (Index l = 1; l < depth(); ++l)
      for (Index j = 0; j < widths_[l]; ++j) {
        const double in = double(scalar_value(A[std::size_t(l - 1)].row(j).maxCoeff()));
        const double out = double(scalar_value(A[std::size_t(l)].col(j).maxCoeff()));
        if (in > threshold && out > threshold) kept[std::size_t(l)].push_back(j);
      }
    std::vector<Index> w;
    for (const auto& k : kept) w.push_back(std::max<Index>(1, static_cast<Index>(k.size())));
    kan<S> out(w, options_);
    for (Index l = 0; l < depth(); ++l)
      for (std::size_t a = 0; a < kept[std::size_t(l)].size(); ++a)
        out.bases_[std::size_t(out.base_index_[std::size_t(l)] + Index(a))] = basis(l, kept[std::size_t(l)][a]);
    out.layout();
    for (Index l = 0; l < depth(); ++l) {
      const Index nb = basis_size(l);
      const auto& ins = kept[std::size_t(l)];
      const auto& outs = kept[std::size_t(l + 1)];
      for (std::size_t b = 0; b < outs.size(); ++b)
        for (std::size_t a = 0; a < ins.size(); ++a) {
          out.base_weights(l)(Index(b), Index(a)) = base_weights(l)(outs[b], ins[a]);
          out.spline_weights(l)(Index(b), Index(a)) = spline_weights(l)(outs[b], ins[a]);
          for (Index m = 0; m < nb; ++m)
            out.coefficients(l)(Index(b), Index(a) * nb + m) = coefficients(l)(outs[b], ins[a] * nb + m);
        }
    }
    if (kept_nodes) *kept_nodes = kept;
    return out;
  }

  /// Edge pruning: sets every edge with mean |φ_{j,i}|₁ ≤ threshold on X to zero (w_b = w_s = 0, c = 0);
  /// returns how many edges were removed. The network keeps its shape.
  Index prune_edges(const Matrix<S>& X, double threshold) {
    require_finite("threshold", threshold);
    require_nonnegative("threshold", threshold);
    kan_workspace<S> ws;
    forward(X, ws);
    const auto A = edge_magnitudes(ws);
    Index removed = 0;
    for (Index l = 0; l < depth(); ++l) {
      const Index nb = basis_size(l);
      for (Index i = 0; i < widths_[l]; ++i)
        for (Index j = 0; j < widths_[l + 1]; ++j)
          if (double(scalar_value(A[std::size_t(l)](j, i))) <= threshold) {
            base_weights(l)(j, i) = S(0);
            spline_weights(l)(j, i) = S(0);
            coefficients(l).block(j, i * nb, 1, nb).setZero();
            ++removed;
          }
    }
    return removed;
  }

  /// φ_{j,i}(x) of layer l (input node i, output node j).
  double edge_function(Index l, Index i, Index j, double x) const {
    const auto& b = basis(l, i);
    const Index nb = b.size();
    Vector<double> c(nb);
    for (Index m = 0; m < nb; ++m) c(m) = double(scalar_value(coefficients(l)(j, i * nb + m)));
    const double base = options_.base ? double(scalar_value(base_weights(l)(j, i))) * activation::silu().value(x) : 0.0;
    return base + double(scalar_value(spline_weights(l)(j, i))) * b.spline(c, x);
  }

  /// Writes every edge function φ_{j,i} sampled at `samples` points over its input grid's extended
  /// range to `path` as CSV: layer,in,out,x,phi (nothing else is written).
  void export_edges(const std::filesystem::path& path, Index samples = 101) const {
    require_at_least<Index>("samples", samples, 2);
    std::ofstream csv(path);
    if (!csv) throw_invalid_argument("path", "a writable file", path.string());
    csv << "layer,in,out,x,phi\n";
    for (Index l = 0; l < depth(); ++l)
      for (Index i = 0; i < widths_[l]; ++i) {
        const auto& b = basis(l, i);
        for (Index s = 0; s < samples; ++s) {
          const double x = b.lower() + (b.upper() - b.lower()) * double(s) / double(samples - 1);
          for (Index j = 0; j < widths_[l + 1]; ++j)
            csv << l << "," << i << "," << j << "," << x << "," << edge_function(l, i, j, x) << "\n";
        }
      }
  }

 private:
  struct layer_offsets {
    Index c, wb, ws;
  };

  void layout() {
    base_index_.clear();
    Index b = 0;
    for (Index l = 0; l < depth(); ++l) {
      base_index_.push_back(b);
      b += widths_[l];
    }
    offsets_.clear();
    Index offset = 0;
    for (Index l = 0; l < depth(); ++l) {
      layer_offsets o;
      o.c = offset;
      offset += widths_[l + 1] * widths_[l] * basis_size(l);
      o.wb = offset;
      offset += widths_[l + 1] * widths_[l];
      o.ws = offset;
      offset += widths_[l + 1] * widths_[l];
      offsets_.push_back(o);
    }
    theta_ = Vector<S>::Zero(offset);
  }

  Matrix<S> scaled_coefficients(Index l) const {
    const Index nb = basis_size(l);
    Matrix<S> C = coefficients(l);
    const auto w_s = spline_weights(l);
    for (Index i = 0; i < widths_[l]; ++i) C.middleCols(i * nb, nb).array().colwise() *= w_s.col(i).array();
    return C;
  }

  // Edge values φ_{j,i}(x_i(n)) of layer l, one (i, n) at a time (O(N n_in n_out (k+1))). Returns the
  // mean |φ| per edge; with R given, also adds to grad the gradient of Σ_{j,i} R_{ji} |φ_{j,i}|₁ and
  // writes its input gradient (n_in × N) to gx.
  Matrix<S> edge_pass(Index l, const kan_layer_state<S>& st, const Matrix<S>* R, Vector<S>* grad,
                      Matrix<S>* gx = nullptr) const {
    const Index n_in = widths_[l], n_out = widths_[l + 1], N = st.x.cols(), nb = basis_size(l), k = order();
    const auto c = coefficients(l);
    const auto w_b = base_weights(l);
    const auto w_s = spline_weights(l);
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
        if (options_.base) phi += w_b.col(i) * st.silu(i, n);
        using std::abs;
        for (Index j = 0; j < n_out; ++j) A(j, i) += abs(phi(j)) / S(double(N));
        if (!R) continue;
        MatrixMap<S> gc(grad->data() + offsets_[std::size_t(l)].c, n_out, n_in * nb);
        MatrixMap<S> gwb(grad->data() + offsets_[std::size_t(l)].wb, n_out, n_in);
        MatrixMap<S> gws(grad->data() + offsets_[std::size_t(l)].ws, n_out, n_in);
        for (Index j = 0; j < n_out; ++j) {
          const double sign = scalar_value(phi(j)) > 0 ? 1.0 : scalar_value(phi(j)) < 0 ? -1.0 : 0.0;
          const S e = (*R)(j, i) * S(sign / double(N));  // ∂R/∂φ_{j,i}(n)
          if (sign == 0) continue;
          gws(j, i) += e * spline(j);
          if (options_.base) gwb(j, i) += e * st.silu(i, n);
          for (Index q = 0; q <= k; ++q) gc(j, i * nb + f + q) += e * w_s(j, i) * st.B(i * nb + f + q, n);
          if (gx) (*gx)(i, n) += e * (w_s(j, i) * dspline(j) + (options_.base ? S(w_b(j, i) * st.dsilu(i, n)) : S(0)));
        }
      }
    return A;
  }

  // grad += the parameter gradient of ⟨G, layer output⟩ for layer l; gx += its input gradient
  // (skipped when gx is null).
  void add_layer_backward(Index l, const kan_layer_state<S>& st, const Matrix<S>& G, Vector<S>& grad, Matrix<S>* gx) const {
    const Index n_in = widths_[l], n_out = widths_[l + 1], N = st.x.cols(), nb = basis_size(l), k = order();
    MatrixMap<S> gc(grad.data() + offsets_[std::size_t(l)].c, n_out, n_in * nb);
    MatrixMap<S> gwb(grad.data() + offsets_[std::size_t(l)].wb, n_out, n_in);
    MatrixMap<S> gws(grad.data() + offsets_[std::size_t(l)].ws, n_out, n_in);
    const Matrix<S> gscaled = G * st.B.transpose();  // ∂C̃
    const auto c = coefficients(l);
    const auto w_s = spline_weights(l);
    for (Index i = 0; i < n_in; ++i) {
      gc.middleCols(i * nb, nb).array() += gscaled.middleCols(i * nb, nb).array().colwise() * w_s.col(i).array();
      gws.col(i).array() += (gscaled.middleCols(i * nb, nb).array() * c.middleCols(i * nb, nb).array()).rowwise().sum();
    }
    if (options_.base) gwb.noalias() += G * st.silu.transpose();
    if (!gx) return;
    const Matrix<S> dBmat = st.scaled.transpose() * G;  // ∂B, n_in·nb × N
#ifdef _OPENMP
#pragma omp parallel for schedule(static) if (N * n_in >= 16384)
#endif
    for (Index n = 0; n < N; ++n)
      for (Index i = 0; i < n_in; ++i) {
        const Index f = st.first[std::size_t(i + n_in * n)];
        for (Index q = 0; q <= k; ++q) (*gx)(i, n) += dBmat(i * nb + f + q, n) * st.dB(q + (k + 1) * i, n);
      }
    if (options_.base) gx->array() += (base_weights(l).transpose() * G).array() * st.dsilu.array();
  }

  // Refits the splines of every edge leaving input node i of layer l onto `to`, matching their old
  // values at the samples xs; returns the largest residual.
  double refit_node(Index l, Index i, bspline_basis to, const Vector<double>& xs) {
    const Index nb = basis_size(l);
    const auto& from = basis(l, i);
    double worst = 0;
    std::vector<Vector<double>> fresh;
    for (Index j = 0; j < widths_[l + 1]; ++j) {
      Vector<double> c(nb), y(xs.size());
      for (Index m = 0; m < nb; ++m) c(m) = double(scalar_value(coefficients(l)(j, i * nb + m)));
      for (Index n = 0; n < xs.size(); ++n) y(n) = from.spline(c, xs(n));
      const auto fit = bspline_fit(to, xs, y, 1e-10);
      worst = std::max(worst, fit.max_residual);
      fresh.push_back(fit.coefficients);
    }
    bases_[std::size_t(base_index_[std::size_t(l)] + i)] = std::move(to);
    for (Index j = 0; j < widths_[l + 1]; ++j)
      for (Index m = 0; m < nb; ++m) coefficients(l)(j, i * nb + m) = S(fresh[std::size_t(j)](m));
    return worst;
  }

  template <class>
  friend class kan;

  std::vector<Index> widths_;
  kan_options options_;
  std::vector<bspline_basis> bases_;
  std::vector<Index> base_index_;
  std::vector<layer_offsets> offsets_;
  Vector<S> theta_;
};

}  // namespace nnt
