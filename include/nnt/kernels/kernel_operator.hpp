// nnt/kernels/kernel_operator.hpp — the infinite-width NNGP K or NTK Θ of a kernel_network on
// inputs X as a matrix-free linear operator: products K·V (V: N × r, several right-hand sides at
// once) compute the Gram tiles on the fly with kernel_gram's fused tile pass (the diagonals once at
// construction; each tile's input Gram by a small GEMM, its columns through all steps in cache)
// and apply each tile while it is in cache, so memory is O(N·(d + r + steps)), never N × N.
// The symmetric product uses each off-diagonal tile twice (T V_J into rows I, Tᵀ V_I into rows J):
// the tile pairs are scheduled in rounds of a round-robin tournament, so the tiles of one round
// write disjoint rows and every output row is summed in the same order on every thread count —
// the products are bitwise the same for 1, 2, … threads. kernel_cross_operator is K(A, B) for
// predictions, with products in both directions.
#pragma once

#include "../core/concepts.hpp"
#include "../core/error.hpp"
#include "../core/status.hpp"
#include "../core/types.hpp"
#include "detail/gram_tiles.hpp"
#include "layer.hpp"

#include <algorithm>
#include <exception>
#include <limits>
#include <span>
#include <utility>
#include <vector>

#ifdef _OPENMP
#include <omp.h>
#endif

