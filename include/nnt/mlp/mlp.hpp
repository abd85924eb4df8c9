// nnt/mlp/mlp.hpp — fully connected networks with a flat parameter vector.
//
// Layers l = 1..L map widths n₀ → n₁ → … → n_L:
//   z_l = s_w,l · W_l a_{l−1} + s_b · b_l,   a_l = σ_l(z_l),   a₀ = x,   output a_L
//   standard parameterisation:  W ~ N(0, C_w/n_{l−1}), b ~ N(0, C_b),   s_w = s_b = 1
//   NTK parameterisation:       W, b ~ N(0, 1),  s_w,l = √(C_w/n_{l−1}),  s_b = √C_b
// (Jacot et al. 2018; Roberts, Yaida & Hanin, "The Principles of Deep Learning Theory", ch. 2).
// Both give the same distribution of the function at initialisation; they differ in how the
// gradients, and hence the NTK and training dynamics, scale with width.
// θ is one Vector<S>: layer by layer W_l (n_l × n_{l−1}, column-major), then b_l (if biases).
// forward() keeps z_l and a_l in an mlp_workspace, reused across calls (allocates only when the
// batch size changes), which mlp/derivatives.hpp reads for backpropagation.
#pragma once

#include "../core/activation.hpp"
#include "../core/error.hpp"
#include "../core/parameterization.hpp"
#include "../core/random.hpp"
#include "../core/types.hpp"

#include <cmath>
#include <string>
#include <utility>
#include <vector>

namespace nnt {

struct mlp_options {
  parameterization param = parameterization::standard;
  double C_w = 1.0;  ///< weight variance (times 1/fan-in)
  double C_b = 0.0;  ///< bias variance
  bool bias = true;  ///< whether layers have biases (without them C_b is unused)
};

/// Per-call state of a forward pass: z[l] and a[l+1] for layer l = 0..L−1 (a[0] = input).
template <class S>
struct mlp_workspace {
  std::vector<Matrix<S>> z;
  std::vector<Matrix<S>> a;
  Index batch = -1;
};

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
      offset += widths_[l + 1] * widths_[l];
      bias_offsets_.push_back(offset);
      if (options_.bias) offset += widths_[l + 1];
    }
    theta_ = Vector<S>::Zero(offset);
  }

  /// Hidden layers use `hidden`, the last layer `output` (identity by default).
  mlp(std::vector<Index> widths, activation hidden, mlp_options options = {},
      activation output = activation::identity())
      : mlp(widths, layer_activations(widths, hidden, output), options) {}

  Index input_dim() const { return widths_.front(); }
  Index output_dim() const { return widths_.back(); }
  /// Number of layers L (weight matrices).
  Index depth() const { return static_cast<Index>(widths_.size()) - 1; }
  Index width(Index l) const { return widths_[l]; }
  const std::vector<Index>& widths() const { return widths_; }
  const activation& layer_activation(Index l) const { return activations_[l]; }
  const std::vector<activation>& activations() const { return activations_; }
  const mlp_options& options() const { return options_; }
  Index parameter_count() const { return theta_.size(); }

  /// s_w of layer l (0-based): √(C_w/n_l) in NTK parameterisation, 1 in standard. Real-typed
  /// (double for AutoDiffScalar), so it never mixes an empty derivative vector into products.
  real_type_t<S> weight_scale(Index l) const {
    using R = real_type_t<S>;
    return options_.param == parameterization::ntk ? R(std::sqrt(options_.C_w / double(widths_[l])))
                                                   : R(1);
  }
  /// s_b: √C_b in NTK parameterisation, 1 in standard.
  real_type_t<S> bias_scale() const {
    using R = real_type_t<S>;
    return options_.param == parameterization::ntk ? R(std::sqrt(options_.C_b)) : R(1);
  }

  const Vector<S>& parameters() const { return theta_; }
  Vector<S>& parameters() { return theta_; }
  void set_parameters(const Vector<S>& theta) {
    require_size("theta", parameter_count(), theta.size());
    theta_ = theta;
  }

  Index weight_offset(Index l) const { return weight_offsets_[l]; }
  Index bias_offset(Index l) const { return bias_offsets_[l]; }

  /// W_l as an n_{l+1} × n_l view into θ (l is 0-based).
  MatrixMap<S> weight(Index l) { return {theta_.data() + weight_offsets_[l], widths_[l + 1], widths_[l]}; }
  ConstMatrixMap<S> weight(Index l) const {
    return {theta_.data() + weight_offsets_[l], widths_[l + 1], widths_[l]};
  }
  /// b_l as a view into θ (empty when the net has no biases).
  VectorMap<S> bias(Index l) {
    return {theta_.data() + bias_offsets_[l], options_.bias ? widths_[l + 1] : 0};
  }
  ConstVectorMap<S> bias(Index l) const {
    return {theta_.data() + bias_offsets_[l], options_.bias ? widths_[l + 1] : 0};
  }

  /// Draws θ: standard W ~ N(0, C_w/n_in), b ~ N(0, C_b); NTK W, b ~ N(0, 1).
  void initialize(random_generator& rng) {
    const bool ntk = options_.param == parameterization::ntk;
    for (Index l = 0; l < depth(); ++l) {
      rng.fill_normal(weight(l), 0.0, ntk ? 1.0 : std::sqrt(options_.C_w / double(widths_[l])));
      if (options_.bias) rng.fill_normal(bias(l), 0.0, ntk ? 1.0 : std::sqrt(options_.C_b));
    }
  }
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

  /// Forward pass on a d × N batch; returns a_L (a reference into ws, valid until its next use).
  const Matrix<S>& forward(const Matrix<S>& X, mlp_workspace<S>& ws) const {
    require_rows("X", input_dim(), X.rows());
    const Index N = X.cols();
    prepare(ws, N);
    ws.a[0] = X;
    for (Index l = 0; l < depth(); ++l) {
      ws.z[l].noalias() = (weight_scale(l) * weight(l)) * ws.a[l];
      if (options_.bias) ws.z[l].colwise() += bias_scale() * bias(l);
      activations_[l].value_into(ws.z[l].array(), ws.a[l + 1].array());
    }
    return ws.a[depth()];
  }

  /// Forward pass without a workspace (allocates).
  Matrix<S> forward(const Matrix<S>& X) const {
    mlp_workspace<S> ws;
    return forward(X, ws);
  }

  void prepare(mlp_workspace<S>& ws, Index N) const {
    if (ws.batch == N && static_cast<Index>(ws.z.size()) == depth()) return;
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
