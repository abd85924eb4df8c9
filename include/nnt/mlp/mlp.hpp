// nnt/mlp/mlp.hpp — fully connected networks n₀ → n₁ → … → n_L with one flat parameter vector θ:
//   z_l = s_w,l W_l a_{l−1} + s_b b_l,  a_l = σ_l(z_l),  a₀ = x   (l = 1..L, output a_L)
//   ntk (default):  W, b ~ N(0, 1),  s_w,l = √(C_w/n_{l−1}),  s_b = √C_b     (Jacot et al. 2018)
//   standard:       W ~ N(0, C_w/n_{l−1}), b ~ N(0, C_b),  s_w = s_b = 1
// Same function distribution at initialisation; gradients (the NTK) scale differently with width
// (Roberts, Yaida & Hanin, "The Principles of Deep Learning Theory", ch. 2). θ holds layer by layer
// W_l (n_l × n_{l−1}, column-major) then b_l; forward() keeps z_l, a_l in a reusable workspace.
#pragma once

#include "../core/activation.hpp"
#include "../core/detail/thread_stable_product.hpp"
#include "../core/error.hpp"
#include "../core/parameterization.hpp"
#include "../core/random.hpp"
#include "../core/types.hpp"

#include <cmath>
#include <string>
#include <utility>
#include <vector>

namespace nnt {

/// How every layer is initialised and scaled; the same fields, order and default (NTK) as the
/// kernels' dense() step, so mlp(widths, σ, o) and kernel_of(net) describe the same network.
struct mlp_options {
  double C_w = 1.0;  ///< weight variance times the fan-in: W ~ N(0, C_w/n_in) in effect
  double C_b = 0.0;  ///< bias variance
  /// ntk (default: W, b ~ N(0, 1), scales s_w, s_b in the forward pass) or standard (the variances
  /// in the initialisation, s_w = s_b = 1).
  parameterization param = parameterization::ntk;
  bool bias = true;  ///< whether layers have biases (without them C_b is unused)
};

/// Per-call state of a forward pass: z[l] and a[l+1] for layer l = 0..L−1 (a[0] = input).
template <class S>
struct mlp_workspace {
  std::vector<Matrix<S>> z;  ///< z[l], pre-activations of layer l (n_{l+1} × N), L entries
  std::vector<Matrix<S>> a;  ///< a[l], activations (a[0] = X, a[L] = output), L + 1 entries
  Index batch = -1;          ///< N the buffers are sized for; −1 before the first prepare()
};

/// A fully connected network n₀ → n₁ → … → n_L owning its flat parameter vector θ (P entries,
/// layer by layer W_l then b_l); the file comment gives the layer map and parameterisations.
template <class S = double>
class mlp {
 public:
  /// widths = {n₀, n₁, …, n_L}; activations[l] follows layer l + 1 (size L).
  mlp(std::vector<Index> widths, std::vector<activation> activations, mlp_options options = {})
      : widths_(std::move(widths)), activations_(std::move(activations)), options_(options) {
    if (widths_.size() < 2)
      throw_invalid_argument("widths", "at least 2 entries (input and output width)",
                             std::to_string(widths_.size()) + " entries");
    for (std::size_t l = 0; l < widths_.size(); ++l)
      require_at_least<Index>("widths[" + std::to_string(l) + "]", widths_[l], 1);
    require_size("activations", depth(), static_cast<Index>(activations_.size()));
    require_finite("C_w", options_.C_w);
    require_positive("C_w", options_.C_w);
    require_finite("C_b", options_.C_b);
    require_nonnegative("C_b", options_.C_b);
    Index offset = 0;
    for (Index l = 0; l < depth(); ++l) {
      weight_offsets_.push_back(offset);
      offset = checked_sum(offset, checked_product("widths", widths_[l + 1], widths_[l]));
      bias_offsets_.push_back(offset);
      if (options_.bias) offset = checked_sum(offset, widths_[l + 1]);
    }
    require_allocation("theta (the parameter count of widths)", offset, sizeof(S));
    theta_ = Vector<S>::Zero(offset);
  }

