// nnt/kernels/detail/gram_tiles.hpp — internals of kernels/nngp_ntk.hpp: the diagonal pass (every
// input through all steps, O(N·steps)), the input Gram XᵀX2/d by GEMMs on fixed column blocks,
// and the tile pass — each column segment of a tile goes through all steps while it sits in L1,
// then the tile is mirrored below the diagonal while in cache. OpenMP shares the blocks and tiles;
// the partition never depends on the thread count, and every GEMM runs single-threaded inside
// its block, so the results are bitwise the same on every thread count.
#pragma once

#include "../../core/activation.hpp"
#include "../../core/error.hpp"
#include "../../core/gaussian_pair.hpp"
#include "../../core/status.hpp"
#include "../../core/types.hpp"
#include "../layer.hpp"
#include "../moments.hpp"
#include "arc_cosine.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <exception>
#include <limits>
#include <vector>

#ifdef _OPENMP
#include <omp.h>
#endif
#if defined(__linux__)
#include <sys/mman.h>
#endif

namespace nnt::detail {

inline int gram_threads(int requested) {
#ifdef _OPENMP
  return requested > 0 ? requested : omp_get_max_threads();
#else
  (void)requested;
  return 1;
#endif
}

// Per-input state after each step: column s of k/t/root/inv_root is the state after s steps.
template <class S>
struct diagonal_table {
  Matrix<S> k, t, root, inv_root;
  Index overflow_step = -1;
};

// track_ntk = false: only K's overflow counts (Θ may overflow first, e.g. in the standard
// parameterisation, without touching the NNGP).
template <class S>
diagonal_table<S> diagonal_states(const kernel_network& net, const const_matrix_ref<S>& X,
                                  const step_quadratures<S>& rules, int threads,
                                  bool track_ntk = true) {
  const Index n = X.cols(), steps = net.size(), d = X.rows();
  diagonal_table<S> tab;
  tab.k.resize(n, steps + 1);
  tab.t.resize(n, steps + 1);
  tab.k.col(0) = X.colwise().squaredNorm().transpose() / S(d);
  tab.t.col(0).setZero();
  [[maybe_unused]] const bool parallel = rules.any();
  [[maybe_unused]] const int team = gram_threads(threads);
  std::exception_ptr error;
#ifdef _OPENMP
#pragma omp parallel for schedule(dynamic, 16) num_threads(team) if (parallel)
#endif
  for (Index i = 0; i < n; ++i) {
    try {
      kernel_entry<S> e;
      e.k11 = e.k22 = e.k12 = tab.k(i, 0);
      for (Index s = 0; s < steps; ++s) {
        if (!std::isfinite(e.k11) || (track_ntk && !std::isfinite(e.t11))) {
          tab.k(i, s + 1) = tab.t(i, s + 1) = std::numeric_limits<S>::infinity();
          continue;
        }
        e = apply_step(net.steps()[std::size_t(s)], e, d, rules[std::size_t(s)]);
        tab.k(i, s + 1) = e.k11;
        tab.t(i, s + 1) = e.t11;
      }
    } catch (...) {
#ifdef _OPENMP
#pragma omp critical(nnt_gram_error)
#endif
      if (!error) error = std::current_exception();
    }
  }
  if (error) std::rethrow_exception(error);
  for (Index s = 1; s <= steps && tab.overflow_step < 0; ++s)
    if (!tab.k.col(s).allFinite() || (track_ntk && !tab.t.col(s).allFinite()))
      tab.overflow_step = s - 1;
  tab.root = tab.k.cwiseSqrt();
  tab.inv_root = tab.root.cwiseInverse();
  return tab;
}

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
    const kernel_step& st = steps[std::size_t(s)];
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
                             steps[std::size_t(s + 1)].kind == kernel_step_kind::dense;
      const folded_dense<S> f =
          fold_next ? fold<S>(steps[std::size_t(s + 1)], c.input_dim) : folded_dense<S>{};
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
        w.t_next.head(m) =
            a2 * w.t_next.head(m) +
            (alpha * alpha + alpha * (1 - alpha) * ((ka > S(0)).template cast<S>() * S(0.5) + pb)) *
                t;
      }
      w.swap_state();
      continue;
    }
    // Any other activation: its moments per entry (closed form or quadrature, kernels/moments.hpp).
    const auto& rule = (*c.rules)[std::size_t(s)];
    for (Index i = 0; i < m; ++i) {
      const pair_moments<S> r = activation_moments(
          sigma, rounded_gaussian_pair(S(ka(i)), kb, w.k(i), w.dist(i), w.diff(i)), rule);
      w.k(i) = r.ss12;
      w.dist(i) = r.dist;
      w.diff(i) = r.diff;
      if (c.ntk) w.t(i) *= r.dd12;
    }
  }
}

