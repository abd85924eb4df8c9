// nnt/core/activation.hpp — activation functions: everything nnt knows about each one in one
// struct of nnt::activations (σ, σ′, σ″ for any Scalar; vectorised array paths; closed-form
// Gaussian moments where they exist; the Gauss–Hermite orders measured for the others), the
// run-time `activation` that holds one, and visit(), which hands the concrete struct to a generic
// lambda. Conventions: at kinks the left value (relu′(0) = 0, leaky′(0) = a), except
// softsign″(0) = 0, the mean of ±2; gelu is the exact x·Φ(x). Adding an activation = one struct,
// one activation_kind, one line in visit(). Closed forms: Cho & Saul 2009 (ReLU arc-cosine),
// Williams 1997 (erf); see each struct.
#pragma once

#include "error.hpp"
#include "gaussian_pair.hpp"
#include "scalar_math.hpp"
#include "types.hpp"

#include <array>
#include <charconv>
#include <cmath>
#include <concepts>
#include <numbers>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>

namespace nnt {

/// Which activation an nnt::activation holds: one enumerator per struct of nnt::activations
/// (tanh ↔ tanh_fn, sigmoid ↔ sigmoid_fn, erf ↔ erf_fn; the others share the struct's name).
enum class activation_kind {
  identity,
  relu,
  leaky_relu,
  tanh,
  sigmoid,
  softplus,
  erf,
  gelu,
  silu,
  softsign
};

/// One rung of a Gauss–Hermite ladder: with `order` nodes per dimension the pair moments of the
/// activation are within 1e-12 of their values (relative, floors 1e-3 for E σσ and E σ′σ′, 1e-6 for
/// the distance) for every variance up to `max_variance` — measured against 30-digit mpmath values
/// (tests/reference/gaussian_moments_reference.py), asserted at every rung in
/// tests/kernels/moments.cpp.
/// Beyond the last rung its order is used and the error grows (tanh at K = 4: 5e-12, K = 10:
/// ~1e-7).
struct hermite_rung {
  int order;            ///< Gauss–Hermite nodes per dimension
  double max_variance;  ///< largest variance (k11, k22) for which `order` meets the 1e-12 target
};

namespace detail {
/// The variance K of a single-input moment: finite and ≥ 0 ("K: expected a finite value, …").
template <class S>
void require_moment_variance(const S& K) {
  require_finite("K", K);
  require_nonnegative("K", K);
}
}  // namespace detail

namespace activations {

using std::exp;
using std::log;
using std::sqrt;
using std::tanh;

/// σ(x) = x.
struct identity {
  static constexpr activation_kind kind = activation_kind::identity;  ///< its activation_kind
  static constexpr std::string_view name = "identity";  ///< spelling for name(), from_name()
  /// σ(x) = x.
  template <class S>
  S value(const S& x) const {
    return x;
  }
  /// σ′(x) = 1 (with x's derivative layout).
  template <class S>
  S derivative(const S& x) const {
    return S(math::zero_like(x) + 1.0);
  }
  /// σ″(x) = 0 (with x's derivative layout).
  template <class S>
  S second_derivative(const S& x) const {
    return math::zero_like(x);
  }
  /// Vectorised path: out = x (Order 0), 1 (Order 1) or 0 (Order 2); out already has x's shape.
  template <int Order, class In, class Out>
  void array(const In& x, Out& out) const {
    if constexpr (Order == 0)
      out = x;
    else
      out.setConstant(typename Out::Scalar(Order == 1 ? 1 : 0));
  }
  /// Exact: E σσ = k12, E σ(u)² = k11, E σ(v)² = k22, dist and diff passed through, E σ′σ′ = 1.
  /// Throws nnt::invalid_argument unless p passes require_gaussian_pair().
  template <class S>
  pair_moments<S> gaussian_pair_moments(const gaussian_pair<S>& p) const {
    require_gaussian_pair(p);
    return {p.k12, p.k11, p.k22, p.dist, S(1), p.diff};
  }
  /// u ~ N(0, K): E σ² = K, E σ′² = 1, E σσ″ = 0 (K finite and ≥ 0, else invalid_argument).
  template <class S>
  single_input_moments<S> gaussian_moments(S K) const {
    detail::require_moment_variance(K);
    return {K, S(1), S(0)};
  }
};

/// σ(x) = max(x, 0). Pair moments: the arc-cosine kernels of order 1 and 0 (Cho & Saul 2009),
///   E σσ = (√(k11k22)/2π)(sin θ + (π − θ) cos θ),   E σ′σ′ = (π − θ)/2π,
/// and E(σ(u) − σ(v))² = ((π − θ)/2π)·dist + (θ/2π)(√k11 − √k22)² + (√(k11k22)/π)(θ − sin θ),
/// a sum of non-negative terms, so near-duplicate inputs keep full relative precision.
struct relu {
  static constexpr activation_kind kind = activation_kind::relu;  ///< its activation_kind
  static constexpr std::string_view name = "relu";  ///< spelling for name(), from_name()
  /// σ(x) = x for x > 0, else 0; NaN stays NaN (a diverged pre-activation must not become 0).
  template <class S>
  S value(const S& x) const {
    return scalar_value(x) < 0 ? math::zero_like(x) : x;
  }
  /// σ′(x) = 1 for x > 0, else 0 (relu′(0) = 0).
  template <class S>
  S derivative(const S& x) const {
    return S(math::zero_like(x) + (scalar_value(x) > 0 ? 1.0 : 0.0));
  }
  /// σ″(x) = 0 (the kink at 0 carries no delta).
  template <class S>
  S second_derivative(const S& x) const {
    return math::zero_like(x);
  }
  /// Vectorised path: out = x < 0 ? 0 : x, [x > 0] or 0 for Order 0, 1, 2; out already has x's shape.
  template <int Order, class In, class Out>
  void array(const In& x, Out& out) const {
    using T = typename Out::Scalar;
    if constexpr (Order == 0)
      out = (x < T(0)).select(out.Constant(x.rows(), x.cols(), T(0)), x);  // NaN passes through
    else if constexpr (Order == 1)
      // select vectorises; a cast of the boolean array does not (3× slower on 512 × 512)
      out = (x > T(0)).select(T(1), out.Constant(x.rows(), x.cols(), T(0)));
    else
      out.setZero();
  }
  /// The arc-cosine closed forms of the struct comment (E σ(u)² = k11/2, diff/2); a zero variance
  /// gives E σσ = E σ′σ′ = 0. Throws nnt::invalid_argument unless p passes require_gaussian_pair().
  template <class S>
  pair_moments<S> gaussian_pair_moments(const gaussian_pair<S>& p) const {
    require_gaussian_pair(p);
    const S pi = std::numbers::pi_v<S>;
    pair_moments<S> m{};
    m.ss11 = p.k11 / 2;
    m.ss22 = p.k22 / 2;
    m.diff = p.diff / 2;
    if (p.k11 == 0 || p.k22 == 0) {  // one side is identically 0
      m.ss12 = 0;
      m.dd12 = 0;
      m.dist = m.ss11 + m.ss22;
      return m;
    }
    const auto g = angle_of(p);
    m.ss12 = g.a * g.b / (2 * pi) * (g.sin_theta + (pi - g.theta) * g.cos_theta());
    m.dd12 = (pi - g.theta) / (2 * pi);
    m.dist = (pi - g.theta) / (2 * pi) * p.dist + g.theta / (2 * pi) * g.a_minus_b_sq +
             g.a * g.b / pi * g.theta_minus_sin;
    return m;
  }
  /// u ~ N(0, K): E σ² = K/2, E σ′² = 1/2 (0 at K = 0, u ≡ 0), E σσ″ = 0 (K finite and ≥ 0, else
  /// invalid_argument).
  template <class S>
  single_input_moments<S> gaussian_moments(S K) const {
    detail::require_moment_variance(K);
    return {K / 2, K > 0 ? S(0.5) : S(0), S(0)};
  }
};

/// σ(x) = x for x > 0, a·x otherwise; σ = (1 − a) relu + a·id, so its pair moments follow from
/// ReLU's: E σσ = (1 − a)² E relu·relu + a k12, E σ′σ′ = a² + a(1 − a)(P(u>0) + P(v>0)) + (1 −
/// a)²(π − θ)/2π.
struct leaky_relu {
  double slope = 0.01;  ///< a, the slope for x ≤ 0 (not checked here; activation checks it)
  static constexpr activation_kind kind = activation_kind::leaky_relu;  ///< its activation_kind
  static constexpr std::string_view name = "leaky_relu";  ///< spelling for name(), from_name()
  /// σ(x) = x for x > 0, a·x otherwise.
  template <class S>
  S value(const S& x) const {
    return scalar_value(x) > 0 ? x : S(x * slope);
  }
  /// σ′(x) = 1 for x > 0, a otherwise (leaky′(0) = a).
  template <class S>
  S derivative(const S& x) const {
    return S(math::zero_like(x) + (scalar_value(x) > 0 ? 1.0 : slope));
  }
  /// σ″(x) = 0 (the kink at 0 carries no delta).
  template <class S>
  S second_derivative(const S& x) const {
    return math::zero_like(x);
  }
  /// Vectorised path: σ, σ′ (1 or a) or 0 for Order 0, 1, 2; out already has x's shape.
  template <int Order, class In, class Out>
  void array(const In& x, Out& out) const {
    using T = typename Out::Scalar;
    const T a(slope);
    if constexpr (Order == 0)
      out = (x > T(0)).select(x, a * x);
    else if constexpr (Order == 1)
      out = (x > T(0)).select(T(1), out.Constant(x.rows(), x.cols(), a));
    else
      out.setZero();
  }
  /// Closed form from ReLU's moments (struct comment); dist and diff mix as c·relu + a·p with
  /// c = (1 − a)². Throws nnt::invalid_argument unless p passes require_gaussian_pair().
  template <class S>
  pair_moments<S> gaussian_pair_moments(const gaussian_pair<S>& p) const {
    const pair_moments<S> r = relu{}.gaussian_pair_moments(p);
    const S a(slope), c = (1 - a) * (1 - a);
    pair_moments<S> m{};
    m.ss12 = c * r.ss12 + a * p.k12;
    m.ss11 = c * r.ss11 + a * p.k11;
    m.ss22 = c * r.ss22 + a * p.k22;
    m.dist = c * r.dist + a * p.dist;
    m.diff = c * r.diff + a * p.diff;
    const S pu = p.k11 > 0 ? S(0.5) : S(0), pv = p.k22 > 0 ? S(0.5) : S(0);
    m.dd12 = a * a + a * (1 - a) * (pu + pv) + c * r.dd12;
    return m;
  }
  /// u ~ N(0, K): E σ² = (1 + a²)K/2, E σ′² = (1 + a²)/2 (a² at K = 0), E σσ″ = 0.
  template <class S>
  single_input_moments<S> gaussian_moments(S K) const {
    detail::require_moment_variance(K);
    const S a2 = S(slope) * S(slope);  // at K = 0, u = 0 and σ′(0) = a
    return {(1 + a2) * K / 2, K > 0 ? (1 + a2) / 2 : a2, S(0)};
  }
};

/// σ(x) = tanh x, σ′ = 1 − t², σ″ = −2t(1 − t²). Its poles at ±iπ/2 limit Gauss–Hermite.
struct tanh_fn {
  static constexpr activation_kind kind = activation_kind::tanh;  ///< its activation_kind
  static constexpr std::string_view name = "tanh";  ///< spelling for name(), from_name()
  /// σ(x) = tanh x.
  template <class S>
  S value(const S& x) const {
    return tanh(x);
  }
  /// σ′(x) = 1 − t², t = tanh x.
  template <class S>
  S derivative(const S& x) const {
    const S t = tanh(x);
    return S(1.0 - t * t);
  }
  /// σ″(x) = −2t(1 − t²), t = tanh x.
  template <class S>
  S second_derivative(const S& x) const {
    const S t = tanh(x);
    return S(-2.0 * t * S(1.0 - t * t));
  }
  /// Vectorised σ, σ′, σ″ (Order 0, 1, 2) for float only: Eigen's vectorised rational tanh (a few
  /// ulps, ~10× std::tanh); Eigen 3.4 has no vectorised double tanh, so double goes through the
  /// scalar formula.
  template <int Order, class In, class Out>
  requires std::is_same_v<typename Out::Scalar, float>
  void array(const In& x, Out& out) const {
    out = x.tanh();
    if constexpr (Order == 1)
      out = 1.0f - out.square();
    else if constexpr (Order == 2)
      out = -2.0f * out * (1.0f - out.square());
  }
  /// σ′, σ″ from y = σ(x) of a forward pass: 1 − y², −2y(1 − y²).
  template <int Order, class Y, class Out>
  void array_from_value(const Y& y, Out& out) const {
    using T = typename Out::Scalar;
    if constexpr (Order == 1)
      out = T(1) - y.square();
    else
      out = T(-2) * y * (T(1) - y.square());
  }
  /// Measured Gauss–Hermite orders by variance (see hermite_rung), ascending max_variance.
  static constexpr std::array<hermite_rung, 7> hermite_ladder{{{64, 0.24620924014946257},
                                                               {96, 0.54844165761210185},
                                                               {128, 0.6666},
                                                               {192, 1.2216773489967920},
                                                               {256, 1.3},
                                                               {384, 1.8233480008684412},
                                                               {512, 2.7213387683753078}}};
};

/// σ(x) = 1/(1 + e⁻ˣ), σ′ = s(1 − s), σ″ = s(1 − s)(1 − 2s).
struct sigmoid_fn {
  static constexpr activation_kind kind = activation_kind::sigmoid;  ///< its activation_kind
  static constexpr std::string_view name = "sigmoid";  ///< spelling for name(), from_name()
  /// σ(x) = s = 1/(1 + e⁻ˣ) (math::logistic, no overflow for either sign).
  template <class S>
  S value(const S& x) const {
    return math::logistic(x);
  }
  /// σ′(x) = s(1 − s).
  template <class S>
  S derivative(const S& x) const {
    const S s = math::logistic(x);
    return S(s * S(1.0 - s));
  }
  /// σ″(x) = s(1 − s)(1 − 2s).
  template <class S>
  S second_derivative(const S& x) const {
    const S s = math::logistic(x);
    return S(s * S(1.0 - s) * S(1.0 - 2.0 * s));
  }
  /// Vectorised σ, σ′, σ″ (Order 0, 1, 2): Eigen's vectorised logistic() is within 2 ulps of
  /// 1/(1 + e⁻ˣ) for x ≥ −700 (below, the result is subnormal) and ~5× faster than a scalar loop.
  template <int Order, class In, class Out>
  void array(const In& x, Out& out) const {
    using T = typename Out::Scalar;
    out = x.logistic();  // out holds s, then is transformed in place
    if constexpr (Order == 1)
      out = out * (T(1) - out);
    else if constexpr (Order == 2)
      out = out * (T(1) - out) * (T(1) - T(2) * out);
  }
  /// σ′, σ″ from y = σ(x) of a forward pass: y(1 − y), y(1 − y)(1 − 2y).
  template <int Order, class Y, class Out>
  void array_from_value(const Y& y, Out& out) const {
    using T = typename Out::Scalar;
    if constexpr (Order == 1)
      out = y * (T(1) - y);
    else
      out = y * (T(1) - y) * (T(1) - T(2) * y);
  }
  /// Measured Gauss–Hermite orders by variance (see hermite_rung), ascending max_variance.
  static constexpr std::array<hermite_rung, 9> hermite_ladder{{{32, 0.54844165761210185},
                                                               {48, 0.81854673070690280},
                                                               {64, 1.3},
                                                               {96, 1.8233480008684412},
                                                               {128, 2.7213387683753078},
                                                               {160, 4.0615859883769793},
                                                               {256, 6.0618989934975733},
                                                               {384, 9.0473572423492972},
                                                               {512, 13.503140378698731}}};
};

/// σ(x) = log(1 + eˣ), σ′ = sigmoid, σ″ = sigmoid′.
struct softplus {
  static constexpr activation_kind kind = activation_kind::softplus;  ///< its activation_kind
  static constexpr std::string_view name = "softplus";  ///< spelling for name(), from_name()
  /// σ(x) = log(1 + eˣ) (math::log1p_exp: no overflow, full precision for x ≪ 0).
  template <class S>
  S value(const S& x) const {
    return math::log1p_exp(x);
  }
  /// σ′(x) = 1/(1 + e⁻ˣ).
  template <class S>
  S derivative(const S& x) const {
    return math::logistic(x);
  }
  /// σ″(x) = s(1 − s), s = 1/(1 + e⁻ˣ).
  template <class S>
  S second_derivative(const S& x) const {
    return sigmoid_fn{}.derivative(x);
  }
  /// Vectorised σ = max(x, 0) + log1p(e^{−|x|}) (Order 0); σ′, σ″ are sigmoid_fn's Order 0, 1.
  template <int Order, class In, class Out>
  void array(const In& x, Out& out) const {
    using T = typename Out::Scalar;
    if constexpr (Order == 0)
      out = x.max(T(0)) + (-x.abs()).exp().log1p();
    else
      sigmoid_fn{}.array<Order - 1>(x, out);
  }
  /// Measured Gauss–Hermite orders by variance (see hermite_rung), ascending max_variance.
  static constexpr std::array<hermite_rung, 9> hermite_ladder{{{32, 0.81854673070690280},
                                                               {48, 1.3},
                                                               {64, 1.8233480008684412},
                                                               {96, 2.7213387683753078},
                                                               {128, 4.0615859883769793},
                                                               {160, 6.0618989934975733},
                                                               {256, 9.0473572423492972},
                                                               {384, 13.503140378698731},
                                                               {512, 20.153376859417330}}};
};

/// σ(x) = erf x. Pair moments (Williams 1997): E σσ = (2/π) asin(2k12/√((1 + 2k11)(1 + 2k22))),
/// E σ′σ′ = (4/π)/√((1 + 2k11)(1 + 2k22) − 4k12²); single input E σσ″ = −8K/(π(1 + 2K)√(1 + 4K)).
/// The distance is (2/π)[g + 2(asin pq − asin(pq cos θ))], p² = 2k11/(1 + 2k11), q² likewise, whose
/// radial part g = asin p² + asin q² − 2 asin pq is summed as a series in ln(p/q) when p ≈ q.
struct erf_fn {
  static constexpr activation_kind kind = activation_kind::erf;  ///< its activation_kind
  static constexpr std::string_view name = "erf";  ///< spelling for name(), from_name()
  static constexpr double two_over_sqrt_pi = 2 * std::numbers::inv_sqrtpi;  ///< 2/√π = σ′(0)
  /// σ(x) = erf x (math::erf, so AutoDiffScalar works too).
  template <class S>
  S value(const S& x) const {
    return math::erf(x);
  }
  /// σ′(x) = (2/√π) e^{−x²}.
  template <class S>
  S derivative(const S& x) const {
    return S(two_over_sqrt_pi * S(exp(S(-x * x))));
  }
  /// σ″(x) = −(4/√π) x e^{−x²}.
  template <class S>
  S second_derivative(const S& x) const {
    const S gauss = exp(S(-x * x));
    if (scalar_value(gauss) == 0) return math::zero_like(x);  // not ∞·0 at |x| = ∞
    return S(-2.0 * two_over_sqrt_pi * x * gauss);
  }
  /// The Williams closed forms of the struct comment, dist and diff without cancellation (asin
  /// differences rewritten). Throws nnt::invalid_argument unless p passes require_gaussian_pair().
  template <class S>
  pair_moments<S> gaussian_pair_moments(const gaussian_pair<S>& p) const;
  /// u ~ N(0, K): E σ² = (2/π) asin(2K/(1 + 2K)), E σ′² = (4/π)/√(1 + 4K),
  /// E σσ″ = −8K/(π(1 + 2K)√(1 + 4K)) (K finite and ≥ 0, else invalid_argument).
  template <class S>
  single_input_moments<S> gaussian_moments(S K) const {
    detail::require_moment_variance(K);
    using std::asin;
    const S pi = std::numbers::pi_v<S>, r = sqrt(1 + 4 * K);
    return {2 / pi * asin(2 * K / (1 + 2 * K)), 4 / (pi * r), -8 * K / (pi * (1 + 2 * K) * r)};
  }
};

/// σ(x) = x·Φ(x) (exact, with Φ(x) = erfc(−x/√2)/2, which keeps relative precision for x ≪ 0),
/// σ′ = Φ + xφ, σ″ = φ(2 − x²).
struct gelu {
  static constexpr activation_kind kind = activation_kind::gelu;  ///< its activation_kind
  static constexpr std::string_view name = "gelu";             ///< spelling for name(), from_name()
  static constexpr double inv_sqrt2 = 0.70710678118654752440;  ///< 1/√2
  static constexpr double inv_sqrt_2pi = 0.39894228040143267794;  ///< 1/√(2π) = φ(0)
  /// Φ(x) = erfc(−x/√2)/2, the standard normal CDF (relative precision kept for x ≪ 0).
  template <class S>
  static S cdf(const S& x) {
    return S(0.5 * math::erfc(S(-x * inv_sqrt2)));
  }
  /// φ(x) = e^{−x²/2}/√(2π), the standard normal density.
  template <class S>
  static S pdf(const S& x) {
    return S(inv_sqrt_2pi * S(exp(S(-0.5 * x * x))));
  }
  /// σ(x) = x·Φ(x) (0 where Φ(x) underflows, not ∞·0 at x = −∞).
  template <class S>
  S value(const S& x) const {
    const S c = cdf(x);
    if (scalar_value(c) == 0) return math::zero_like(x);
    return S(x * c);
  }
  /// σ′(x) = Φ(x) + xφ(x).
  template <class S>
  S derivative(const S& x) const {
    const S density = pdf(x);
    if (scalar_value(density) == 0) return cdf(x);  // xφ(x) is 0 there, not ∞·0 at |x| = ∞
    return S(cdf(x) + x * density);
  }
  /// σ″(x) = φ(x)(2 − x²). Where φ(x) underflows to 0, φ·(2 − x²) is 0 (not 0·∞ = NaN once x²
  /// overflows, |x| > ~1e154).
  template <class S>
  S second_derivative(const S& x) const {
    const S density = pdf(x);
    if (scalar_value(density) == 0) return math::zero_like(x);
    return S(density * S(2.0 - x * x));
  }
  /// Measured Gauss–Hermite orders by variance (see hermite_rung), ascending max_variance.
  static constexpr std::array<hermite_rung, 8> hermite_ladder{{{32, 0.36746619407366892},
                                                               {48, 0.81854673070690280},
                                                               {64, 1.3},
                                                               {96, 2.7213387683753078},
                                                               {160, 4.0615859883769793},
                                                               {192, 6.0618989934975733},
                                                               {320, 9.0473572423492972},
                                                               {384, 13.503140378698731}}};
};

/// σ(x) = x·sigmoid(x), σ′ = s(1 + x(1 − s)), σ″ = s(1 − s)(2 + x(1 − 2s)).
struct silu {
  static constexpr activation_kind kind = activation_kind::silu;  ///< its activation_kind
  static constexpr std::string_view name = "silu";  ///< spelling for name(), from_name()
  /// σ(x) = x·s, s = 1/(1 + e⁻ˣ) (0 where s underflows, not ∞·0 at x = −∞).
  template <class S>
  S value(const S& x) const {
    const S s = math::logistic(x);
    if (scalar_value(s) == 0) return math::zero_like(x);
    return S(x * s);
  }
  /// σ′(x) = s(1 + x(1 − s)).
  template <class S>
  S derivative(const S& x) const {
    const S s = math::logistic(x);
    // Where s(1 − s) rounds to 0 (|x| ≳ 745) the x-term is 0, not ∞·0 at |x| = ∞.
    if (scalar_value(S(s * S(1.0 - s))) == 0) return s;
    return S(s * S(1.0 + x * S(1.0 - s)));
  }
  /// σ″(x) = s(1 − s)(2 + x(1 − 2s)).
  template <class S>
  S second_derivative(const S& x) const {
    const S s = math::logistic(x);
    const S spread = s * S(1.0 - s);
    if (scalar_value(spread) == 0) return math::zero_like(x);
    return S(spread * S(2.0 + x * S(1.0 - 2.0 * s)));
  }
  /// Vectorised σ, σ′, σ″ (Order 0, 1, 2) from Eigen's vectorised logistic().
  template <int Order, class In, class Out>
  void array(const In& x, Out& out) const {
    using T = typename Out::Scalar;
    // The x-factors are clamped to ±1e4 (below only, for σ itself): the same bits for |x| ≤ 1e4,
    // and beyond, where s(1 − s) or s is 0 (double) or ≤ 4e-39 (float's vectorised logistic),
    // the limit to within 1e4·4e-39 — not ∞·0 = NaN at x = ±∞. NaN stays NaN through s. Two
    // vectorised min/max in the same pass (an allFinite() scan instead cost 1.5× the formula).
    const T reach(1e4);
    if constexpr (Order == 0) {
      out = x.max(-reach) * x.logistic();
    } else {
      out = x.logistic();  // out holds s, then is transformed in place
      if constexpr (Order == 1)
        out = out * (T(1) + x.max(-reach).min(reach) * (T(1) - out));
      else
        out = out * (T(1) - out) * (T(2) + x.max(-reach).min(reach) * (T(1) - T(2) * out));
    }
  }
  /// Measured Gauss–Hermite orders by variance (see hermite_rung), ascending max_variance.
  static constexpr std::array<hermite_rung, 9> hermite_ladder{{{32, 0.36746619407366892},
                                                               {48, 0.81854673070690280},
                                                               {64, 1.3},
                                                               {96, 1.8233480008684412},
                                                               {128, 2.7213387683753078},
                                                               {160, 4.0615859883769793},
                                                               {256, 6.0618989934975733},
                                                               {320, 9.0473572423492972},
                                                               {512, 13.503140378698731}}};
};

/// σ(x) = x/(1 + |x|), σ′ = 1/(1 + |x|)², σ″ = −2 sign(x)/(1 + |x|)³ (kinked σ″: quadrature of its
/// moments converges only algebraically).
struct softsign {
  static constexpr activation_kind kind = activation_kind::softsign;  ///< its activation_kind
  static constexpr std::string_view name = "softsign";  ///< spelling for name(), from_name()
  /// σ(x) = x/(1 + |x|) (±1 at x = ±∞, not ∞/∞).
  template <class S>
  S value(const S& x) const {
    const double v = double(scalar_value(x));
    if (std::isinf(v)) return S(math::zero_like(x) + (v > 0 ? 1.0 : -1.0));
    return S(x / S(1.0 + math::abs(x)));
  }
  /// σ′(x) = 1/(1 + |x|)².
  template <class S>
  S derivative(const S& x) const {
    const S d = 1.0 + math::abs(x);
    return S(1.0 / S(d * d));
  }
  /// σ″(x) = −2 sign(x)/(1 + |x|)³, with sign(0) = 0 (softsign″(0) = 0).
  template <class S>
  S second_derivative(const S& x) const {
    const S d = 1.0 + math::abs(x);
    const double sign = scalar_value(x) > 0 ? 1.0 : (scalar_value(x) < 0 ? -1.0 : 0.0);
    return S(-2.0 * sign / S(d * d * d));
  }
};

template <class S>
pair_moments<S> erf_fn::gaussian_pair_moments(const gaussian_pair<S>& p) const {
  require_gaussian_pair(p);
  using std::asin;
  const S pi = std::numbers::pi_v<S>;
  const S q1 = 1 + 2 * p.k11, q2 = 1 + 2 * p.k22, s1 = sqrt(q1), s2 = sqrt(q2);
  // 1 − x² for x11, x22, x12 without subtracting nearly equal numbers: 1 − x11² = (1 + 4k11)/q1²;
  // q1q2 − 4k12² = 1 + 2k11 + 2k22 + 4k11k22 sin²θ.
  const auto g = (p.k11 > 0 && p.k22 > 0) ? angle_of(p) : pair_angle<S>{};
  const S sin2 = 4 * g.s * g.s * (S(1) - g.s * g.s);
  const S det = 1 + 2 * p.k11 + 2 * p.k22 + 4 * p.k11 * p.k22 * sin2;
  const S x11 = 2 * p.k11 / q1, x22 = 2 * p.k22 / q2, x12 = 2 * p.k12 / (s1 * s2);
  const S c11 = sqrt(1 + 4 * p.k11) / q1, c22 = sqrt(1 + 4 * p.k22) / q2,
          c12 = sqrt(det) / (s1 * s2);
  pair_moments<S> m{};
  m.ss11 = 2 / pi * asin(x11);
  m.ss22 = 2 / pi * asin(x22);
  m.ss12 = 2 / pi * asin(x12);
  m.dd12 = 4 / pi / sqrt(det);
  // asin x − asin y = asin((x² − y²)/(x√(1 − y²) + y√(1 − x²))) when x, y have the same sign (the
  // near-duplicate case); otherwise the direct difference is accurate. x² − y² comes in exact.
  auto asin_difference = [](S x, S y, S cx, S cy, S x2_minus_y2) {
    const S denominator = x * cy + y * cx;
    if (!((x >= 0 && y >= 0) || (x <= 0 && y <= 0)) || !(std::abs(denominator) > 0))
      return S(asin(x) - asin(y));
    return S(asin(std::clamp(x2_minus_y2 / denominator, S(-1), S(1))));
  };
  const S x22_minus_x11 = 2 * p.diff / (q1 * q2);
  m.diff = 2 / pi * asin_difference(x22, x11, c22, c11, x22_minus_x11 * (x22 + x11));
  if (p.k11 == 0 || p.k22 == 0) {
    m.dist = m.ss11 + m.ss22 - 2 * m.ss12;  // x12 = 0: no cancellation
    return m;
  }
  // Angular part asin(pq) − asin(pq cos θ), with (pq)² − (pq cos θ)² = x11 x22 sin²θ.
  const S pq = sqrt(x11 * x22);
  const S angular = asin_difference(pq, x12, sqrt(S(1) - x11 * x22), c12, x11 * x22 * sin2);
  // Radial part g = H(δ) + H(−δ) − 2H(0), H(ℓ) = asin(pq e^ℓ), δ = ln(p/q): δ²H″ + δ⁴H⁗/12 for
  // |δ| < 3e-3 (next term ~δ⁶, relative 1e-12), H″ = t(1 − t²)^{−3/2}, H⁗ = t(1 + 10t² + 4t⁴)(1 −
  // t²)^{−7/2}.
  const S delta = S(0.5) * std::log1p(-x22_minus_x11 / x22);
  S radial;
  if (std::abs(delta) < S(3e-3)) {
    const S t = pq, u = S(1) - t * t;
    const S h2 = t / (u * sqrt(u)),
            h4 = t * (1 + 10 * t * t + 4 * t * t * t * t) / (u * u * u * sqrt(u));
    radial = delta * delta * (h2 + delta * delta * h4 / 12);
  } else {
    radial = asin(x11) + asin(x22) - 2 * asin(pq);
  }
  m.dist = std::max(S(2 / pi * (radial + 2 * angular)), S(0));
  return m;
}

/// True when activation struct A has closed-form pair moments.
template <class A, class S = double>
concept has_closed_form_pair_moments = requires(const A& a, const gaussian_pair<S>& p) {
  { a.gaussian_pair_moments(p) } -> std::same_as<pair_moments<S>>;
};
/// True when activation struct A has closed-form single-input moments.
template <class A, class S = double>
concept has_closed_form_single_moments = requires(const A& a, S K) {
  { a.gaussian_moments(K) } -> std::same_as<single_input_moments<S>>;
};

}  // namespace activations

namespace detail {
template <class F>
constexpr decltype(auto) visit_activation(activation_kind kind, double slope, F&& f) {
  namespace a = activations;
  switch (kind) {
    case activation_kind::identity:
      return f(a::identity{});
    case activation_kind::relu:
      return f(a::relu{});
    case activation_kind::leaky_relu:
      return f(a::leaky_relu{slope});
    case activation_kind::tanh:
      return f(a::tanh_fn{});
    case activation_kind::sigmoid:
      return f(a::sigmoid_fn{});
    case activation_kind::softplus:
      return f(a::softplus{});
    case activation_kind::erf:
      return f(a::erf_fn{});
    case activation_kind::gelu:
      return f(a::gelu{});
    case activation_kind::silu:
      return f(a::silu{});
    case activation_kind::softsign:
      return f(a::softsign{});
  }
  return f(a::identity{});
}
}  // namespace detail

/// An activation function chosen at run time; cheap to copy (a kind and one parameter).
class activation {
 public:
  constexpr activation() = default;
  /// The activation of that kind; leaky_slope is the a of leaky_relu (stored, but ignored by the
  /// other kinds). Throws nnt::invalid_argument if leaky_slope is not finite (for every kind).
  explicit activation(activation_kind kind, double leaky_slope = 0.01)
      : kind_(kind), slope_(leaky_slope) {
    // An integer cast to activation_kind outside the enum would otherwise act as identity.
    require_in_range<int, int>("kind", static_cast<int>(kind), 0,
                               static_cast<int>(activation_kind::softsign));
    require_finite("leaky_slope", leaky_slope);
  }

