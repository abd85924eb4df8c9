// nnt/kernels/detail/arc_cosine.hpp — internals of kernels/nngp_ntk.hpp: the vectorised ReLU
// arc-cosine pass over a column segment of a Gram matrix, folded with the dense step after it. This
// is the one file that uses Eigen::internal (packets). θ/2 = asin(x) for x = min(s, c) ≤ 1/√2 with
// s² = sin²(θ/2) = (dist − (√k_aa − √k_bb)²)/(4√(k_aa k_bb)); asin(x)/x is a degree-17 polynomial
// in 4x² − 1 (Chebyshev interpolant, relative error 2.1e-16, tests/reference/asin_polynomial.py).
// Entries the fast path must not be trusted with (near-duplicates, zero variances) are redone by
// the exact closed form of core/activation.hpp.
#pragma once

#include "../../core/activation.hpp"
#include "../../core/gaussian_pair.hpp"
#include "../../core/parameterization.hpp"
#include "../../core/types.hpp"
#include "../layer.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <numbers>
#include <type_traits>
#include <utility>

namespace nnt::detail {

// asin(x)/x for x² ∈ [0, ½] as a polynomial in t = 4x² − 1.
inline constexpr std::array<double, 18> asin_over_x_coefficients = {
    1.04719755119659784495,      0.0537514935913271878641,     0.00779890223895773231402,
    0.00151966853958241959326,   0.000340863723843060019653,   0.0000830231781959898583742,
    0.0000213455482257607498911, 0.00000570178104614856612338, 0.00000156698512396274095153,
    4.40207687141800249978e-7,   1.2578111625941098451e-7,     3.64657794830012877519e-8,
    1.08102174696671546044e-8,   3.21274428626938777878e-9,    8.51501430298579885527e-10,
    2.51329639855319597163e-10,  1.34212156828253462473e-10,   4.21034676119027025638e-11};

template <class S>
using segment = Eigen::Array<S, Eigen::Dynamic, 1>;

// Entries the vectorised ReLU pass must not be trusted with: a zero variance, or a distance below
// (k_aa + k_bb)/128, where (√k_aa − √k_bb)² from rounded roots would cost more than ~20ε relative
// and θ − sin θ (θ ≲ 0.1) would need its series. Random data rarely comes this close (none of the
// 5·10⁵ pairs of 1000 Gaussian inputs in d = 100 through 10 ReLU layers); near-duplicates do.
template <class S>
bool needs_exact_relu(S dist, S ka, S kb) {
  return !(dist >= (ka + kb) / S(128)) || !(ka > 0) || !(kb > 0);
}

// Eigen's packet types carry alignment attributes that GCC warns about when they are template
// arguments (harmless: the packets are only loaded and stored unaligned here).
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wignored-attributes"
#endif

// Arithmetic on one lane type V: S itself (the scalar tail, long double) or an Eigen packet of S.
template <class S, class V>
struct lane_ops {
  static constexpr bool scalar = std::is_same_v<V, S>;
  static V set(S x) {
    if constexpr (scalar)
      return x;
    else
      return Eigen::internal::pset1<V>(x);
  }
  static V load(const S* p) {
    if constexpr (scalar)
      return *p;
    else
      return Eigen::internal::ploadu<V>(p);
  }
  static void store(S* p, const V& x) {
    if constexpr (scalar)
      *p = x;
    else
      Eigen::internal::pstoreu(p, x);
  }
  static V add(const V& a, const V& b) { return Eigen::internal::padd(a, b); }
  static V sub(const V& a, const V& b) { return Eigen::internal::psub(a, b); }
  static V mul(const V& a, const V& b) { return Eigen::internal::pmul(a, b); }
  static V madd(const V& a, const V& b, const V& c) {
    if constexpr (scalar)
      return a * b + c;
    else
      return Eigen::internal::pmadd(a, b, c);
  }
  // The hardware square root where we know the packet: Eigen's EIGEN_FAST_MATH psqrt (rsqrt and
  // Newton steps) takes more instructions on AVX-512.
  static V sqrt(const V& a) {
    if constexpr (scalar) {
      using std::sqrt;
      return sqrt(a);
#ifdef __AVX512F__
    } else if constexpr (std::is_same_v<V, Eigen::internal::Packet8d>) {
      return _mm512_sqrt_pd(a);
    } else if constexpr (std::is_same_v<V, Eigen::internal::Packet16f>) {
      return _mm512_sqrt_ps(a);
#endif
    } else {
      return Eigen::internal::psqrt(a);
    }
  }
  static V min(const V& a, const V& b) {
    if constexpr (scalar)
      return std::min(a, b);
    else
      return Eigen::internal::pmin(a, b);
  }
  static V max(const V& a, const V& b) {
    if constexpr (scalar)
      return std::max(a, b);
    else
      return Eigen::internal::pmax(a, b);
  }
  // a ≤ b ? x : y
  static V select_le(const V& a, const V& b, const V& x, const V& y) {
    if constexpr (scalar)
      return a <= b ? x : y;
    else
      return Eigen::internal::pselect(Eigen::internal::pcmp_le(a, b), x, y);
  }
};

// Σ c_k t^k by Horner, unrolled at compile time (a runtime loop over the coefficients serialises
// the FMAs of one packet and keeps the out-of-order core from overlapping packets).
template <class S, class V, std::size_t... K>
V horner(const V& t, std::index_sequence<K...>) {
  using O = lane_ops<S, V>;
  constexpr auto& c = asin_over_x_coefficients;
  constexpr std::size_t n = sizeof...(K);
  V p = O::set(S(c[n - 1]));
  ((p = K + 1 < n ? O::madd(p, t, O::set(S(c[n - 2 - K < n ? n - 2 - K : 0]))) : p), ...);
  return p;
}

// Outputs of the ReLU moments for one lane group.
template <class V>
struct relu_lanes {
  V k, dist, dd;
};

// The ReLU arc-cosine moments of one lane group (core/activation.hpp's relu for the formulas).
template <class S, class V>
relu_lanes<V> relu_moments_lanes(const V& dist, const V& ra, const V& ia, const V& rb,
                                 const V& ib) {
  using O = lane_ops<S, V>;
  constexpr auto& c = asin_over_x_coefficients;
  const S pi = std::numbers::pi_v<S>, inv_2pi = S(0.5) / pi;
  const V one = O::set(S(1)), zero = O::set(S(0));
  const V amb = O::sub(ra, rb), amb2 = O::mul(amb, amb), ab = O::mul(ra, rb);
  const V quarter_inv_ab = O::mul(O::mul(O::set(S(0.25)), ia), ib);
  const V s2 = O::min(one, O::max(zero, O::mul(O::sub(dist, amb2), quarter_inv_ab)));
  const V c2 = O::sub(one, s2);
  const V x2 = O::min(s2, c2);
  const V t = O::madd(O::set(S(4)), x2, O::set(S(-1)));
  const V p = horner<S, V>(t, std::make_index_sequence<c.size()>{});
  const V half_small = O::mul(O::sqrt(x2), p);  // asin(min(s, c))
  const V theta = O::select_le(s2, O::set(S(0.5)), O::add(half_small, half_small),
                               O::sub(O::set(pi), O::add(half_small, half_small)));
  const V sin_theta = O::mul(O::set(S(2)), O::sqrt(O::mul(s2, c2)));
  const V cos_theta = O::sub(c2, s2);
  const V pi_minus = O::sub(O::set(pi), theta);
  relu_lanes<V> out;
  out.dd = O::mul(pi_minus, O::set(inv_2pi));
  out.k = O::mul(O::mul(ab, O::set(inv_2pi)), O::madd(pi_minus, cos_theta, sin_theta));
  // θ − sin θ directly: the fast path sees only θ ≳ 0.1 or radially dominated distances (see
  // needs_exact_relu), where its absolute error ε·θ is below 1e-15 of the output distance.
  const V theta_minus_sin = O::sub(theta, sin_theta);
  out.dist = O::madd(out.dd, dist,
                     O::madd(O::mul(theta, O::set(inv_2pi)), amb2,
                             O::mul(O::mul(ab, O::set(2 * inv_2pi)), theta_minus_sin)));
  return out;
}

// Scratch arrays of one thread, sized `block` once: the state (k, dist, diff, t), the next state
// (swapped in after a nonlinearity, so the old one is still there for exact fix-ups).
template <class S>
struct segment_workspace {
  segment<S> k, dist, diff, t, k_next, dist_next, diff_next, t_next;
  explicit segment_workspace(Index m)
      : k(m), dist(m), diff(m), t(m), k_next(m), dist_next(m), diff_next(m), t_next(m) {}
  void swap_state() {
    k.swap(k_next);
    dist.swap(dist_next);
    diff.swap(diff_next);
    t.swap(t_next);
  }
};

// The dense step that may follow a nonlinearity, folded into the same pass:
// k′ = cw k + cb, dist′ = cw dist, diff′ = cw diff, Θ′ = cw Θ + wk k + wb (wk, wb per
// parameterisation, layer.hpp). The identity step has cw = wk = 1, cb = wb = 0, no Θ term.
template <class S>
struct folded_dense {
  S cw = 1, cb = 0, wk = 0, wb = 0;
};

template <class S>
folded_dense<S> fold(const kernel_step& st, Index input_dim) {
  folded_dense<S> f;
  f.cw = S(st.C_w);
  f.cb = st.bias ? S(st.C_b) : S(0);
  if (st.param == parameterization::ntk) {
    f.wk = S(st.C_w);
    f.wb = f.cb;
  } else {
    f.wk = S(st.fan_in > 0 ? st.fan_in : input_dim);
    f.wb = st.bias ? S(1) : S(0);
  }
  return f;
}

// ReLU moments of rows [0, m) of the segment against one column, then the folded dense step, from
// (k, dist, diff, t) into the *_next arrays. ka/ra/ia point at the rows' k, √k and 1/√k; kb, rb, ib
// are the column's. Entries that need the exact closed form (needs_exact_relu) are redone by it.
template <class S>
void relu_dense_segment(segment_workspace<S>& w, Index m, const S* ka, const S* ra, const S* ia,
                        S kb, S rb, S ib, const folded_dense<S>& f, bool ntk) {
  using Packet = typename Eigen::internal::packet_traits<S>::type;
  constexpr Index P = Eigen::internal::packet_traits<S>::Vectorizable
                          ? Index(Eigen::internal::unpacket_traits<Packet>::size)
                          : Index(1);
  // One lane group: relu, dense, stores; returns min(ka, dist − (ka + kb)/128) per lane, which is
  // > 0 exactly where the fast path is trusted.
  auto lanes = [&](auto tag, Index i) {
    using V = decltype(tag);
    using O = lane_ops<S, V>;
    const V dist = O::load(w.dist.data() + i);
    const auto r =
        relu_moments_lanes<S, V>(dist, O::load(ra + i), O::load(ia + i), O::set(rb), O::set(ib));
    const V cw = O::set(f.cw);
    O::store(w.k_next.data() + i, O::madd(cw, r.k, O::set(f.cb)));
    O::store(w.dist_next.data() + i, O::mul(cw, r.dist));
    O::store(w.diff_next.data() + i,
             O::mul(O::mul(cw, O::set(S(0.5))), O::load(w.diff.data() + i)));
    if (ntk)
      O::store(w.t_next.data() + i, O::madd(O::mul(cw, r.dd), O::load(w.t.data() + i),
                                            O::madd(O::set(f.wk), r.k, O::set(f.wb))));
    const V kai = O::load(ka + i);
    return O::min(kai, O::sub(dist, O::mul(O::set(S(1) / S(128)), O::add(kai, O::set(kb)))));
  };
  Index i = 0;
  S margin_min = std::numeric_limits<S>::infinity();
  if constexpr (P > 1) {
    Packet low = lane_ops<S, Packet>::set(margin_min);
    for (; i + P <= m; i += P) low = Eigen::internal::pmin(low, lanes(Packet{}, i));
    S lane[P];  // (predux_min trips a GCC 12 -Wuninitialized false positive on AVX-512)
    Eigen::internal::pstoreu(lane, low);
    for (Index q = 0; q < P; ++q) margin_min = std::min(margin_min, lane[q]);
  }
  for (; i < m; ++i) margin_min = std::min(margin_min, lanes(S{}, i));
  // No NaN reaches this test: inputs are finite and an overflowing diagonal makes the whole Gram
  // status::overflow (gram_tiles.hpp) — std::min and pmin would drop a NaN lane otherwise.
  if (margin_min > 0 && kb > 0) return;
  for (Index j = 0; j < m; ++j) {
    if (!needs_exact_relu(w.dist(j), ka[j], kb)) continue;
    const pair_moments<S> r = activations::relu{}.gaussian_pair_moments(
        rounded_gaussian_pair(ka[j], kb, w.k(j), w.dist(j), w.diff(j)));
    w.k_next(j) = f.cw * r.ss12 + f.cb;
    w.dist_next(j) = f.cw * r.dist;
    w.diff_next(j) = f.cw * r.diff;
    if (ntk) w.t_next(j) = f.cw * r.dd12 * w.t(j) + f.wk * r.ss12 + f.wb;
  }
}

#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif

}  // namespace nnt::detail