namespace nnt {

/// Options of kernel_operator and kernel_cross_operator.
struct kernel_operator_options {
  bool ntk = true;    ///< the operator is Θ (true) or the NNGP K (false)
  Index block = 256;  ///< rows and columns per tile, 1…65536 (a tile is block × block scalars)
  int threads = 0;    ///< OpenMP threads; 0 = OpenMP's default
};

namespace detail {

// What both operators hold: the network, a copy of the inputs and the diagonal tables.
template <class S>
struct kernel_operand {
  kernel_network net;
  step_quadratures<S> rules;
  Matrix<S> X;
  diagonal_table<S> table;
  kernel_operand(const kernel_network& n, const const_matrix_ref<S>& x,
                 const kernel_operator_options& o)
      : net(n),
        rules(n),
        X(x),
        table(diagonal_states(n, const_matrix_ref<S>(X), rules, o.threads, o.ntk)) {}
  // Θ(x, x) (ntk) or K(x, x) of every input after the last step.
  Vector<S> final_diagonal(bool ntk) const {
    return ntk ? Vector<S>(table.t.col(net.size())) : Vector<S>(table.k.col(net.size()));
  }
  // The rows `idx` of the table (the diagonal state of the inputs X(:, idx)).
  diagonal_table<S> rows_of(const std::vector<Index>& idx) const {
    diagonal_table<S> sub;
    sub.k = table.k(idx, Eigen::all);
    sub.t = table.t(idx, Eigen::all);
    sub.root = table.root(idx, Eigen::all);
    sub.inv_root = table.inv_root(idx, Eigen::all);
    return sub;
  }
};

template <class S>
void require_operator_inputs(std::string_view name, const const_matrix_ref<S>& X,
                             const kernel_operator_options& o) {
  require_at_least<Index>(std::string(name) + ".rows()", X.rows(), 1);
  require_at_least<Index>(std::string(name) + ".cols()", X.cols(), 1);
  require_finite(name, X);
  require_in_range<Index, Index>("block", o.block, 1, 65536);
  require_in_range<int, int>("threads", o.threads, 0, 4096);
}

// The rounds of a round-robin tournament on `blocks` players (circle method): every unordered pair
// I < J meets exactly once, and no block plays twice in a round.
inline std::vector<std::vector<std::pair<Index, Index>>> tournament_rounds(Index blocks) {
  const Index players = blocks + (blocks % 2);  // an odd count gets a bye (a dummy player)
  std::vector<std::vector<std::pair<Index, Index>>> rounds;
  std::vector<Index> seat(static_cast<std::size_t>(players));
  for (Index i = 0; i < players; ++i) seat[std::size_t(i)] = i;
  for (Index r = 0; r + 1 < players; ++r) {
    std::vector<std::pair<Index, Index>> round;
    for (Index i = 0; i < players / 2; ++i) {
      const Index a = seat[std::size_t(i)], b = seat[std::size_t(players - 1 - i)];
      if (a < blocks && b < blocks) round.emplace_back(std::min(a, b), std::max(a, b));
    }
    rounds.push_back(std::move(round));
    std::rotate(seat.begin() + 1, seat.end() - 1, seat.end());  // seat 0 stays, the rest turn
  }
  return rounds;
}

// Runs body(workspace, tile buffer) on the calling threads of one parallel region; the GEMMs inside
// are single-threaded (see input_gram). Exceptions from the body reach the caller.
template <class S, class Body>
void tile_region(int threads, Index block, Body&& body) {
  const int team = gram_threads(threads);
  std::vector<segment_workspace<S>> workspaces(std::size_t(team), segment_workspace<S>{block});
  std::vector<Matrix<S>> buffers(std::size_t(team), Matrix<S>{block, block});
  std::exception_ptr error;
#ifdef _OPENMP
#pragma omp parallel num_threads(team)
#endif
  {
#ifdef _OPENMP
    omp_set_num_threads(1);
    const std::size_t me = std::size_t(omp_get_thread_num());
#else
    const std::size_t me = 0;
#endif
    body(workspaces[me], buffers[me], error);
  }
  if (error) std::rethrow_exception(error);
}

inline void keep_first_error(std::exception_ptr& error) {
#ifdef _OPENMP
#pragma omp critical(nnt_gram_error)
#endif
  if (!error) error = std::current_exception();
}

// task(i) for i in [0, count), shared among the threads of the enclosing tile_region (an orphaned
// worksharing loop, with its barrier); the first exception is kept for tile_region to rethrow.
template <class Task>
void shared_tasks(Index count, std::exception_ptr& error, Task&& task) {
#ifdef _OPENMP
#pragma omp for schedule(dynamic, 1)
#endif
  for (Index i = 0; i < count; ++i) {
    try {
      task(i);
    } catch (...) {
      keep_first_error(error);
    }
  }
}

template <class S>
void require_product_shapes(Index rows, Index cols, const const_matrix_ref<S>& V,
                            const matrix_ref<S>& out) {
  require_rows("V", cols, V.rows());
  require_finite("V", V);
  require_shape("out", rows, V.cols(), out);
}

// λ of a ridge option, absolute or relative to the mean diagonal tr(K)/N of a kernel with that
// trace and N inputs; "ridge" is refused unless the result is positive and finite.
template <class S>
S absolute_ridge(double ridge, bool relative, S trace, Index n) {
  const S lambda = S(ridge) * (relative ? trace / S(n) : S(1));
  if (!(lambda > 0) || !std::isfinite(lambda))
    throw_invalid_argument("ridge", "λ > 0 and finite after scaling by tr(K)/N",
                           format_value(lambda));
  return lambda;
}

// K(rows.X, cols.X(:, idx)): |rows| × |idx|, by row strips of the tile pass; NaN when either
// side's diagonal overflowed. Indices must lie in [0, |cols|).
template <class S>
Matrix<S> kernel_columns(const kernel_operand<S>& rows, const kernel_operand<S>& cols,
                         std::span<const Index> idx, const kernel_operator_options& o) {
  for (std::size_t c = 0; c < idx.size(); ++c)
    require_in_range<Index, Index>("columns[" + std::to_string(c) + "]", idx[c], 0,
                                   cols.X.cols() - 1);
  const Index n = rows.X.cols(), m = static_cast<Index>(idx.size());
  Matrix<S> out(n, m);
  if (m == 0) return out;
  if (rows.table.overflow_step >= 0 || cols.table.overflow_step >= 0) {
    out.setConstant(std::numeric_limits<S>::quiet_NaN());
    return out;
  }
  const std::vector<Index> picked(idx.begin(), idx.end());
  const Matrix<S> Y = cols.X(Eigen::all, picked);
  const diagonal_table<S> sub = cols.rows_of(picked);
  const Index b = o.block, row_blocks = (n + b - 1) / b;
  const segment_context<S> ctx{&rows.net, &rows.rules, &rows.table, &sub, rows.X.rows(), o.ntk};
  const const_matrix_ref<S> X(rows.X), Yr(Y);
  tile_region<S>(o.threads, b, [&](auto& w, Matrix<S>& T, auto& error) {
    shared_tasks(row_blocks, error, [&](Index I) {
      const Index r0 = I * b, rn = std::min(b, n - r0);
      kernel_strip<S>(ctx, w, X, Yr, r0, rn, b, T, out.middleRows(r0, rn));
    });
  });
  return out;
}

}  // namespace detail

/// K(X, X) or Θ(X, X) of a kernel_network as a linear_operator (N × N, symmetric PSD), never stored.
template <class S = double>
class kernel_operator {
 public:
  using Scalar = S;  ///< element type of the inputs, the vectors and the products
  /// apply() takes N × r blocks (core/conjugate_gradient.hpp's block_operator_of).
  static constexpr bool block_products = true;

