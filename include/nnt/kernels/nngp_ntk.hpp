// nnt/kernels/nngp_ntk.hpp — infinite-width NNGP and NTK Gram matrices of a kernel_network
// (kernels/layer.hpp): K(X, X), Θ(X, X), cross versions K(X, X2), diagonals, per-layer kernels.
// The recursion is pointwise on Gram entries once the diagonals are known (DESIGN.md "Kernels"):
//   1. the input Gram XᵀX2/d is one GEMM; dist and diff come from it and the norms, recomputed
//      from the columns (O(d)) where dist < (k_aa + k_bb)/4 would lose digits;
//   2. every input's diagonal entry goes through all steps (O(N · steps)), keeping k, √k and 1/√k;
//   3. each column segment of the upper triangle (`block` rows) goes through all steps while it
//      sits in L1; tiles of 32 such columns are mirrored below the diagonal while in cache.
//      OpenMP shares the tiles among threads.
// ReLU and leaky ReLU run a vectorised arc-cosine pass: θ/2 = asin(x) for x = min(s, c) ≤ 1/√2
// with s² = sin²(θ/2) = (dist − (√k_aa − √k_bb)²)/(4√(k_aa k_bb)), asin(x)/x a degree-17 polynomial
// in 4x² − 1 (Chebyshev interpolant, relative error 2.1e-16 in double, checked against mpmath); entries with dist < (k_aa + k_bb)/128
// (near-duplicates, where (√k_aa − √k_bb)² from the square roots would lose digits) or a zero
// variance are recomputed by the exact scalar closed form (kernels/closed_form.hpp). Other
// activations go through kernels/moments.hpp entry by entry. Nearly antiparallel inputs (θ within δ
// of π, not exactly π) keep only an absolute accuracy ~ε/δ in sin θ, since cos²(θ/2) = 1 − sin²(θ/2)
// (the closed forms share this; carrying E(u + v)² as well would remove it). A diagonal that overflows (deep nets
// with C_w > critical in float) is reported as status::overflow with the step, never as silent inf.
#pragma once

#include "../core/error.hpp"
#include "../core/status.hpp"
#include "../core/types.hpp"
#include "layer.hpp"

#include <array>
#include <cmath>
#include <cstdint>
#include <numbers>
#include <type_traits>
#include <utility>
#include <vector>

#ifdef _OPENMP
#include <omp.h>
#endif
#if defined(__linux__)
#include <sys/mman.h>
#endif