  /// Hidden layers use `hidden`, the last layer `output` (identity by default).
  mlp(std::vector<Index> widths, activation hidden, mlp_options options = {},
      activation output = activation::identity())
      : mlp(widths, layer_activations(widths, hidden, output), options) {}

  /// n₀, the rows of the inputs X that forward() takes.
  Index input_dim() const { return widths_.front(); }
  /// n_L = k, the rows of forward()'s output.
  Index output_dim() const { return widths_.back(); }
  /// Number of layers L (weight matrices).
  Index depth() const { return static_cast<Index>(widths_.size()) - 1; }
  /// n_l for l = 0..L (0: input, L: output).
  Index width(Index l) const {
    require_index("l", l, depth() + 1);
    return widths_[std::size_t(l)];
  }
  /// {n₀, n₁, …, n_L} as given to the constructor (L + 1 entries).
  const std::vector<Index>& widths() const { return widths_; }
  /// σ of layer l (0-based, l < L).
  const activation& layer_activation(Index l) const {
    require_index("l", l, depth());
    return activations_[std::size_t(l)];
  }
  /// All L activations; entry l (0-based) is applied after weight matrix l.
  const std::vector<activation>& activations() const { return activations_; }
  /// The options the net was built with (C_w, C_b, parameterisation, biases).
  const mlp_options& options() const { return options_; }
  /// P = Σ_l n_l·n_{l−1} (+ Σ_l n_l with biases), the size of θ.
  Index parameter_count() const { return theta_.size(); }

  /// s_w of layer l (0-based): √(C_w/n_l) in NTK parameterisation, 1 in standard. Real-typed
  /// (double for AutoDiffScalar), so it never mixes an empty derivative vector into products.
  real_type_t<S> weight_scale(Index l) const {
    require_index("l", l, depth());
    using R = real_type_t<S>;
    return options_.param == parameterization::ntk ? R(std::sqrt(options_.C_w / double(widths_[l])))
                                                   : R(1);
  }
  /// s_b: √C_b in NTK parameterisation, 1 in standard.
  real_type_t<S> bias_scale() const {
    using R = real_type_t<S>;
    return options_.param == parameterization::ntk ? R(std::sqrt(options_.C_b)) : R(1);
  }

  /// θ (P entries): layer by layer W_l (column-major) then b_l.
  const Vector<S>& parameters() const { return theta_; }
  /// θ, writable in place (keep its size P).
  Vector<S>& parameters() { return theta_; }
  /// θ ← theta; throws nnt::invalid_argument unless theta has P entries. Non-finite entries are
  /// accepted on purpose: a diverged optimiser's iterate is loaded and evaluated, its NaN/inf loss
  /// is what reports status::diverged (every nnt activation propagates NaN).
  void set_parameters(const const_vector_ref<S>& theta) {
    require_size("theta", parameter_count(), theta.size());
    theta_ = theta;
  }

  /// Offset of W_l in θ (l is 0-based, < L; throws nnt::invalid_argument otherwise).
  Index weight_offset(Index l) const {
    require_index("l", l, depth());
    return weight_offsets_[std::size_t(l)];
  }
  /// Offset of b_l in θ, right after W_l (l is 0-based, < L; throws nnt::invalid_argument
  /// otherwise); without biases b_l is empty there.
  Index bias_offset(Index l) const {
    require_index("l", l, depth());
    return bias_offsets_[std::size_t(l)];
  }

  /// W_l as an n_{l+1} × n_l view into θ (l is 0-based).
  MatrixMap<S> weight(Index l) {
    return {theta_.data() + weight_offset(l), widths_[l + 1], widths_[l]};
  }
  /// W_l as a read-only n_{l+1} × n_l view into θ (l is 0-based).
  ConstMatrixMap<S> weight(Index l) const {
    return {theta_.data() + weight_offset(l), widths_[l + 1], widths_[l]};
  }
  /// b_l as a view into θ (empty when the net has no biases).
  VectorMap<S> bias(Index l) {
    return {theta_.data() + bias_offset(l), options_.bias ? widths_[l + 1] : 0};
  }
  /// b_l as a read-only view into θ (n_{l+1} entries; empty when the net has no biases).
  ConstVectorMap<S> bias(Index l) const {
    return {theta_.data() + bias_offset(l), options_.bias ? widths_[l + 1] : 0};
  }