  /// σ(x) = x (activations::identity).
  static activation identity() { return activation(activation_kind::identity); }
  /// σ(x) = max(x, 0) (activations::relu).
  static activation relu() { return activation(activation_kind::relu); }
  /// σ(x) = x for x > 0, slope·x otherwise (activations::leaky_relu); throws
  /// nnt::invalid_argument if slope is not finite.
  static activation leaky_relu(double slope = 0.01) {
    return activation(activation_kind::leaky_relu, slope);
  }
  /// σ(x) = tanh x (activations::tanh_fn).
  static activation tanh() { return activation(activation_kind::tanh); }
  /// σ(x) = 1/(1 + e⁻ˣ) (activations::sigmoid_fn).
  static activation sigmoid() { return activation(activation_kind::sigmoid); }
  /// σ(x) = log(1 + eˣ) (activations::softplus).
  static activation softplus() { return activation(activation_kind::softplus); }
  /// σ(x) = erf x (activations::erf_fn).
  static activation erf() { return activation(activation_kind::erf); }
  /// σ(x) = x·Φ(x), the exact GELU (activations::gelu).
  static activation gelu() { return activation(activation_kind::gelu); }
  /// σ(x) = x/(1 + e⁻ˣ) (activations::silu).
  static activation silu() { return activation(activation_kind::silu); }
  /// σ(x) = x/(1 + |x|) (activations::softsign).
  static activation softsign() { return activation(activation_kind::softsign); }

