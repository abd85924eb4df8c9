// nnt/kernels/layer.hpp — composable infinite-width kernel steps, like neural-tangents' stax.
// A step maps the kernel entry of a pair of inputs (K, Θ and, for precision, the squared distance
// dist = E(u − v)² and diff = K_bb − K_aa) to the next one:
//   dense(C_w, C_b):   K′ = C_w K + C_b,   dist′ = C_w dist,   diff′ = C_w diff,
//                      Θ′ = C_w Θ + C_w K + C_b              (NTK parameterisation)
//                      Θ′ = C_w Θ + n_in K + 1               (standard; n_in = fan-in; grows with width)
//                      (without bias: drop C_b and the 1)
//   nonlinearity(σ):   K′ = E σ(u)σ(v),  Θ′ = E σ′(u)σ′(v) · Θ,   (u, v) ~ N(0, K)
// (Jacot et al. 2018; Lee et al. 2019; Novak et al. 2020, "Neural Tangents"). The input is
// K⁰ = xᵀx′/d, dist⁰ = ‖x − x′‖²/d, diff⁰ = (x′ − x)ᵀ(x′ + x)/d, Θ⁰ = 0, so dense → σ → … → dense
// gives the recursion of COURSE.md N3 (Θ^{(1)} = K^{(1)} = C_b + C_w xᵀx′/d). Moments come from
// kernels/moments.hpp. kernels/nngp_ntk.hpp evaluates a network of steps on whole Gram matrices.
#pragma once

#include "../core/activation.hpp"
#include "../core/error.hpp"
#include "../core/parameterization.hpp"
#include "../core/quadrature.hpp"
#include "moments.hpp"

#include <initializer_list>
#include <memory>
#include <string>
#include <vector>

namespace nnt {

enum class kernel_step_kind { dense, nonlinearity };

/// One step of a kernel network; build with dense() and nonlinearity().
struct kernel_step {
  kernel_step_kind kind = kernel_step_kind::dense;
  double C_w = 1.0;
  double C_b = 0.0;
  bool bias = true;
  parameterization param = parameterization::ntk;
  Index fan_in = 0;  ///< standard parameterisation only; 0 = the input dimension (first layer)
  activation sigma = activation::identity();
  Index quadrature_order = 0;  ///< for activations without closed form; 0 = automatic (moments.hpp)
};

/// A fully connected layer (weights W ~ N(0, C_w/n_in), biases ~ N(0, C_b)).
inline kernel_step dense(double C_w, double C_b = 0.0, parameterization param = parameterization::ntk,
                         Index fan_in = 0, bool bias = true) {
  require_finite("C_w", C_w);
  require_positive("C_w", C_w);
  require_finite("C_b", C_b);
  require_nonnegative("C_b", C_b);
  require_at_least<Index>("fan_in", fan_in, 0);
  kernel_step s;
  s.kind = kernel_step_kind::dense;
  s.C_w = C_w;
  s.C_b = C_b;
  s.param = param;
  s.fan_in = fan_in;
  s.bias = bias;
  return s;
}

/// An elementwise activation.
inline kernel_step nonlinearity(activation sigma, Index quadrature_order = 0) {
  require_at_least<Index>("quadrature_order", quadrature_order, 0);
  kernel_step s;
  s.kind = kernel_step_kind::nonlinearity;
  s.sigma = sigma;
  s.quadrature_order = quadrature_order;
  return s;
}

/// A serial composition of steps. Its kernel is the one after the last step; the per-layer
/// kernels K^{(l)}, Θ^{(l)} are those after each dense step.
class kernel_network {
 public:
  kernel_network() = default;
  explicit kernel_network(std::vector<kernel_step> steps) : steps_(std::move(steps)) {
    if (dense_count() == 0)
      throw_invalid_argument("steps", "at least one dense step", std::to_string(steps_.size()) +
                                                                    " steps, none dense");
    for (std::size_t i = 1; i < steps_.size(); ++i)
      if (steps_[i].kind == kernel_step_kind::dense && steps_[i].param == parameterization::standard &&
          steps_[i].fan_in == 0)
        throw_invalid_argument("steps[" + std::to_string(i) + "].fan_in",
                               "the layer width (> 0) for a standard-parameterised hidden layer", "0");
  }
  kernel_network(std::initializer_list<kernel_step> steps)
      : kernel_network(std::vector<kernel_step>(steps)) {}