  /// The operator of net on X (d × N, one input per column); X is copied. Throws
  /// nnt::invalid_argument for an empty or non-finite X and options out of range.
  template <class DX>
  kernel_operator(const kernel_network& net, const Eigen::MatrixBase<DX>& X,
                  const kernel_operator_options& options = {})
      : options_(options), data_(checked(net, X, options), X.derived(), options) {
    rounds_ = detail::tournament_rounds(blocks());
  }

  /// N, the number of inputs (the operator is N × N).
  Index rows() const { return data_.X.cols(); }
  /// N (square).
  Index cols() const { return data_.X.cols(); }
  /// True when the operator is Θ, false for the NNGP K.
  bool ntk() const { return options_.ntk; }
  /// overflow when some diagonal variance left the range of S (products are then NaN).
  nnt::status status() const {
    return data_.table.overflow_step >= 0 ? status::overflow : status::ok;
  }
  /// Index into net.steps() of the first step whose diagonal is not finite; −1 if none.
  Index overflow_step() const { return data_.table.overflow_step; }

  /// The diagonal K(x, x) (or Θ(x, x)) of every input, length N.
  Vector<S> diagonal() const { return data_.final_diagonal(options_.ntk); }

  /// Σ_a K(x_a, x_a): the trace.
  S trace() const { return diagonal().sum(); }

  /// out = K V for V (N × r) or a vector v (the linear_operator interface of core/concepts.hpp);
  /// out must have V's shape.
  template <class DV, class DO>
  void apply(const Eigen::MatrixBase<DV>& V, DO&& out) const {
    const const_matrix_ref<S> v(V.derived());
    matrix_ref<S> o(out);
    detail::require_product_shapes<S>(rows(), cols(), v, o);
    product(v, o);
  }
  /// K V as a new N × r matrix.
  template <class DV>
  Matrix<S> multiply(const Eigen::MatrixBase<DV>& V) const {
    Matrix<S> out(rows(), V.cols());
    apply(const_matrix_ref<S>(V.derived()), out);
    return out;
  }

  /// out = share `part` of `parts` of K V: the terms of the diagonal tiles I ≡ part and of the
  /// tournament's rounds r ≡ part (mod parts), so that the sum over part = 0…parts−1 is K V
  /// (each tile's terms in exactly one share; about 1/parts of the tile work each). For
  /// distributing one product over processes (distributed_kernel_operator); out must have V's
  /// shape, 0 ≤ part < parts.
  template <class DV, class DO>
  void apply_share(const Eigen::MatrixBase<DV>& V, DO&& out, Index part, Index parts) const {
    const const_matrix_ref<S> v(V.derived());
    matrix_ref<S> o(out);
    detail::require_product_shapes<S>(rows(), cols(), v, o);
    require_at_least<Index>("parts", parts, 1);
    require_in_range<Index, Index>("part", part, 0, parts - 1);
    product(v, o, part, parts);
  }

  /// The columns K(X, x_c) for c in `columns` (N × |columns|), with the diagonal entries from the
  /// diagonal pass as in kernel_gram. Indices must lie in [0, N).
  Matrix<S> columns(std::span<const Index> columns) const {
    Matrix<S> out = detail::kernel_columns(data_, data_, columns, options_);
    if (status() != status::ok) return out;
    const Vector<S> d = diagonal();
    for (std::size_t c = 0; c < columns.size(); ++c) out(columns[c], Index(c)) = d(columns[c]);
    return out;
  }

 private:
  template <class DX>
  static const kernel_network& checked(const kernel_network& net, const Eigen::MatrixBase<DX>& X,
                                       const kernel_operator_options& o) {
    detail::require_operator_inputs<S>("X", const_matrix_ref<S>(X.derived()), o);
    return net;
  }
  Index blocks() const { return (rows() + options_.block - 1) / options_.block; }