  /// Every activation_kind once, in declaration order (e.g. to loop over all activations).
  static constexpr activation_kind all_kinds[] = {
      activation_kind::identity, activation_kind::relu,    activation_kind::leaky_relu,
      activation_kind::tanh,     activation_kind::sigmoid, activation_kind::softplus,
      activation_kind::erf,      activation_kind::gelu,    activation_kind::silu,
      activation_kind::softsign};

  /// Calls f with the concrete struct of nnt::activations (carrying the leaky slope) and returns
  /// its result: generic code writes `sigma.visit([&](auto act) { … act.value(x) … })`.
  template <class F>
  decltype(auto) visit(F&& f) const {
    return detail::visit_activation(kind_, slope_, std::forward<F>(f));
  }

  /// The name of kind k ("relu", "leaky_relu", …: the struct's `name`, without a slope).
  static constexpr std::string_view kind_name(activation_kind k) {
    return detail::visit_activation(k, 0.0, [](auto act) { return decltype(act)::name; });
  }

  /// Parses "relu", "tanh", "leaky_relu", "leaky_relu(0.2)", … (the names of name()); bare
  /// "leaky_relu" has slope 0.01. Throws nnt::invalid_argument for any other text (exact match,
  /// no whitespace) or a non-finite slope.
  static activation from_name(std::string_view name) {
    for (activation_kind k : all_kinds) {
      if (name == kind_name(k)) return activation(k);
      if (k == activation_kind::leaky_relu && name.starts_with("leaky_relu(") &&
          name.ends_with(")")) {
        const std::string_view number = name.substr(11, name.size() - 12);
        double slope = 0;
        const auto [end, error] =
            std::from_chars(number.data(), number.data() + number.size(), slope);
        if (error == std::errc() && end == number.data() + number.size() && !number.empty())
          return activation(k, slope);
      }
    }
    // Built with append: `"\"" + std::string(name)` trips GCC 12's -Wstringop-overflow false
    // positive (GCC bug 105651) under -O2 -Werror.
    std::string quoted(1, '"');
    quoted.append(name).push_back('"');
    throw_invalid_argument("name",
                           "one of identity, relu, leaky_relu, leaky_relu(a), tanh, sigmoid, "
                           "softplus, erf, gelu, silu, softsign",
                           quoted);
  }