// The input state of rows [r0, r0 + rows) of X against column j of Y from their input Gram
// entries g[0..rows): k = g, dist = k_aa + k_bb − 2g, diff = k_bb − k_aa, Θ = 0 — dist recomputed
// from the columns where the GEMM's cancellation would spoil it (near pairs).
template <class S>
void start_segment(segment_workspace<S>& w, const S* g, const const_matrix_ref<S>& X,
                   const const_matrix_ref<S>& Y, const diagonal_table<S>& rows_tab,
                   const diagonal_table<S>& cols_tab, Index r0, Index rows, Index j) {
  const auto ka = rows_tab.k.col(0).segment(r0, rows).array();
  const S kb = cols_tab.k(j, 0);
  w.k.head(rows) = Eigen::Map<const Eigen::Array<S, Eigen::Dynamic, 1>>(g, rows);
  w.dist.head(rows) = ka + kb - S(2) * w.k.head(rows);
  w.diff.head(rows) = kb - ka;
  w.t.head(rows).setZero();
  // (a vectorised min: Eigen's all() on a comparison is a scalar loop)
  if (!((w.dist.head(rows) - S(0.25) * (ka + kb)).minCoeff() >= 0))
    for (Index i = 0; i < rows; ++i)
      if (!(w.dist(i) >= S(0.25) * (ka(i) + kb))) {
        const auto x = X.col(r0 + i);
        const auto y = Y.col(j);
        w.dist(i) = (x - y).squaredNorm() / S(X.rows());
        w.diff(i) = (y - x).dot(y + x) / S(X.rows());
      }
}

// One tile of the kernel (Θ when c.ntk, else K): rows [r0, r0 + rows) of X against columns
// [c0, c0 + cols) of Y into T's top-left rows × cols corner, the input Gram by one GEMM (single-
// threaded inside the callers' parallel regions). upper: only entries with row ≤ column (the
// diagonal tile of a symmetric Gram, r0 = c0); the rest of T is left holding input-Gram values.
template <class S>
void kernel_block(const segment_context<S>& c, segment_workspace<S>& w,
                  const const_matrix_ref<S>& X, const const_matrix_ref<S>& Y, Index r0, Index rows,
                  Index c0, Index cols, bool upper, Matrix<S>& T) {
  T.topLeftCorner(rows, cols).noalias() =
      (S(1) / S(X.rows())) * (X.middleCols(r0, rows).transpose() * Y.middleCols(c0, cols));
  for (Index jj = 0; jj < cols; ++jj) {
    const Index m = upper ? std::min(rows, jj + 1) : rows;
    start_segment(w, T.col(jj).data(), X, Y, *c.rows, *c.cols, r0, m, c0 + jj);
    propagate_segment(c, w, r0, m, c0 + jj, [](Index) {});
    T.col(jj).head(m) = c.ntk ? w.t.head(m) : w.k.head(m);
  }
}