  const std::vector<kernel_step>& steps() const { return steps_; }
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

/// dense → σ → dense → … → dense with `depth` dense layers (depth − 1 activations), all with the
/// same (C_w, C_b): the kernel of mlp({d, n, …, n, k}, σ, {param, C_w, C_b}) as n → ∞. The
/// standard parameterisation needs the hidden width n (its NTK grows with it).
inline kernel_network fully_connected_kernel(Index depth, activation sigma, double C_w, double C_b = 0.0,
                                             parameterization param = parameterization::ntk,
                                             Index hidden_width = 0) {
  require_at_least<Index>("depth", depth, 1);
  if (param == parameterization::standard && depth > 1)
    require_at_least<Index>("hidden_width", hidden_width, 1);
  std::vector<kernel_step> steps;
  for (Index l = 0; l < depth; ++l) {
    if (l > 0) steps.push_back(nonlinearity(sigma));
    steps.push_back(dense(C_w, C_b, param, l == 0 ? 0 : hidden_width));
  }
  return kernel_network(std::move(steps));
}

/// The kernel state of one pair of inputs a, b (a = b for a diagonal entry).
template <class S>
struct kernel_entry {
  S k11 = 0, k22 = 0, k12 = 0, dist = 0, diff = 0;  ///< NNGP part (as gaussian_pair)
  S t11 = 0, t22 = 0, t12 = 0;                       ///< NTK part
};

namespace detail {

template <class S>
S dense_ntk_increment(const kernel_step& s, Index fan_in, S k) {
  if (s.param == parameterization::ntk) return S(s.C_w) * k + (s.bias ? S(s.C_b) : S(0));
  return S(fan_in) * k + (s.bias ? S(1) : S(0));
}

}  // namespace detail

/// Applies one step to a pair entry. `input_dim` is the fan-in of a first standard layer with
/// fan_in = 0; `rule` is the Gauss–Hermite rule of the step's order (for activations without
/// closed-form moments).
template <class S>
kernel_entry<S> apply_step(const kernel_step& s, const kernel_entry<S>& e, Index input_dim,
                           const moment_quadrature<S>& rule) {
  kernel_entry<S> out;
  if (s.kind == kernel_step_kind::dense) {
    const S cw = S(s.C_w), cb = s.bias ? S(s.C_b) : S(0);
    const Index n = s.fan_in > 0 ? s.fan_in : input_dim;
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
  const pair_moments<S> m =
      activation_moments(s.sigma, rounded_gaussian_pair(e.k11, e.k22, e.k12, e.dist, e.diff), rule);
  out.k11 = m.ss11;
  out.k22 = m.ss22;
  out.k12 = m.ss12;
  out.dist = m.dist;
  out.diff = m.diff;
  // Θ′_aa needs E σ′(u)² at the diagonal variances: the moments of the pair (a, a).
  auto self = [&](S k) {
    return activation_moments(s.sigma, gaussian_pair<S>{k, k, k, S(0), S(0)}, rule).dd12;
  };
  out.t11 = self(e.k11) * e.t11;
  out.t22 = e.k22 == e.k11 && e.diff == 0 ? self(e.k11) * e.t22 : self(e.k22) * e.t22;
  out.t12 = m.dd12 * e.t12;
  return out;
}

/// The input entry of x, x′ (dimension d): K = xᵀx′/d with dist and diff summed exactly.
template <class S, class A, class B>
kernel_entry<S> input_entry(const Eigen::MatrixBase<A>& x, const Eigen::MatrixBase<B>& y) {
  const S d = S(x.size());
  kernel_entry<S> e;
  e.k11 = S(x.squaredNorm()) / d;
  e.k22 = S(y.squaredNorm()) / d;
  e.k12 = S(x.dot(y)) / d;
  e.dist = S((x - y).squaredNorm()) / d;
  e.diff = S((y - x).dot(y + x)) / d;
  return e;
}

/// Quadrature rules for the steps that need them (nullptr elsewhere), built once per call.
template <class S>
class step_quadratures {
 public:
  explicit step_quadratures(const kernel_network& net) : rules_(net.steps().size()) {
    for (std::size_t i = 0; i < rules_.size(); ++i) {
      const auto& s = net.steps()[i];
      if (s.kind == kernel_step_kind::nonlinearity && !has_closed_form_moments(s.sigma))
        rules_[i] = std::make_shared<const moment_quadrature<S>>(s.quadrature_order);
    }
  }
  /// The rules of step i (an empty fixed rule for steps that use closed forms).
  const moment_quadrature<S>& operator[](std::size_t i) const {
    static const moment_quadrature<S> unused(1);
    return rules_[i] ? *rules_[i] : unused;
  }
  bool any() const {
    for (const auto& r : rules_)
      if (r) return true;
    return false;
  }
  std::size_t size() const { return rules_.size(); }

 private:
  std::vector<std::shared_ptr<const moment_quadrature<S>>> rules_;
};

/// The kernel of one pair through the whole network (reference path; the Gram functions of
/// nngp_ntk.hpp give the same numbers for many pairs at once).
template <class S, class A, class B>
kernel_entry<S> pair_kernel(const kernel_network& net, const Eigen::MatrixBase<A>& x,
                            const Eigen::MatrixBase<B>& y) {
  require_size("y", x.size(), y.size());
  require_finite("x", x.derived());
  require_finite("y", y.derived());
  const step_quadratures<S> rules(net);
  kernel_entry<S> e = input_entry<S>(x, y);
  for (std::size_t i = 0; i < rules.size(); ++i) e = apply_step(net.steps()[i], e, x.size(), rules[i]);
  return e;
}

}  // namespace nnt