  /// Which activation this is.
  activation_kind kind() const { return kind_; }
  /// The slope a of leaky_relu for x ≤ 0 (stored for every kind, used only by leaky_relu).
  double leaky_slope() const { return slope_; }
  /// True when the Gaussian pair moments of σ have a closed form (no quadrature needed).
  bool has_closed_form_moments() const {
    return visit([](auto act) { return activations::has_closed_form_pair_moments<decltype(act)>; });
  }
  /// kind_name(kind()), or "leaky_relu(a)" with the shortest round-tripping a; from_name() reads
  /// it back to an equal activation.
  std::string name() const {
    if (kind_ == activation_kind::leaky_relu) return "leaky_relu(" + format_value(slope_) + ")";
    return std::string(kind_name(kind_));
  }

  /// σ(x) for one scalar of any Scalar type (AutoDiffScalar included).
  template <class S>
  requires scalar_like<S> S value(const S& x)
  const {
    return visit([&](auto act) { return act.value(x); });
  }
  /// σ′(x) for one scalar of any Scalar type (one-sided from x ≤ 0 at a kink).
  template <class S>
  requires scalar_like<S> S derivative(const S& x)
  const {
    return visit([&](auto act) { return act.derivative(x); });
  }
  /// σ″(x) for one scalar of any Scalar type (relu″ = leaky″ = 0 everywhere, softsign″(0) = 0).
  template <class S>
  requires scalar_like<S> S second_derivative(const S& x)
  const {
    return visit([&](auto act) { return act.second_derivative(x); });
  }