  // Diagonal tiles first, then the tournament's rounds: rows of block I receive their terms in
  // the same order whatever the thread count.
  // Share `part` of `parts`: the diagonal tiles I ≡ part and the rounds r ≡ part (mod parts), so
  // that every share keeps whole rounds (disjoint rows for its threads).
  void product(const const_matrix_ref<S>& V, matrix_ref<S> out, Index part = 0,
               Index parts = 1) const {
    if (status() != status::ok) {
      out.setConstant(std::numeric_limits<S>::quiet_NaN());
      return;
    }
    out.setZero();
    const Index n = rows(), b = options_.block, nb = blocks();
    const detail::segment_context<S> ctx{&data_.net,   &data_.rules,   &data_.table,
                                         &data_.table, data_.X.rows(), options_.ntk};
    const const_matrix_ref<S> X(data_.X);
    const Vector<S> d = diagonal();
    detail::tile_region<S>(options_.threads, b, [&](auto& w, Matrix<S>& T, auto& error) {
      detail::shared_tasks(nb, error, [&](Index I) {
        if (I % parts != part) return;
        const Index r0 = I * b, rn = std::min(b, n - r0);
        detail::kernel_block<S>(ctx, w, X, X, r0, rn, r0, rn, true, T);
        T.diagonal().head(rn) = d.segment(r0, rn);
        out.middleRows(r0, rn).noalias() +=
            T.topLeftCorner(rn, rn).template selfadjointView<Eigen::Upper>() * V.middleRows(r0, rn);
      });
      for (std::size_t r = 0; r < rounds_.size(); ++r) {
        if (Index(r) % parts != part) continue;
        const auto& round = rounds_[r];
        detail::shared_tasks(Index(round.size()), error, [&](Index p) {
          const auto [I, J] = round[std::size_t(p)];
          const Index r0 = I * b, rn = std::min(b, n - r0), c0 = J * b, cn = std::min(b, n - c0);
          detail::kernel_block<S>(ctx, w, X, X, r0, rn, c0, cn, false, T);
          const auto tile = T.topLeftCorner(rn, cn);
          out.middleRows(r0, rn).noalias() += tile * V.middleRows(c0, cn);
          out.middleRows(c0, cn).noalias() += tile.transpose() * V.middleRows(r0, rn);
        });
      }
    });
  }

  kernel_operator_options options_;
  detail::kernel_operand<S> data_;
  std::vector<std::vector<std::pair<Index, Index>>> rounds_;
};

/// K(A, B) or Θ(A, B) of a kernel_network between two input sets (M × N: A has M columns, B has
/// N), for predictions at test inputs A from coefficients on training inputs B; never stored.
template <class S = double>
class kernel_cross_operator {
 public:
  using Scalar = S;  ///< element type of the inputs, the vectors and the products
  /// apply() takes blocks of vectors.
  static constexpr bool block_products = true;

  /// The cross operator of net between A (d × M) and B (d × N); both are copied. Throws
  /// nnt::invalid_argument for empty or non-finite inputs, different d, options out of range.
  template <class DA, class DB>
  kernel_cross_operator(const kernel_network& net, const Eigen::MatrixBase<DA>& A,
                        const Eigen::MatrixBase<DB>& B, const kernel_operator_options& options = {})
      : options_(options),
        a_(checked(net, A, B, options), A.derived(), options),
        b_(net, B.derived(), options) {}

  /// M, the number of columns of A.
  Index rows() const { return a_.X.cols(); }
  /// N, the number of columns of B.
  Index cols() const { return b_.X.cols(); }
  /// True when the operator is Θ, false for the NNGP K.
  bool ntk() const { return options_.ntk; }
  /// overflow when some diagonal variance of A or B left the range of S (products are NaN).
  nnt::status status() const {
    return a_.table.overflow_step >= 0 || b_.table.overflow_step >= 0 ? status::overflow
                                                                      : status::ok;
  }
  /// k(a, a) (or Θ(a, a)) of every column of A, length M: the prior variance at test inputs.
  Vector<S> row_diagonal() const { return a_.final_diagonal(options_.ntk); }
  /// k(b, b) (or Θ(b, b)) of every column of B, length N.
  Vector<S> column_diagonal() const { return b_.final_diagonal(options_.ntk); }