namespace nnt {

struct kernel_gram_options {
  bool ntk = true;          ///< also compute Θ (otherwise only the NNGP)
  bool all_layers = false;  ///< keep K^{(l)} (and Θ^{(l)}) after every dense step
  Index block = 256;        ///< rows per column segment (the unit of work kept in cache)
  int threads = 0;          ///< OpenMP threads; 0 = OpenMP's default
};

template <class S = double>
struct kernel_gram_result {
  Matrix<S> nngp;                       ///< K after the last step
  Matrix<S> ntk;                        ///< Θ after the last step (empty unless options.ntk)
  std::vector<Matrix<S>> nngp_layers;   ///< K^{(l)}, l = 1..L (only with options.all_layers)
  std::vector<Matrix<S>> ntk_layers;    ///< Θ^{(l)}
  nnt::status status = status::ok;      ///< overflow if some variance left the range of S
  Index overflow_step = -1;             ///< first step whose diagonal is not finite
};

template <class S = double>
struct kernel_diagonal_result {
  Vector<S> nngp, ntk;                  ///< K(x, x), Θ(x, x) after the last step
  std::vector<Vector<S>> nngp_layers, ntk_layers;  ///< after every dense step
  nnt::status status = status::ok;
  Index overflow_step = -1;
};

namespace detail {

// Per-input state after each step: column s of k/t/root/inv_root is the state after s steps.
template <class S>
struct diagonal_table {
  Matrix<S> k, t, root, inv_root;
  Index overflow_step = -1;
};

template <class S>
diagonal_table<S> diagonal_states(const kernel_network& net, const Matrix<S>& X,
                                  const step_quadratures<S>& rules, int threads) {
  const Index n = X.cols(), steps = net.size(), d = X.rows();
  diagonal_table<S> tab;
  tab.k.resize(n, steps + 1);
  tab.t.resize(n, steps + 1);
  tab.k.col(0) = X.colwise().squaredNorm().transpose() / S(d);
  tab.t.col(0).setZero();
  const bool any_gh = rules.any();
  (void)threads;
  (void)any_gh;
#ifdef _OPENMP
#pragma omp parallel for schedule(dynamic, 16) num_threads(threads > 0 ? threads : omp_get_max_threads()) if (any_gh)
#endif
  for (Index i = 0; i < n; ++i) {
    kernel_entry<S> e;
    e.k11 = e.k22 = e.k12 = tab.k(i, 0);
    for (Index s = 0; s < steps; ++s) {
      if (!std::isfinite(double(e.k11)) || !std::isfinite(double(e.t11))) {
        tab.k(i, s + 1) = tab.t(i, s + 1) = std::numeric_limits<S>::infinity();
        continue;
      }
      e = apply_step(net.steps()[s], e, d, rules[s]);
      tab.k(i, s + 1) = e.k11;
      tab.t(i, s + 1) = e.t11;
    }
  }
  for (Index s = 1; s <= steps && tab.overflow_step < 0; ++s)
    if (!tab.k.col(s).allFinite() || !tab.t.col(s).allFinite()) tab.overflow_step = s - 1;
  tab.root = tab.k.cwiseSqrt();
  tab.inv_root = tab.root.cwiseInverse();
  return tab;
}

// asin(x)/x for x² ∈ [0, ½] as a polynomial in t = 4x² − 1 (see the header comment).
inline constexpr std::array<double, 18> asin_over_x_coefficients = {
    1.04719755119659784495,     0.0537514935913271878641,   0.00779890223895773231402,
    0.00151966853958241959326,  0.000340863723843060019653, 0.0000830231781959898583742,
    0.0000213455482257607498911, 0.00000570178104614856612338, 0.00000156698512396274095153,
    4.40207687141800249978e-7,  1.2578111625941098451e-7,   3.64657794830012877519e-8,
    1.08102174696671546044e-8,  3.21274428626938777878e-9,  8.51501430298579885527e-10,
    2.51329639855319597163e-10, 1.34212156828253462473e-10, 4.21034676119027025638e-11};

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
    if constexpr (scalar) return x; else return Eigen::internal::pset1<V>(x);
  }
  static V load(const S* p) {
    if constexpr (scalar) return *p; else return Eigen::internal::ploadu<V>(p);
  }
  static void store(S* p, const V& x) {
    if constexpr (scalar) *p = x; else Eigen::internal::pstoreu(p, x);
  }
  static V add(const V& a, const V& b) { return Eigen::internal::padd(a, b); }
  static V sub(const V& a, const V& b) { return Eigen::internal::psub(a, b); }
  static V mul(const V& a, const V& b) { return Eigen::internal::pmul(a, b); }
  static V madd(const V& a, const V& b, const V& c) {
    if constexpr (scalar) return a * b + c; else return Eigen::internal::pmadd(a, b, c);
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
    if constexpr (scalar) return std::min(a, b); else return Eigen::internal::pmin(a, b);
  }
  static V max(const V& a, const V& b) {
    if constexpr (scalar) return std::max(a, b); else return Eigen::internal::pmax(a, b);
  }
  // a ≤ b ? x : y, and a < b ? x : y
  static V select_le(const V& a, const V& b, const V& x, const V& y) {
    if constexpr (scalar) return a <= b ? x : y;
    else return Eigen::internal::pselect(Eigen::internal::pcmp_le(a, b), x, y);
  }
  static V select_lt(const V& a, const V& b, const V& x, const V& y) {
    if constexpr (scalar) return a < b ? x : y;
    else return Eigen::internal::pselect(Eigen::internal::pcmp_lt(a, b), x, y);
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

// The ReLU arc-cosine moments of one lane group (see the header comment for the formulas).
template <class S, class V>
relu_lanes<V> relu_moments_lanes(const V& dist, const V& ra, const V& ia, const V& rb, const V& ib) {
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
void relu_dense_segment(segment_workspace<S>& w, Index m, const S* ka, const S* ra, const S* ia, S kb,
                        S rb, S ib, const folded_dense<S>& f, bool ntk) {
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
    const auto r = relu_moments_lanes<S, V>(dist, O::load(ra + i), O::load(ia + i), O::set(rb),
                                            O::set(ib));
    const V cw = O::set(f.cw);
    O::store(w.k_next.data() + i, O::madd(cw, r.k, O::set(f.cb)));
    O::store(w.dist_next.data() + i, O::mul(cw, r.dist));
    O::store(w.diff_next.data() + i, O::mul(O::mul(cw, O::set(S(0.5))), O::load(w.diff.data() + i)));
    if (ntk)
      O::store(w.t_next.data() + i,
               O::madd(O::mul(cw, r.dd), O::load(w.t.data() + i), O::madd(O::set(f.wk), r.k, O::set(f.wb))));
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
  if (margin_min > 0 && kb > 0) return;  // (NaN margins fail the test and get redone)
  for (Index j = 0; j < m; ++j) {
    if (!needs_exact_relu(w.dist(j), ka[j], kb)) continue;
    const pair_moments<S> r = relu_moments(rounded_gaussian_pair(ka[j], kb, w.k(j), w.dist(j), w.diff(j)));
    w.k_next(j) = f.cw * r.ss12 + f.cb;
    w.dist_next(j) = f.cw * r.dist;
    w.diff_next(j) = f.cw * r.diff;
    if (ntk) w.t_next(j) = f.cw * r.dd12 * w.t(j) + f.wk * r.ss12 + f.wb;
  }
}

#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif

// The state of a segment: rows [r0, r0 + m) of the row inputs against column input j.
template <class S>
struct segment_context {
  const kernel_network* net;
  const step_quadratures<S>* rules;
  const diagonal_table<S>* rows;
  const diagonal_table<S>* cols;
  Index input_dim;
  bool ntk;
};

// Runs all steps on the segment held in w (k, dist, diff, t initialised to the input entries);
// `record(l)` is called after the l-th dense step.
template <class S, class Record>
void propagate_segment(const segment_context<S>& c, segment_workspace<S>& w, Index r0, Index m,
                       Index j, Record&& record) {
  const auto& steps = c.net->steps();
  Index layer = 0;
  for (Index s = 0; s < static_cast<Index>(steps.size()); ++s) {
    const kernel_step& st = steps[s];
    auto k = w.k.head(m), dist = w.dist.head(m), diff = w.diff.head(m), t = w.t.head(m);
    if (st.kind == kernel_step_kind::dense) {
      const S cw = S(st.C_w), cb = st.bias ? S(st.C_b) : S(0);
      if (c.ntk) {
        if (st.param == parameterization::ntk)
          t = cw * (t + k) + cb;
        else
          t = cw * t + S(st.fan_in > 0 ? st.fan_in : c.input_dim) * k + (st.bias ? S(1) : S(0));
      }
      k = cw * k + cb;
      dist *= cw;
      diff *= cw;
      record(layer++);
      continue;
    }
    const auto ka = c.rows->k.col(s).segment(r0, m).array();
    const S kb = c.cols->k(j, s);
    const activation& sigma = st.sigma;
    const auto kind = sigma.kind();
    if (kind == activation_kind::identity) continue;
    if (kind == activation_kind::relu) {
      // Fold the next step into this pass when it is dense (the usual σ → dense pattern).
      const bool fold_next = s + 1 < static_cast<Index>(steps.size()) &&
                             steps[s + 1].kind == kernel_step_kind::dense;
      const folded_dense<S> f = fold_next ? fold<S>(steps[s + 1], c.input_dim) : folded_dense<S>{};
      relu_dense_segment(w, m, c.rows->k.col(s).data() + r0, c.rows->root.col(s).data() + r0,
                         c.rows->inv_root.col(s).data() + r0, kb, c.cols->root(j, s),
                         c.cols->inv_root(j, s), f, c.ntk);
      w.swap_state();
      if (fold_next) {
        ++s;
        record(layer++);
      }
      continue;
    }
    if (kind == activation_kind::leaky_relu) {  // σ = (1 − α) relu + α id
      relu_dense_segment(w, m, c.rows->k.col(s).data() + r0, c.rows->root.col(s).data() + r0,
                         c.rows->inv_root.col(s).data() + r0, kb, c.cols->root(j, s),
                         c.cols->inv_root(j, s), folded_dense<S>{}, c.ntk);
      const S alpha = S(sigma.leaky_slope()), a2 = (1 - alpha) * (1 - alpha);
      w.k_next.head(m) = a2 * w.k_next.head(m) + alpha * k;
      w.dist_next.head(m) = a2 * w.dist_next.head(m) + alpha * dist;
      w.diff_next.head(m) = a2 * w.diff_next.head(m) + alpha * diff;
      if (c.ntk) {
        const S pb = kb > 0 ? S(0.5) : S(0);
        // t_next holds dd_relu · t; leaky dd = a2 dd_relu + α² + α(1 − α)(P(u>0) + P(v>0)).
        w.t_next.head(m) = a2 * w.t_next.head(m) +
                           (alpha * alpha + alpha * (1 - alpha) *
                                                ((ka > S(0)).template cast<S>() * S(0.5) + pb)) * t;
      }
      w.swap_state();
      continue;
    }
    // Any other activation: exact scalar moments per entry.
    const auto& rule = (*c.rules)[s];
    for (Index i = 0; i < m; ++i) {
      const pair_moments<S> r =
          activation_moments(sigma, rounded_gaussian_pair(S(ka(i)), kb, w.k(i), w.dist(i), w.diff(i)), rule);
      w.k(i) = r.ss12;
      w.dist(i) = r.dist;
      w.diff(i) = r.diff;
      if (c.ntk) w.t(i) *= r.dd12;
    }
  }
}

}  // namespace detail

namespace detail {

// Large outputs are written once, entry by entry: ask Linux for transparent huge pages before the
// first touch (numpy does the same for big arrays), which removes most of the page-fault cost
// (65k faults for two 4000 × 4000 doubles). A hint only: ignored where unsupported.
template <class S>
void advise_huge_pages(Matrix<S>& A) {
#if defined(__linux__) && defined(MADV_HUGEPAGE)
  const std::size_t bytes = std::size_t(A.size()) * sizeof(S), huge = std::size_t(1) << 21;
  if (bytes < 4 * huge) return;
  const auto begin = (reinterpret_cast<std::uintptr_t>(A.data()) + huge - 1) & ~(huge - 1);
  const auto end = (reinterpret_cast<std::uintptr_t>(A.data()) + bytes) & ~(huge - 1);
  if (end > begin) madvise(reinterpret_cast<void*>(begin), end - begin, MADV_HUGEPAGE);
#else
  (void)A;
#endif
}

// One unit of parallel work: rows [row_begin, row_begin + rows) against columns
// [column_begin, column_begin + columns); in the symmetric case only entries with row ≤ column.
struct gram_tile {
  Index row_begin, rows, column_begin, columns;
};

// Copies the computed upper part of a tile of A into its mirror image below the diagonal while
// the tile is still in cache (a separate transposed copy of the whole matrix walks memory with
// stride N and costs a tenth of the kernel pass).
template <class S>
void mirror_tile(Matrix<S>& A, const gram_tile& t) {
  if (t.row_begin + t.rows <= t.column_begin) {
    A.block(t.column_begin, t.row_begin, t.columns, t.rows) = A.block(t.row_begin, t.column_begin, t.rows, t.columns).transpose();
    return;
  }
  for (Index j = t.column_begin; j < t.column_begin + t.columns; ++j) {
    const Index end = std::min(t.row_begin + t.rows, j);
    if (end > t.row_begin) A.row(j).segment(t.row_begin, end - t.row_begin) = A.col(j).segment(t.row_begin, end - t.row_begin).transpose();
  }
}

template <class S>
kernel_gram_result<S> kernel_gram_impl(const kernel_network& net, const Matrix<S>& X,
                                       const Matrix<S>* X2, const kernel_gram_options& opt) {
  require_at_least<Index>("X.rows()", X.rows(), 1);
  require_at_least<Index>("X.cols()", X.cols(), 1);
  require_finite("X", X);
  if (X2) {
    require_rows("X2", X.rows(), X2->rows());
    require_at_least<Index>("X2.cols()", X2->cols(), 1);
    require_finite("X2", *X2);
  }
  require_at_least<Index>("block", opt.block, 1);
  require_at_least<int>("threads", opt.threads, 0);
  const bool symmetric = X2 == nullptr;
  const Matrix<S>& Y = symmetric ? X : *X2;
  const Index n = X.cols(), m = Y.cols(), d = X.rows(), layers = net.dense_count();
  const int threads = opt.threads;
  const step_quadratures<S> rules(net);

  kernel_gram_result<S> res;
  const diagonal_table<S> rows_tab = diagonal_states(net, X, rules, threads);
  const diagonal_table<S> cols_tab = symmetric ? rows_tab : diagonal_states(net, Y, rules, threads);
  res.nngp.resize(n, m);
  advise_huge_pages(res.nngp);
  if (opt.ntk) {
    res.ntk.resize(n, m);
    advise_huge_pages(res.ntk);
  }
  if (opt.all_layers) {
    res.nngp_layers.resize(static_cast<std::size_t>(layers));
    for (auto& a : res.nngp_layers) {
      a.resize(n, m);
      advise_huge_pages(a);
    }
    if (opt.ntk) {
      res.ntk_layers.resize(static_cast<std::size_t>(layers));
      for (auto& a : res.ntk_layers) {
        a.resize(n, m);
        advise_huge_pages(a);
      }
    }
  }
  const Index overflow = std::max(rows_tab.overflow_step, cols_tab.overflow_step);
  if (overflow >= 0) {
    res.status = status::overflow;
    res.overflow_step = overflow;
    const S nan = std::numeric_limits<S>::quiet_NaN();
    res.nngp.setConstant(nan);
    if (opt.ntk) res.ntk.setConstant(nan);
    for (auto& a : res.nngp_layers) a.setConstant(nan);
    for (auto& a : res.ntk_layers) a.setConstant(nan);
    return res;
  }

  // Input Gram by one GEMM (only the upper triangle when symmetric), held in the NNGP output,
  // whose every entry is read once by its segment before being overwritten.
  Matrix<S>& G = res.nngp;
  if (symmetric) {
    G.template triangularView<Eigen::Upper>().setZero();
    G.template selfadjointView<Eigen::Upper>().rankUpdate(X.transpose(), S(1) / S(d));
  } else {
    G.noalias() = X.transpose() * Y;
    G /= S(d);
  }

  // Tiles of `block` rows × 32 columns, upper triangle only when symmetric.
  const Index tile_columns = 32;
  std::vector<gram_tile> tiles;
  for (Index c0 = 0; c0 < m; c0 += tile_columns) {
    const Index cols = std::min(tile_columns, m - c0);
    const Index row_end = symmetric ? c0 + cols : n;
    for (Index r0 = 0; r0 < row_end; r0 += opt.block) tiles.push_back({r0, std::min(opt.block, row_end - r0), c0, cols});
  }
  const segment_context<S> ctx{&net, &rules, &rows_tab, &cols_tab, d, opt.ntk};
  const Index tile_count = static_cast<Index>(tiles.size());
  bool all_finite = true;

#ifdef _OPENMP
#pragma omp parallel num_threads(threads > 0 ? threads : omp_get_max_threads())
#endif
  {
    segment_workspace<S> w(opt.block);
#ifdef _OPENMP
#pragma omp for schedule(dynamic, 1) reduction(&& : all_finite)
#endif
    for (Index task = 0; task < tile_count; ++task) {
      const gram_tile& tile = tiles[static_cast<std::size_t>(task)];
      S probe = 0;  // Σ 0·x over the outputs: NaN exactly when one of them is not finite
      for (Index j = tile.column_begin; j < tile.column_begin + tile.columns; ++j) {
        const Index r0 = tile.row_begin;
        const Index rows = symmetric ? std::min(tile.rows, j + 1 - r0) : tile.rows;
        if (rows <= 0) continue;
        const auto ka = rows_tab.k.col(0).segment(r0, rows).array();
        const S kb = cols_tab.k(j, 0);
        w.k.head(rows) = G.col(j).segment(r0, rows).array();
        w.dist.head(rows) = ka + kb - S(2) * w.k.head(rows);
        w.diff.head(rows) = kb - ka;
        w.t.head(rows).setZero();
        // Recompute from the columns where the GEMM's cancellation would spoil dist (near pairs).
        // (a vectorised min: Eigen's all() on a comparison is a scalar loop)
        if (!((w.dist.head(rows) - S(0.25) * (ka + kb)).minCoeff() >= 0))
          for (Index i = 0; i < rows; ++i)
            if (!(w.dist(i) >= S(0.25) * (ka(i) + kb))) {
              const auto x = X.col(r0 + i);
              const auto y = Y.col(j);
              w.dist(i) = (x - y).squaredNorm() / S(d);
              w.diff(i) = (y - x).dot(y + x) / S(d);
            }
        propagate_segment(ctx, w, r0, rows, j, [&](Index l) {
          if (!opt.all_layers) return;
          res.nngp_layers[static_cast<std::size_t>(l)].col(j).segment(r0, rows) = w.k.head(rows);
          if (opt.ntk) res.ntk_layers[static_cast<std::size_t>(l)].col(j).segment(r0, rows) = w.t.head(rows);
        });
        res.nngp.col(j).segment(r0, rows) = w.k.head(rows);
        probe += (S(0) * w.k.head(rows)).sum();
        if (opt.ntk) {
          res.ntk.col(j).segment(r0, rows) = w.t.head(rows);
          probe += (S(0) * w.t.head(rows)).sum();
        }
      }
      all_finite = all_finite && probe == S(0);
      if (symmetric) {
        mirror_tile(res.nngp, tile);
        if (opt.ntk) mirror_tile(res.ntk, tile);
        for (auto& a : res.nngp_layers) mirror_tile(a, tile);
        for (auto& a : res.ntk_layers) mirror_tile(a, tile);
      }
    }
  }

  if (symmetric) {
    // Diagonal entries from the diagonal pass (same formulas, without the pair rounding).
    Index l = 0;
    for (Index s = 0; s < net.size(); ++s) {
      if (net.steps()[s].kind != kernel_step_kind::dense) continue;
      if (opt.all_layers) {
        res.nngp_layers[static_cast<std::size_t>(l)].diagonal() = rows_tab.k.col(s + 1);
        if (opt.ntk) res.ntk_layers[static_cast<std::size_t>(l)].diagonal() = rows_tab.t.col(s + 1);
      }
      ++l;
    }
    res.nngp.diagonal() = rows_tab.k.col(net.size());
    if (opt.ntk) res.ntk.diagonal() = rows_tab.t.col(net.size());
  }
  if (!all_finite) res.status = status::overflow;
  return res;
}

template <class S>
void throw_unless_ok(const kernel_gram_result<S>& r, std::string_view what) {
  if (r.status == status::ok) return;
  throw numerical_error(std::string(what) + ": " + std::string(to_string(r.status)) +
                        (r.overflow_step >= 0 ? " at step " + std::to_string(r.overflow_step) : std::string()) +
                        " (use kernel_gram() to get the status instead of this exception)");
}

}  // namespace detail

/// NNGP and NTK Gram matrices of the inputs X (d × N), symmetric N × N.
template <class S>
kernel_gram_result<S> kernel_gram(const kernel_network& net, const Matrix<S>& X,
                                  const kernel_gram_options& options = {}) {
  return detail::kernel_gram_impl<S>(net, X, nullptr, options);
}

/// Cross kernels K(X, X2), Θ(X, X2): N × M.
template <class S>
kernel_gram_result<S> kernel_gram(const kernel_network& net, const Matrix<S>& X, const Matrix<S>& X2,
                                  const kernel_gram_options& options = {}) {
  return detail::kernel_gram_impl<S>(net, X, &X2, options);
}

/// K(X, X) alone; throws nnt::numerical_error if a variance overflows.
template <class S>
Matrix<S> nngp_gram(const kernel_network& net, const Matrix<S>& X) {
  kernel_gram_options o;
  o.ntk = false;
  auto r = kernel_gram(net, X, o);
  detail::throw_unless_ok(r, "nngp_gram");
  return std::move(r.nngp);
}
template <class S>
Matrix<S> nngp_gram(const kernel_network& net, const Matrix<S>& X, const Matrix<S>& X2) {
  kernel_gram_options o;
  o.ntk = false;
  auto r = kernel_gram(net, X, X2, o);
  detail::throw_unless_ok(r, "nngp_gram");
  return std::move(r.nngp);
}
/// Θ(X, X) alone; throws nnt::numerical_error if a variance overflows.
template <class S>
Matrix<S> ntk_gram(const kernel_network& net, const Matrix<S>& X) {
  auto r = kernel_gram(net, X);
  detail::throw_unless_ok(r, "ntk_gram");
  return std::move(r.ntk);
}
template <class S>
Matrix<S> ntk_gram(const kernel_network& net, const Matrix<S>& X, const Matrix<S>& X2) {
  auto r = kernel_gram(net, X, X2);
  detail::throw_unless_ok(r, "ntk_gram");
  return std::move(r.ntk);
}

/// K(x, x) and Θ(x, x) for every column of X, O(N · steps).
template <class S>
kernel_diagonal_result<S> kernel_diagonal(const kernel_network& net, const Matrix<S>& X) {
  require_at_least<Index>("X.rows()", X.rows(), 1);
  require_finite("X", X);
  const step_quadratures<S> rules(net);
  const auto tab = detail::diagonal_states(net, X, rules, 0);
  kernel_diagonal_result<S> r;
  for (Index s = 0; s < net.size(); ++s)
    if (net.steps()[s].kind == kernel_step_kind::dense) {
      r.nngp_layers.push_back(tab.k.col(s + 1));
      r.ntk_layers.push_back(tab.t.col(s + 1));
    }
  r.nngp = tab.k.col(net.size());
  r.ntk = tab.t.col(net.size());
  if (tab.overflow_step >= 0) {
    r.status = status::overflow;
    r.overflow_step = tab.overflow_step;
  }
  return r;
}

}  // namespace nnt