  /// Elementwise σ of an array into `out` (resized to x's shape if needed; a block or map must
  /// already have it, else invalid_argument "out: expected a RxC matrix"). Vectorised where the
  /// struct has an array path for this Scalar.
  template <class In, class Out>
  void value_into(const Eigen::ArrayBase<In>& x, const Eigen::ArrayBase<Out>& out) const {
    apply<0>(x, out);
  }
  /// Elementwise σ′ of an array into `out` (resized to x's shape if needed), as value_into().
  template <class In, class Out>
  void derivative_into(const Eigen::ArrayBase<In>& x, const Eigen::ArrayBase<Out>& out) const {
    apply<1>(x, out);
  }
  /// Elementwise σ″ of an array into `out` (resized to x's shape if needed), as value_into().
  template <class In, class Out>
  void second_derivative_into(const Eigen::ArrayBase<In>& x,
                              const Eigen::ArrayBase<Out>& out) const {
    apply<2>(x, out);
  }
  /// σ′(x) into `out` given also y = σ(x) (same shape as x) from a forward pass: activations that
  /// can (tanh, sigmoid) reuse y instead of evaluating a transcendental function again; the others
  /// ignore y and use x as derivative_into() does. y of another shape is refused (invalid_argument).
  template <class In, class Value, class Out>
  void derivative_from_value_into(const Eigen::ArrayBase<In>& x, const Eigen::ArrayBase<Value>& y,
                                  const Eigen::ArrayBase<Out>& out) const {
    apply_from_value<1>(x, y, out);
  }
  /// σ″(x) into `out` given also y = σ(x), as derivative_from_value_into().
  template <class In, class Value, class Out>
  void second_derivative_from_value_into(const Eigen::ArrayBase<In>& x,
                                         const Eigen::ArrayBase<Value>& y,
                                         const Eigen::ArrayBase<Out>& out) const {
    apply_from_value<2>(x, y, out);
  }