  /// out = K(A, B) V for V (N × r): out must be M × r.
  void apply(const const_matrix_ref<S>& V, matrix_ref<S> out) const {
    detail::require_product_shapes<S>(rows(), cols(), V, out);
    product(V, out, false);
  }
  /// out = K(A, B)ᵀ W for W (M × r): out must be N × r.
  void apply_transpose(const const_matrix_ref<S>& W, matrix_ref<S> out) const {
    detail::require_product_shapes<S>(cols(), rows(), W, out);
    product(W, out, true);
  }
  /// out = K(A, B)ᵀ K(A, B) V for V (N × r), out N × r, in one tile pass (each row strip of
  /// K(A, B) is formed once and used twice): the normal matrix of Nyström regression.
  void apply_normal(const const_matrix_ref<S>& V, matrix_ref<S> out) const {
    detail::require_product_shapes<S>(cols(), cols(), V, out);
    if (status() != status::ok) {
      out.setConstant(std::numeric_limits<S>::quiet_NaN());
      return;
    }
    const Index m = rows(), n = cols(), b = options_.block, strips = (m + b - 1) / b;
    const detail::segment_context<S> ctx{&a_.net,   &a_.rules,   &a_.table,
                                         &b_.table, a_.X.rows(), options_.ntk};
    const const_matrix_ref<S> A(a_.X), B(b_.X);
    // One partial sum per strip, added in strip order: the same bits on every thread count.
    std::vector<Matrix<S>> partial(static_cast<std::size_t>(strips));
    detail::tile_region<S>(options_.threads, b, [&](auto& w, Matrix<S>& T, auto& error) {
      Matrix<S> strip(b, n), Wb(b, V.cols());
      detail::shared_tasks(strips, error, [&](Index I) {
        const Index r0 = I * b, rn = std::min(b, m - r0);
        detail::kernel_strip<S>(ctx, w, A, B, r0, rn, b, T, strip.topRows(rn));
        Wb.topRows(rn).noalias() = strip.topRows(rn) * V;
        partial[std::size_t(I)].noalias() = strip.topRows(rn).transpose() * Wb.topRows(rn);
      });
    });
    out.setZero();
    for (const auto& p : partial) out += p;
  }

  /// The columns K(A, b_c) for c in `columns` (M × |columns|): the kernel between every test
  /// input and the chosen columns of B. Indices must lie in [0, N).
  Matrix<S> columns(std::span<const Index> columns) const {
    return detail::kernel_columns(a_, b_, columns, options_);
  }

  /// K(A, B) V as a new M × r matrix.
  template <class DV>
  Matrix<S> multiply(const Eigen::MatrixBase<DV>& V) const {
    Matrix<S> out(rows(), V.cols());
    apply(const_matrix_ref<S>(V.derived()), out);
    return out;
  }

 private:
  template <class DA, class DB>
  static const kernel_network& checked(const kernel_network& net, const Eigen::MatrixBase<DA>& A,
                                       const Eigen::MatrixBase<DB>& B,
                                       const kernel_operator_options& o) {
    detail::require_operator_inputs<S>("A", const_matrix_ref<S>(A.derived()), o);
    detail::require_operator_inputs<S>("B", const_matrix_ref<S>(B.derived()), o);
    require_rows("B", A.rows(), B.rows());
    return net;
  }

  // Each output block is owned by one task, which walks the other side's blocks in order.
  void product(const const_matrix_ref<S>& V, matrix_ref<S> out, bool transpose) const {
    if (status() != status::ok) {
      out.setConstant(std::numeric_limits<S>::quiet_NaN());
      return;
    }
    out.setZero();
    const Index m = rows(), n = cols(), b = options_.block;
    const Index owned = transpose ? n : m, other = transpose ? m : n;
    const Index owned_blocks = (owned + b - 1) / b;
    const detail::segment_context<S> ctx{&a_.net,   &a_.rules,   &a_.table,
                                         &b_.table, a_.X.rows(), options_.ntk};
    const const_matrix_ref<S> A(a_.X), B(b_.X);
    detail::tile_region<S>(options_.threads, b, [&](auto& w, Matrix<S>& T, auto& error) {
      detail::shared_tasks(owned_blocks, error, [&](Index I) {
        const Index o0 = I * b, on = std::min(b, owned - o0);
        for (Index q0 = 0; q0 < other; q0 += b) {
          const Index qn = std::min(b, other - q0);
          if (transpose) {  // tile rows q (of A) × columns o (of B)
            detail::kernel_block<S>(ctx, w, A, B, q0, qn, o0, on, false, T);
            out.middleRows(o0, on).noalias() +=
                T.topLeftCorner(qn, on).transpose() * V.middleRows(q0, qn);
          } else {
            detail::kernel_block<S>(ctx, w, A, B, o0, on, q0, qn, false, T);
            out.middleRows(o0, on).noalias() += T.topLeftCorner(on, qn) * V.middleRows(q0, qn);
          }
        }
      });
    });
  }

  kernel_operator_options options_;
  detail::kernel_operand<S> a_, b_;
};

}  // namespace nnt