  /// Draws θ: standard W ~ N(0, C_w/n_in), b ~ N(0, C_b); NTK W, b ~ N(0, 1).
  void initialize(random_generator& rng) {
    const bool ntk = options_.param == parameterization::ntk;
    for (Index l = 0; l < depth(); ++l) {
      rng.fill_normal(weight(l), 0.0, ntk ? 1.0 : std::sqrt(options_.C_w / double(widths_[l])));
      if (options_.bias) rng.fill_normal(bias(l), 0.0, ntk ? 1.0 : std::sqrt(options_.C_b));
    }
  }
  /// initialize(rng) with a fresh random_generator(seed): θ is reproducible from the seed alone.
  void initialize(std::uint64_t seed) {
    random_generator rng(seed);
    initialize(rng);
  }

  /// The same network in another Scalar (long double, AutoDiffScalar, float).
  template <class T>
  mlp<T> cast() const {
    mlp<T> other(widths_, activations_, options_);
    for (Index i = 0; i < parameter_count(); ++i) other.parameters()(i) = T(theta_(i));
    return other;
  }

  /// Forward pass on a d × N batch (finite entries); returns a_L, a reference into ws valid until
  /// its next use. Non-finite outputs from finite inputs are possible (overflowing weights):
  /// callers that need a guarantee check the result (the optimizers report it as diverged).
  const Matrix<S>& forward(const const_matrix_ref<S>& X, mlp_workspace<S>& ws) const {
    require_rows("X", input_dim(), X.rows());
    require_finite("X", X);
    const Index N = X.cols();
    prepare(ws, N);
    ws.a[0] = X;
    for (Index l = 0; l < depth(); ++l) {
      const auto l_ = std::size_t(l);
      detail::thread_stable_product(ws.z[l_], weight(l), ws.a[l_], weight_scale(l));
      if (options_.bias) ws.z[l_].colwise() += bias_scale() * bias(l);
      activations_[l_].value_into(ws.z[l_].array(), ws.a[l_ + 1].array());
    }
    return ws.a[std::size_t(depth())];
  }

  /// Forward pass without a workspace (allocates).
  Matrix<S> forward(const const_matrix_ref<S>& X) const {
    mlp_workspace<S> ws;
    return forward(X, ws);
  }

  /// Sizes ws for a batch of N (no allocation when it already fits).
  void prepare(mlp_workspace<S>& ws, Index N) const {
    if (ws.batch == N && static_cast<Index>(ws.z.size()) == depth()) return;
    Index largest = 0;
    for (Index n : widths_) largest = std::max(largest, n);
    require_allocation("X.cols() (the forward workspace)", checked_product("X.cols()", largest, N),
                       sizeof(S));
    ws.z.resize(depth());
    ws.a.resize(depth() + 1);
    ws.a[0].resize(input_dim(), N);
    for (Index l = 0; l < depth(); ++l) {
      ws.z[l].resize(widths_[l + 1], N);
      ws.a[l + 1].resize(widths_[l + 1], N);
    }
    ws.batch = N;
  }

 private:
  static void require_index(std::string_view name, Index l, Index count) {
    if (l < 0 || l >= count)
      throw_invalid_argument(name, "an index in [0, " + std::to_string(count) + ")",
                             std::to_string(l));
  }
  static Index checked_sum(Index a, Index b) {
    Index out = 0;
    if (__builtin_add_overflow(a, b, &out))
      throw_invalid_argument("widths", "a parameter count below 2^63", "an overflowing count");
    return out;
  }

  static std::vector<activation> layer_activations(const std::vector<Index>& widths,
                                                   activation hidden, activation output) {
    if (widths.size() < 2) return {};
    std::vector<activation> acts(widths.size() - 1, hidden);
    acts.back() = output;
    return acts;
  }

  std::vector<Index> widths_;
  std::vector<activation> activations_;
  mlp_options options_;
  std::vector<Index> weight_offsets_, bias_offsets_;
  Vector<S> theta_;
};

}  // namespace nnt
