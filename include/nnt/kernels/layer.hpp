// nnt/kernels/layer.hpp — infinite-width kernel networks composed like neural-tangents' stax: a
// step maps a pair entry (K, Θ and, for precision, dist = E(u − v)², diff = K_bb − K_aa) onward:
//   dense(C_w, C_b):  K′ = C_w K + C_b, dist′ = C_w dist, Θ′ = C_w Θ + C_w K + C_b   (NTK param.)
//                     Θ′ = C_w Θ + n_in K + 1                                       (standard)
//   nonlinearity(σ):  K′ = E σ(u)σ(v), Θ′ = E σ′(u)σ′(v)·Θ, (u, v) ~ N(0, K) (kernels/moments.hpp)
// The input entry is K⁰ = xᵀx′/d, dist⁰ = ‖x − x′‖²/d, Θ⁰ = 0, so the first dense step gives the
// base kernel K¹ = Θ¹ = C_b + C_w xᵀx′/d (Jacot et al. 2018; Lee et al. 2019; Novak et al. 2020).
// kernels/nngp_ntk.hpp evaluates a network on whole Gram matrices, fused per tile.
#pragma once

#include "../core/activation.hpp"
#include "../core/error.hpp"
#include "../core/gaussian_pair.hpp"
#include "../core/parameterization.hpp"
#include "moments.hpp"

#include <algorithm>
#include <cmath>
#include <initializer_list>
#include <limits>
#include <memory>
#include <string>
#include <vector>

namespace nnt {

/// What a kernel_step does: dense (an affine layer, acting on K and Θ through C_w, C_b) or
/// nonlinearity (an elementwise activation σ, acting through its Gaussian pair moments).
enum class kernel_step_kind { dense, nonlinearity };

/// One step of a kernel network; build with dense() and nonlinearity().
struct kernel_step {
  kernel_step_kind kind = kernel_step_kind::dense;  ///< dense or nonlinearity: which fields apply
  double C_w = 1.0;  ///< dense: weight variance, W ~ N(0, C_w/n_in), K′ = C_w K + C_b (> 0)
  double C_b = 0.0;  ///< dense: bias variance, b ~ N(0, C_b) (≥ 0; ignored when bias is false)
  /// dense: the NTK increment, ntk: Θ′ = C_w Θ + C_w K + C_b; standard: Θ′ = C_w Θ + n_in K + 1.
  parameterization param = parameterization::ntk;
  bool bias = true;  ///< dense: false drops C_b from K′ and the bias term (C_b or 1) from Θ′
  Index fan_in = 0;  ///< standard parameterisation only; 0 = the input dimension (first layer)
  activation sigma = activation::identity();  ///< nonlinearity: σ (identity for a dense step)
  Index quadrature_order = 0;  ///< for activations without closed form; 0 = the activation's ladder
};

/// A fully connected layer W ~ N(0, C_w/n_in), b ~ N(0, C_b); the same argument order and default
/// parameterisation (NTK) as mlp_options. fan_in (standard parameterisation, hidden layers): n_in.
inline kernel_step dense(double C_w = 1.0, double C_b = 0.0,
                         parameterization param = parameterization::ntk, Index fan_in = 0,
                         bool bias = true) {
  require_finite("C_w", C_w);
  require_positive("C_w", C_w);
  require_finite("C_b", C_b);
  require_nonnegative("C_b", C_b);
  require_at_least<Index>("fan_in", fan_in, 0);
  return {kernel_step_kind::dense, C_w, C_b, param, bias, fan_in, activation::identity(), 0};
}

/// An elementwise activation; quadrature_order 0 uses σ's measured Gauss–Hermite ladder.
inline kernel_step nonlinearity(activation sigma, Index quadrature_order = 0) {
  require_in_range<Index, Index>("quadrature_order", quadrature_order, 0, max_gauss_hermite_order);
  kernel_step s;
  s.kind = kernel_step_kind::nonlinearity;
  s.sigma = sigma;
  s.quadrature_order = quadrature_order;
  return s;
}

/// A serial composition of steps (at least one dense). Its kernel is the one after the last step;
/// the per-layer kernels K^{(l)}, Θ^{(l)} are those after each dense step.
class kernel_network {
 public:
  /// The network of `steps`, first step applied to the input entry first. Throws
  /// nnt::invalid_argument ("steps") without a dense step, and ("steps[i].fan_in") when a
  /// standard-parameterised dense step after the first dense step has fan_in = 0.
  explicit kernel_network(std::vector<kernel_step> steps) : steps_(std::move(steps)) {
    if (dense_count() == 0)
      throw_invalid_argument("steps", "at least one dense step",
                             std::to_string(steps_.size()) + " steps, none dense");
    // The first dense step's fan-in defaults to the input dimension (fan_in = 0); later ones are
    // hidden layers whose width the standard parameterisation needs.
    bool seen_dense = false;
    for (std::size_t i = 0; i < steps_.size(); ++i) {
      if (steps_[i].kind != kernel_step_kind::dense) continue;
      const bool first = !seen_dense;
      seen_dense = true;
      if (!first && steps_[i].param == parameterization::standard && steps_[i].fan_in == 0)
        throw_invalid_argument("steps[" + std::to_string(i) + "].fan_in",
                               "the layer width (> 0) for a standard-parameterised hidden layer",
                               "0");
    }
  }
  /// The network {step, step, …}, e.g. {dense(), nonlinearity(σ), dense()}; checked as above.
  kernel_network(std::initializer_list<kernel_step> steps)
      : kernel_network(std::vector<kernel_step>(steps)) {}

