// nnt/distributed/block_cyclic_matrix.hpp — a dense rows × cols matrix distributed 2-D
// block-cyclically over a process_grid, ScaLAPACK's layout: block (I, J) of size block × block
// lives on grid process (I mod pr, J mod pc), which stores its blocks column-major in one local
// matrix of numroc(rows) × numroc(cols) scalars (so each rank holds ≈ rows·cols/(pr·pc)). The
// ScaLAPACK array descriptor is exposed for calls nnt does not wrap.
#pragma once

#include "../core/error.hpp"
#include "../core/types.hpp"
#include "detail/collectives.hpp"
#include "detail/scalapack.hpp"
#include "process_grid.hpp"

#include <algorithm>
#include <array>
#include <climits>
#include <string>

namespace nnt {

/// A distributed dense matrix in ScaLAPACK's 2-D block-cyclic layout (float or double).
template <class S = double>
class block_cyclic_matrix {
 public:
  using Scalar = S;  ///< element type

  /// A rows × cols matrix of square blocks (block × block) over grid, zero-initialised; the
  /// grid must outlive the matrix. Collective only in that every rank must construct it.
  block_cyclic_matrix(const process_grid& grid, Index rows, Index cols, Index block = 128)
      : grid_(&grid), rows_(rows), cols_(cols), block_(block) {
    // Collective checks: one rank's share may be refused (numroc gives the first ranks the most),
    // and then every rank throws.
    detail::on_every_rank(grid.comm(), [&] {
      require_in_range<Index, Index>("rows", rows, 1, INT_MAX);
      require_in_range<Index, Index>("cols", cols, 1, INT_MAX);
      require_in_range<Index, Index>("block", block, 1, 65536);
      const int m = int(rows), n = int(cols), nb = int(block), zero = 0;
      const int pr = grid.rows(), pc = grid.cols(), r = grid.row(), c = grid.col();
      const int lr = numroc_(&m, &nb, &r, &zero, &pr), lc = numroc_(&n, &nb, &c, &zero, &pc);
      const Index local = checked_product("rows·cols", std::max(lr, 1), lc);
      // LP64 ScaLAPACK addresses the local array with 32-bit integers.
      if (local > INT_MAX)
        throw_invalid_argument("rows·cols",
                               "a local share of at most 2³¹ − 1 scalars per rank "
                               "(32-bit ScaLAPACK indices: use more ranks)",
                               std::to_string(local));
      require_allocation("block_cyclic_matrix", local, sizeof(S));
      local_ = Matrix<S>::Zero(lr, lc);
      const int lld = lr > 1 ? lr : 1, context = grid.context();
      int info = 0;
      descinit_(descriptor_.data(), &m, &n, &nb, &nb, &zero, &zero, &context, &lld, &info);
      if (info != 0)
        throw_invalid_argument("block_cyclic_matrix", "a valid ScaLAPACK descriptor",
                               "descinit info " + std::to_string(info));
    });
  }

  /// The global row count.
  Index rows() const { return rows_; }
  /// The global column count.
  Index cols() const { return cols_; }
  /// The block size (rows and columns per block).
  Index block() const { return block_; }
  /// The grid the matrix is distributed over.
  const process_grid& grid() const { return *grid_; }
  /// This rank's blocks, column-major (local leading dimension = local().rows(), at least 1).
  Matrix<S>& local() { return local_; }
  /// This rank's blocks (read-only).
  const Matrix<S>& local() const { return local_; }
  /// The ScaLAPACK array descriptor (DESC_, 9 integers) of the matrix.
  const std::array<int, 9>& descriptor() const { return descriptor_; }
  /// The global row of local row i (0 ≤ i < local().rows()).
  Index global_row(Index i) const {
    require_in_range<Index, Index>("i", i, 0, local_.rows() - 1);
    return global_index(i, grid_->row(), grid_->rows());
  }
  /// The global column of local column j (0 ≤ j < local().cols()).
  Index global_col(Index j) const {
    require_in_range<Index, Index>("j", j, 0, local_.cols() - 1);
    return global_index(j, grid_->col(), grid_->cols());
  }

  /// Copies this rank's blocks out of `full`, a rows × cols matrix every rank holds.
  template <class D>
  void assign(const Eigen::MatrixBase<D>& full) {
    require_shape("full", rows_, cols_, full);
    for_each_block([&](Index li, Index lj, Index gi, Index gj, Index m, Index n) {
      local_.block(li, lj, m, n) = full.block(gi, gj, m, n).template cast<S>();
    });
  }

  /// The whole matrix on every rank (collective; rows·cols scalars per rank, for checks and small
  /// matrices).
  Matrix<S> gather() const {
    Matrix<S> full = Matrix<S>::Zero(rows_, cols_);
    for_each_block([&](Index li, Index lj, Index gi, Index gj, Index m, Index n) {
      full.block(gi, gj, m, n) = local_.block(li, lj, m, n);
    });
    detail::allreduce_sum<S>(full, grid_->comm());
    return full;
  }

  /// f(local row, local col, global row, global col, rows, cols) for every block this rank holds,
  /// block columns outer (the last blocks may be smaller than block()).
  template <class F>
  void for_each_block(F&& f) const {
    for (Index lj = 0; lj < local_.cols(); lj += block_)
      for (Index li = 0; li < local_.rows(); li += block_) {
        const Index gi = global_index(li, grid_->row(), grid_->rows()),
                    gj = global_index(lj, grid_->col(), grid_->cols());
        f(li, lj, gi, gj, std::min(block_, rows_ - gi), std::min(block_, cols_ - gj));
      }
  }

 private:
  Index global_index(Index local, int me, int procs) const {
    return ((local / block_) * procs + me) * block_ + local % block_;
  }
  const process_grid* grid_;
  Index rows_, cols_, block_;
  Matrix<S> local_;
  std::array<int, 9> descriptor_{};
};

}  // namespace nnt