// Rows [r0, r0 + rows) of the kernel against every column of Y into out (rows × Y.cols()), one
// block-wide tile at a time through T.
template <class S, class Out>
void kernel_strip(const segment_context<S>& c, segment_workspace<S>& w,
                  const const_matrix_ref<S>& X, const const_matrix_ref<S>& Y, Index r0, Index rows,
                  Index block, Matrix<S>& T, Out&& out) {
  for (Index c0 = 0; c0 < Y.cols(); c0 += block) {
    const Index cn = std::min(block, Y.cols() - c0);
    kernel_block(c, w, X, Y, r0, rows, c0, cn, false, T);
    out.middleCols(c0, cn) = T.topLeftCorner(rows, cn);
  }
}

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
// the tile is still in cache (a separate transposed copy walks memory with stride N and costs a
// tenth of the kernel pass).
template <class S>
void mirror_tile(Matrix<S>& A, const gram_tile& t) {
  if (t.row_begin + t.rows <= t.column_begin) {
    A.block(t.column_begin, t.row_begin, t.columns, t.rows) =
        A.block(t.row_begin, t.column_begin, t.rows, t.columns).transpose();
    return;
  }
  for (Index j = t.column_begin; j < t.column_begin + t.columns; ++j) {
    const Index end = std::min(t.row_begin + t.rows, j);
    if (end > t.row_begin)
      A.row(j).segment(t.row_begin, end - t.row_begin) =
          A.col(j).segment(t.row_begin, end - t.row_begin).transpose();
  }
}

// G = XᵀY/d (symmetric: the upper triangle, rows ≤ column), by GEMMs on fixed 128-column blocks
// shared among the threads. Each block's GEMM is single-threaded (omp_set_num_threads(1) sets the
// nested-region ICV of the calling thread only, so Eigen does not split it), hence every entry is
// computed the same way for every thread count.
template <class S>
void input_gram(const const_matrix_ref<S>& X, const const_matrix_ref<S>& Y, bool symmetric,
                Matrix<S>& G, int threads) {
  const Index m = Y.cols(), d = X.rows(), width = 128, blocks = (m + width - 1) / width;
  const S scale = S(1) / S(d);
  [[maybe_unused]] const int team = gram_threads(threads);
#ifdef _OPENMP
#pragma omp parallel num_threads(team)
#endif
  {
#ifdef _OPENMP
    omp_set_num_threads(1);
#pragma omp for schedule(dynamic, 1)
#endif
    for (Index b = 0; b < blocks; ++b) {
      const Index c0 = b * width, w = std::min(width, m - c0), rows = symmetric ? c0 + w : X.cols();
      G.block(0, c0, rows, w).noalias() =
          scale * (X.leftCols(rows).transpose() * Y.middleCols(c0, w));
    }
  }
}