  /// The steps in order, the one applied to the input entry first.
  const std::vector<kernel_step>& steps() const { return steps_; }
  /// Number of steps, dense and nonlinearity together.
  Index size() const { return static_cast<Index>(steps_.size()); }
  /// Number of dense steps (the depth L of the network).
  Index dense_count() const {
    Index n = 0;
    for (const auto& s : steps_) n += s.kind == kernel_step_kind::dense;
    return n;
  }

 private:
  std::vector<kernel_step> steps_;
};

/// The architecture of mlp({d, n, …, n, k}, σ, {C_w, C_b, param}) with hidden_layers hidden layers.
struct fully_connected_options {
  Index hidden_layers =
      1;             ///< hidden layers (activations); the network has hidden_layers + 1 dense steps
  double C_w = 1.0;  ///< weight variance of every dense step (> 0)
  double C_b = 0.0;  ///< bias variance of every dense step (≥ 0)
  parameterization param = parameterization::ntk;  ///< parameterisation of every dense step
  bool bias = true;        ///< whether the dense steps have biases (false: C_b is not used)
  Index hidden_width = 0;  ///< n, needed by the standard parameterisation (its NTK grows with n)
};

/// dense → σ → dense → … → dense, the width → ∞ kernel of that mlp.
inline kernel_network fully_connected_kernel(activation sigma, const fully_connected_options& o) {
  require_at_least<Index>("hidden_layers", o.hidden_layers, 0);
  require_in_range<Index, Index>("hidden_layers", o.hidden_layers, 0, 100000);
  if (o.param == parameterization::standard && o.hidden_layers > 0)
    require_at_least<Index>("hidden_width", o.hidden_width, 1);
  std::vector<kernel_step> steps;
  for (Index l = 0; l <= o.hidden_layers; ++l) {
    if (l > 0) steps.push_back(nonlinearity(sigma));
    steps.push_back(dense(o.C_w, o.C_b, o.param, l == 0 ? 0 : o.hidden_width, o.bias));
  }
  return kernel_network(std::move(steps));
}

/// The kernel state of one pair of inputs a, b (a = b for a diagonal entry).
template <class S>
struct kernel_entry {
  S k11 = 0, k22 = 0, k12 = 0, dist = 0, diff = 0;  ///< NNGP part (as gaussian_pair)
  S t11 = 0, t22 = 0, t12 = 0;                      ///< NTK part
  /// \var k11
  /// K(a, a), the NNGP variance of input a.
  /// \var k22
  /// K(b, b), the NNGP variance of input b.
  /// \var k12
  /// K(a, b), the NNGP covariance.
  /// \var dist
  /// E(u − v)² = k11 + k22 − 2k12, carried without cancellation (0 for a = b).
  /// \var diff
  /// k22 − k11, carried without cancellation.
  /// \var t11
  /// Θ(a, a), the NTK of input a with itself (0 at the input entry).
  /// \var t22
  /// Θ(b, b).
  /// \var t12
  /// Θ(a, b), the NTK.
};

namespace detail {

template <class S>
S dense_ntk_increment(const kernel_step& s, Index fan_in, S k) {
  if (s.param == parameterization::ntk) return S(s.C_w) * k + (s.bias ? S(s.C_b) : S(0));
  return S(fan_in) * k + (s.bias ? S(1) : S(0));
}

}  // namespace detail

/// Applies one step to a pair entry. `input_dim` is the fan-in of a first standard layer with
/// fan_in = 0 (then ≥ 1, else invalid_argument); `quadrature` serves activations without
/// closed-form moments. Non-finite entries pass a dense step (overflow becomes the caller's status)
/// and are refused by a nonlinearity (require_gaussian_pair).
template <class S>
kernel_entry<S> apply_step(const kernel_step& s, const kernel_entry<S>& e, Index input_dim,
                           const moment_quadrature<S>& quadrature) {
  kernel_entry<S> out;
  if (s.kind == kernel_step_kind::dense) {
    const S cw = S(s.C_w), cb = s.bias ? S(s.C_b) : S(0);
    const Index n = s.fan_in > 0 ? s.fan_in : input_dim;
    if (s.param == parameterization::standard) require_at_least<Index>("input_dim", n, 1);
    out.k11 = cw * e.k11 + cb;
    out.k22 = cw * e.k22 + cb;
    out.k12 = cw * e.k12 + cb;
    out.dist = cw * e.dist;
    out.diff = cw * e.diff;
    out.t11 = cw * e.t11 + detail::dense_ntk_increment(s, n, e.k11);
    out.t22 = cw * e.t22 + detail::dense_ntk_increment(s, n, e.k22);
    out.t12 = cw * e.t12 + detail::dense_ntk_increment(s, n, e.k12);
    return out;
  }
  // rounded_gaussian_pair clamps the ulps by which rounding leaves Cauchy–Schwarz; an entry
  // further out is not a covariance, and clamping it would hide the mistake.
  using std::abs;
  using std::sqrt;
  const S slack = std::max(S(1e-10), 64 * std::numeric_limits<S>::epsilon());
  if (e.k11 >= 0 && e.k22 >= 0 && abs(e.k12) > (1 + slack) * sqrt(e.k11) * sqrt(e.k22))
    throw_invalid_argument("k12", "|k12| ≤ √(k11·k22) up to rounding (a covariance)",
                           format_value(e.k12) + " with k11 = " + format_value(e.k11) +
                               ", k22 = " + format_value(e.k22));
  const pair_moments<S> m = activation_moments(
      s.sigma, rounded_gaussian_pair(e.k11, e.k22, e.k12, e.dist, e.diff), quadrature);
  out.k11 = m.ss11;
  out.k22 = m.ss22;
  out.k12 = m.ss12;
  out.dist = m.dist;
  out.diff = m.diff;
  // Θ′_aa needs E σ′(u)² at the diagonal variances: the moments of the pair (a, a).
  auto self = [&](S k) {
    return activation_moments(s.sigma, gaussian_pair<S>{k, k, k, S(0), S(0)}, quadrature).dd12;
  };
  const S self11 = self(e.k11);
  out.t11 = self11 * e.t11;
  out.t22 = (e.k22 == e.k11 && e.diff == 0 ? self11 : self(e.k22)) * e.t22;
  out.t12 = m.dd12 * e.t12;
  return out;
}

/// The input entry of x, x′ (dimension d ≥ 1, the same for both; else invalid_argument): K = xᵀx′/d
/// with dist and diff summed exactly.
template <class S, class A, class B>
kernel_entry<S> input_entry(const Eigen::MatrixBase<A>& x, const Eigen::MatrixBase<B>& y) {
  require_at_least<Index>("x.size()", x.size(), 1);
  require_size("y", x.size(), y.size());
  const S d = S(x.size());
  kernel_entry<S> e;
  e.k11 = S(x.squaredNorm()) / d;
  e.k22 = S(y.squaredNorm()) / d;
  e.k12 = S(x.dot(y)) / d;
  e.dist = S((x - y).squaredNorm()) / d;
  e.diff = S((y - x).dot(y + x)) / d;
  return e;
}

/// The quadrature of each step (the activation's ladder, or its fixed order).
template <class S>
class step_quadratures {
 public:
  /// One rule per step of net: quadrature_order for a nonlinearity step (0 = σ's ladder), the
  /// ladder rule for a dense step (never used there).
  explicit step_quadratures(const kernel_network& net) {
    for (const auto& s : net.steps())
      rules_.emplace_back(s.kind == kernel_step_kind::nonlinearity ? s.quadrature_order : 0);
    for (const auto& s : net.steps())
      any_ =
          any_ || (s.kind == kernel_step_kind::nonlinearity && !s.sigma.has_closed_form_moments());
  }
  /// The rule of step i (unchecked: i < size()).
  const moment_quadrature<S>& operator[](std::size_t i) const { return rules_[i]; }
  /// True when some step integrates numerically (worth parallelising the diagonal pass).
  bool any() const { return any_; }
  /// Number of rules, net.size().
  std::size_t size() const { return rules_.size(); }

 private:
  std::vector<moment_quadrature<S>> rules_;
  bool any_ = false;
};

/// The kernel of one pair through the whole network (the reference path; the Gram functions of
/// kernels/nngp_ntk.hpp give the same numbers for many pairs at once).
template <class A, class B, class S = typename A::Scalar>
kernel_entry<S> pair_kernel(const kernel_network& net, const Eigen::MatrixBase<A>& x,
                            const Eigen::MatrixBase<B>& y) {
  require_at_least<Index>("x.size()", x.size(), 1);
  require_size("y", x.size(), y.size());
  require_finite("x", x.derived());
  require_finite("y", y.derived());
  const step_quadratures<S> rules(net);
  kernel_entry<S> e = input_entry<S>(x, y);
  for (std::size_t i = 0; i < rules.size(); ++i)
    e = apply_step(net.steps()[i], e, x.size(), rules[i]);
  return e;
}

}  // namespace nnt