  /// Elementwise σ of an array, returned as a new array of x's shape.
  template <class In>
  typename In::PlainObject value(const Eigen::ArrayBase<In>& x) const {
    typename In::PlainObject out(x.rows(), x.cols());
    apply<0>(x, out);
    return out;
  }
  /// Elementwise σ′ of an array, returned as a new array of x's shape.
  template <class In>
  typename In::PlainObject derivative(const Eigen::ArrayBase<In>& x) const {
    typename In::PlainObject out(x.rows(), x.cols());
    apply<1>(x, out);
    return out;
  }
  /// Elementwise σ″ of an array, returned as a new array of x's shape.
  template <class In>
  typename In::PlainObject second_derivative(const Eigen::ArrayBase<In>& x) const {
    typename In::PlainObject out(x.rows(), x.cols());
    apply<2>(x, out);
    return out;
  }

  /// Same kind, and for leaky_relu the same slope (the stored slope of other kinds is ignored).
  friend bool operator==(const activation& a, const activation& b) {
    return a.kind_ == b.kind_ && (a.kind_ != activation_kind::leaky_relu || a.slope_ == b.slope_);
  }

 private:
  // A plain array (or .array() of a plain matrix) is resized to x's shape; a block or map cannot
  // be, and writing x's shape through it would run past its end.
  template <class T>
  static constexpr bool plain =
      std::is_base_of_v<Eigen::PlainObjectBase<typename T::PlainObject>, T>;
  template <class T>
  static constexpr bool resizable = [] {
    if constexpr (plain<T>)
      return true;
    else if constexpr (requires { typename T::NestedExpressionType; })  // ArrayWrapper
      return plain<std::remove_cvref_t<typename T::NestedExpressionType>>;
    else
      return false;
  }();
  template <class In, class Out>
  static void fit_output(const Eigen::ArrayBase<In>& x, Eigen::ArrayBase<Out>& out) {
    if (out.rows() == x.rows() && out.cols() == x.cols()) return;
    if constexpr (resizable<Out>)
      out.derived().resize(x.rows(), x.cols());
    else
      require_shape("out", x.rows(), x.cols(), out);
  }