// The Gram outputs into res (a kernel_gram_result): X2 == nullptr for the symmetric K(X, X).
template <class S, class Result, class Options>
void kernel_gram_into(Result& res, const kernel_network& net, const const_matrix_ref<S>& X,
                      const const_matrix_ref<S>* X2, const Options& opt) {
  const bool symmetric = X2 == nullptr;
  const const_matrix_ref<S>& Y = symmetric ? X : *X2;
  const Index n = X.cols(), m = Y.cols(), d = X.rows(), layers = net.dense_count();
  const int threads = opt.threads;
  const step_quadratures<S> rules(net);

  const diagonal_table<S> rows_tab = diagonal_states(net, X, rules, threads, opt.ntk);
  const diagonal_table<S> cols_tab =
      symmetric ? rows_tab : diagonal_states(net, Y, rules, threads, opt.ntk);
  auto output = [&](Matrix<S>& A) {
    A.resize(n, m);
    advise_huge_pages(A);
  };
  output(res.nngp);
  if (opt.ntk) output(res.ntk);
  if (opt.all_layers) {
    res.nngp_layers.resize(static_cast<std::size_t>(layers));
    for (auto& a : res.nngp_layers) output(a);
    if (opt.ntk) {
      res.ntk_layers.resize(static_cast<std::size_t>(layers));
      for (auto& a : res.ntk_layers) output(a);
    }
  }
  // The first step at which either side's diagonal overflowed (−1 marks "never").
  const Index a = rows_tab.overflow_step, b = cols_tab.overflow_step;
  const Index overflow = a < 0 ? b : (b < 0 ? a : std::min(a, b));
  if (overflow >= 0) {
    res.status = status::overflow;
    res.overflow_step = overflow;
    const S nan = std::numeric_limits<S>::quiet_NaN();
    res.nngp.setConstant(nan);
    if (opt.ntk) res.ntk.setConstant(nan);
    for (auto& a : res.nngp_layers) a.setConstant(nan);
    for (auto& a : res.ntk_layers) a.setConstant(nan);
    return;
  }

  // The input Gram is held in the NNGP output, whose every entry is read once by its segment
  // before being overwritten.
  Matrix<S>& G = res.nngp;
  input_gram<S>(X, Y, symmetric, G, threads);

  // Tiles of `block` rows × 32 columns, upper triangle only when symmetric.
  const Index tile_columns = 32;
  std::vector<gram_tile> tiles;
  for (Index c0 = 0; c0 < m; c0 += tile_columns) {
    const Index cols = std::min(tile_columns, m - c0);
    const Index row_end = symmetric ? c0 + cols : n;
    for (Index r0 = 0; r0 < row_end; r0 += opt.block)
      tiles.push_back({r0, std::min(opt.block, row_end - r0), c0, cols});
  }
  const segment_context<S> ctx{&net, &rules, &rows_tab, &cols_tab, d, opt.ntk};
  const Index tile_count = static_cast<Index>(tiles.size());
  const int team = gram_threads(threads);
  // One workspace per thread, allocated here: an allocation failure inside the parallel region
  // would terminate the program instead of reaching the caller.
  std::vector<segment_workspace<S>> workspaces(std::size_t(team), segment_workspace<S>(opt.block));
  bool all_finite = true;
  std::exception_ptr error;

#ifdef _OPENMP
#pragma omp parallel num_threads(team)
#endif
  {
#ifdef _OPENMP
    segment_workspace<S>& w = workspaces[std::size_t(omp_get_thread_num())];
#pragma omp for schedule(dynamic, 1) reduction(&& : all_finite)
#else
    segment_workspace<S>& w = workspaces.front();
#endif
    for (Index task = 0; task < tile_count; ++task) {
      try {
        const gram_tile& tile = tiles[static_cast<std::size_t>(task)];
        S probe = 0;  // Σ 0·x over the outputs: NaN exactly when one of them is not finite
        for (Index j = tile.column_begin; j < tile.column_begin + tile.columns; ++j) {
          const Index r0 = tile.row_begin;
          const Index rows = symmetric ? std::min(tile.rows, j + 1 - r0) : tile.rows;
          if (rows <= 0) continue;
          start_segment(w, G.col(j).data() + r0, X, Y, rows_tab, cols_tab, r0, rows, j);
          propagate_segment(ctx, w, r0, rows, j, [&](Index l) {
            if (!opt.all_layers) return;
            res.nngp_layers[static_cast<std::size_t>(l)].col(j).segment(r0, rows) = w.k.head(rows);
            if (opt.ntk)
              res.ntk_layers[static_cast<std::size_t>(l)].col(j).segment(r0, rows) = w.t.head(rows);
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
      } catch (...) {
#ifdef _OPENMP
#pragma omp critical(nnt_gram_error)
#endif
        if (!error) error = std::current_exception();
      }
    }
  }
  if (error) std::rethrow_exception(error);

  if (symmetric) {
    // Diagonal entries from the diagonal pass (same formulas, without the pair rounding).
    Index l = 0;
    for (Index s = 0; s < net.size(); ++s) {
      if (net.steps()[std::size_t(s)].kind != kernel_step_kind::dense) continue;
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
}

}  // namespace nnt::detail
