// nnt/distributed/process_grid.hpp — the ranks of an MPI communicator as a BLACS process grid
// (pr × pc, ranks in row-major order), the unit over which ScaLAPACK distributes matrices
// block-cyclically (Blackford et al., ScaLAPACK Users' Guide, SIAM 1997, ch. 4). By default the
// grid is the most nearly square pr ≤ pc with pr·pc = the communicator's size; every rank of the
// communicator is in the grid. Constructing and destroying a grid are collective.
#pragma once

#include "../core/error.hpp"
#include "detail/collectives.hpp"
#include "detail/scalapack.hpp"

#include <mpi.h>

#include <string>

namespace nnt {

/// A BLACS process grid over all ranks of an MPI communicator (MPI must be initialised).
class process_grid {
 public:
  /// The grid rows × cols over comm; rows = cols = 0 picks the most square shape. Collective.
  /// Throws nnt::invalid_argument unless rows·cols equals the communicator's size.
  explicit process_grid(MPI_Comm comm = MPI_COMM_WORLD, int rows = 0, int cols = 0) : comm_(comm) {
    detail::require_mpi_initialized(comm);
    size_ = detail::mpi_size(comm);
    rank_ = detail::mpi_rank(comm);
    if (rows == 0 && cols == 0) {
      rows = 1;
      for (int r = 1; r * r <= size_; ++r)
        if (size_ % r == 0) rows = r;
      cols = size_ / rows;
    }
    detail::require_same_value("rows", rows, comm);  // agreement first: no rank left waiting
    detail::require_same_value("cols", cols, comm);
    require_in_range<int, int>("rows", rows, 1, size_);
    require_in_range<int, int>("cols", cols, 1, size_);
    if (rows * cols != size_)
      throw_invalid_argument("rows·cols", "the communicator's size " + std::to_string(size_),
                             std::to_string(rows) + "·" + std::to_string(cols));
    // The system handle only names comm for gridinit, which duplicates it; it is released at
    // once (BLACS shares one handle per communicator among all grids on it).
    const int handle = Csys2blacs_handle(comm);
    context_ = handle;
    Cblacs_gridinit(&context_, "Row", rows, cols);
    Cfree_blacs_system_handle(handle);
    Cblacs_gridinfo(context_, &rows_, &cols_, &row_, &col_);
  }
  // Not copyable or movable: block_cyclic_matrix keeps a pointer to its grid.
  process_grid(const process_grid&) = delete;
  process_grid& operator=(const process_grid&) = delete;
  /// Releases the BLACS grid (collective over the communicator); after MPI_Finalize (a grid in
  /// main's scope outliving the MPI_Finalize call) there is nothing left to release.
  ~process_grid() {
    int finalized = 0;
    MPI_Finalized(&finalized);
    if (!finalized && context_ >= 0) Cblacs_gridexit(context_);
  }

  /// The communicator the grid spans.
  MPI_Comm comm() const { return comm_; }
  /// The BLACS context (ScaLAPACK descriptors refer to it).
  int context() const { return context_; }
  /// pr, the grid's row count.
  int rows() const { return rows_; }
  /// pc, the grid's column count.
  int cols() const { return cols_; }
  /// This rank's grid row.
  int row() const { return row_; }
  /// This rank's grid column.
  int col() const { return col_; }
  /// This rank in comm.
  int rank() const { return rank_; }
  /// The number of ranks (pr·pc).
  int size() const { return size_; }

 private:
  MPI_Comm comm_ = MPI_COMM_NULL;
  int context_ = -1;
  int rows_ = 0, cols_ = 0, row_ = -1, col_ = -1, rank_ = 0, size_ = 0;
};

}  // namespace nnt