  // `out` is the usual Eigen idiom for writable expression arguments (blocks, maps, temporaries).
  template <int Order, class In, class Out>
  void apply(const Eigen::ArrayBase<In>& x, const Eigen::ArrayBase<Out>& out_const) const {
    using S = typename In::Scalar;
    auto& out = const_cast<Eigen::ArrayBase<Out>&>(out_const);
    fit_output(x, out);
    visit([&](auto act) {
      if constexpr (std::is_floating_point_v<S> &&
                    requires { act.template array<Order>(x, out); }) {
        act.template array<Order>(x, out);
      } else {
        if constexpr (Order == 0)
          out = x.unaryExpr([act](const S& v) { return act.value(v); });
        else if constexpr (Order == 1)
          out = x.unaryExpr([act](const S& v) { return act.derivative(v); });
        else
          out = x.unaryExpr([act](const S& v) { return act.second_derivative(v); });
      }
      return 0;
    });
  }

  template <int Order, class In, class Value, class Out>
  void apply_from_value(const Eigen::ArrayBase<In>& x, const Eigen::ArrayBase<Value>& y,
                        const Eigen::ArrayBase<Out>& out_const) const {
    auto& out = const_cast<Eigen::ArrayBase<Out>&>(out_const);
    require_shape("y", x.rows(), x.cols(), y);
    visit([&](auto act) {
      if constexpr (requires { act.template array_from_value<Order>(y, out); }) {
        fit_output(x, out);
        act.template array_from_value<Order>(y, out);
      } else {
        apply<Order>(x, out);
      }
      return 0;
    });
  }

  activation_kind kind_ = activation_kind::identity;
  double slope_ = 0.01;
};

/// visit(f, σ) = σ.visit(f).
template <class F>
decltype(auto) visit(F&& f, const activation& sigma) {
  return sigma.visit(std::forward<F>(f));
}

}  // namespace nnt
