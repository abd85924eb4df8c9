// nnt/distributed/kernel_operator.hpp — the matrix-free kernel operators of kernels/
// kernel_operator.hpp with their work shared among the ranks of an MPI communicator, each product
// one MPI_Allreduce, the result the same on every rank: distributed_kernel_operator (rank p applies
// share p of the symmetric tile pass, kernel_operator::apply_share; kernel_ridge_pcg() on it is
// distributed PCG) and distributed_kernel_cross_operator (test rows split, for predictions). The
// inputs are replicated: memory per rank O(N·(d + r + steps)).
#pragma once

#include "../core/error.hpp"
#include "../core/status.hpp"
#include "../core/types.hpp"
#include "../kernels/kernel_operator.hpp"
#include "../kernels/layer.hpp"
#include "detail/collectives.hpp"

#include <mpi.h>

#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace nnt {

namespace detail {

// The rows [first, first + count) of n that rank `rank` of `size` owns.
struct row_share {
  Index first = 0, count = 0;
  row_share(Index n, int rank, int size)
      : first(n * rank / size), count(n * (rank + 1) / size - n * rank / size) {}
};

// The inputs a distributed operator needs, checked on every rank together.
// split: the inputs' columns are shared among the ranks, so there must be one per rank at least.
template <class S, class DX>
Matrix<S> checked_replicated_inputs(std::string_view name, MPI_Comm comm,
                                    const Eigen::MatrixBase<DX>& X,
                                    const kernel_operator_options& o, bool split) {
  require_mpi_initialized(comm);
  const Matrix<S> x = X.template cast<S>();
  // What every rank must agree on first, then the checks (threads may differ between ranks),
  // failing on all ranks together: a check failing on some ranks only would leave the others
  // waiting in the next collective.
  require_replicated<S>(name, const_matrix_ref<S>(x), comm);
  require_same_value("ntk", o.ntk, comm);
  require_same_value("block", o.block, comm);
  on_every_rank(comm, [&] {
    require_operator_inputs<S>(name, const_matrix_ref<S>(x), o);
    const int size = mpi_size(comm);
    if (split && x.cols() < size)
      throw_invalid_argument(std::string(name) + ".cols()",
                             "at least one input per rank (" + std::to_string(size) + ")",
                             std::to_string(x.cols()));
  });
  return x;
}

// The whole (rows × cols) from the block of rows this rank computed: zero-padded, summed.
template <class S, class Fill>
Matrix<S> sum_row_blocks(MPI_Comm comm, Index rows, Index cols, const row_share& own, Fill&& fill) {
  Matrix<S> full = Matrix<S>::Zero(rows, cols);
  fill(matrix_ref<S>(full.middleRows(own.first, own.count)));
  allreduce_sum<S>(full, comm);
  return full;
}

}  // namespace detail

/// K(X, X) or Θ(X, X) of a kernel_network (N × N) with its tile work shared among the ranks of
/// comm: the same interface as kernel_operator (a kernel_matrix_operator for kernel_ridge_pcg and
/// rp_cholesky). Every member that computes is collective and must be called by all ranks with
/// the same arguments; results are the same on every rank. Rank p of P applies the diagonal tiles
/// and tournament rounds ≡ p (mod P), ~N²/(2P) entries, and the Allreduce sums the shares (Open
/// MPI's reductions combine each element once and share the result; the tests check that every
/// rank gets the same bits). In kernel_ridge_pcg the O(N·r) vector work is repeated on every rank.
template <class S = double>
class distributed_kernel_operator {
 public:
  using Scalar = S;  ///< element type of the inputs, the vectors and the products
  /// apply() takes N × r blocks.
  static constexpr bool block_products = true;

  /// The operator of net on X (d × N, the same on every rank: checked). Collective.
  template <class DX>
  distributed_kernel_operator(MPI_Comm comm, const kernel_network& net,
                              const Eigen::MatrixBase<DX>& X,
                              const kernel_operator_options& options = {})
      : comm_(comm),
        local_(net, detail::checked_replicated_inputs<S>("X", comm, X, options, false), options),
        part_(detail::mpi_rank(comm)),
        parts_(detail::mpi_size(comm)) {}

  /// N.
  Index rows() const { return local_.rows(); }
  /// N (square).
  Index cols() const { return local_.cols(); }
  /// True when the operator is Θ, false for the NNGP K.
  bool ntk() const { return local_.ntk(); }
  /// The communicator.
  MPI_Comm comm() const { return comm_; }
  /// overflow when some diagonal variance left the range of S (products are then NaN).
  nnt::status status() const { return local_.status(); }
  /// The diagonal K(x, x) of every input, length N (every rank holds the diagonal table).
  Vector<S> diagonal() const { return local_.diagonal(); }
  /// tr K.
  S trace() const { return local_.trace(); }

  /// out = K V for V (N × r, the same on every rank); out N × r. Collective: this rank's share
  /// of the tiles (kernel_operator::apply_share), then one Allreduce of N × r scalars.
  template <class DV, class DO>
  void apply(const Eigen::MatrixBase<DV>& V, DO&& out) const {
    const const_matrix_ref<S> v(V.derived());
    matrix_ref<S> o(out);
    detail::require_product_shapes<S>(rows(), cols(), v, o);
    Matrix<S> sum(rows(), v.cols());
    local_.apply_share(v, sum, part_, parts_);
    detail::allreduce_sum<S>(sum, comm_);
    o = sum;
  }
  /// K V as a new N × r matrix. Collective.
  template <class DV>
  Matrix<S> multiply(const Eigen::MatrixBase<DV>& V) const {
    Matrix<S> out(rows(), V.cols());
    apply(const_matrix_ref<S>(V.derived()), out);
    return out;
  }
  /// Throws nnt::invalid_argument on every rank unless A is the same on all ranks (collective);
  /// kernel_ridge_pcg() checks its Y and options with it and with require_same().
  void require_replicated(std::string_view name, const const_matrix_ref<S>& A) const {
    detail::require_replicated<S>(name, A, comm_);
  }
  /// Throws nnt::invalid_argument on every rank unless value is the same on all (collective).
  template <class T>
  void require_same(std::string_view name, const T& value) const {
    detail::require_same_value(name, value, comm_);
  }
  /// The columns K(X, x_c) for c in `columns` (N × |columns|), as kernel_operator::columns;
  /// computed on every rank without communication (RPCholesky forms N·k entries, ~k/N of one
  /// product's work).
  Matrix<S> columns(std::span<const Index> columns) const { return local_.columns(columns); }

 private:
  MPI_Comm comm_;
  kernel_operator<S> local_;  // the whole operator; each rank applies its share of the tiles
  Index part_, parts_;
};

/// K(A, B) or Θ(A, B) (M × N: test inputs A, training inputs B) with the rows (test inputs)
/// shared among the ranks of comm, for predictions (kernel_ridge_predict). Collective members,
/// results on every rank: rank p owns the rows [p·M/P, (p+1)·M/P), and the Allreduce sums
/// zero-padded row blocks (one nonzero per entry: bit for bit).
template <class S = double>
class distributed_kernel_cross_operator {
 public:
  using Scalar = S;  ///< element type
  /// apply() takes blocks of vectors.
  static constexpr bool block_products = true;

  /// The cross operator of net between A (d × M, M ≥ ranks) and B (d × N), both the same on
  /// every rank (checked). Collective.
  template <class DA, class DB>
  distributed_kernel_cross_operator(MPI_Comm comm, const kernel_network& net,
                                    const Eigen::MatrixBase<DA>& A, const Eigen::MatrixBase<DB>& B,
                                    const kernel_operator_options& options = {})
      : distributed_kernel_cross_operator(
            checked{}, comm, net, detail::checked_replicated_inputs<S>("A", comm, A, options, true),
            detail::checked_replicated_inputs<S>("B", comm, B, options, false), options) {}

  /// M.
  Index rows() const { return m_; }
  /// N.
  Index cols() const { return local_.cols(); }
  /// overflow when some diagonal variance of A or B left the range of S (on any rank's rows).
  nnt::status status() const { return status_; }
  /// k(a, a) of every test input, length M (collective).
  Vector<S> row_diagonal() const {
    return detail::sum_row_blocks<S>(comm_, m_, 1, own_,
                                     [&](matrix_ref<S> mine) { mine = local_.row_diagonal(); });
  }
  /// out = K(A, B) V for V (N × r, the same on every rank); out M × r. Collective.
  void apply(const const_matrix_ref<S>& V, matrix_ref<S> out) const {
    detail::require_product_shapes<S>(rows(), cols(), V, out);
    out = detail::sum_row_blocks<S>(comm_, m_, V.cols(), own_,
                                    [&](matrix_ref<S> mine) { local_.apply(V, mine); });
  }

 private:
  struct checked {};  // the inputs have been checked and converted to S
  distributed_kernel_cross_operator(checked, MPI_Comm comm, const kernel_network& net,
                                    const Matrix<S>& a, const Matrix<S>& b,
                                    const kernel_operator_options& options)
      : comm_(comm),
        m_(a.cols()),
        own_(m_, detail::mpi_rank(comm), detail::mpi_size(comm)),
        local_(net, a.middleCols(own_.first, own_.count), b, options) {
    // Each rank sees only its rows of A: the status is agreed, so that all ranks take one branch.
    int overflow = local_.status() == status::ok ? 0 : 1;
    MPI_Allreduce(MPI_IN_PLACE, &overflow, 1, MPI_INT, MPI_MAX, comm_);
    status_ = overflow ? status::overflow : status::ok;
  }
  MPI_Comm comm_;
  Index m_;
  detail::row_share own_;
  kernel_cross_operator<S> local_;  // K(A_own, B)
  nnt::status status_ = status::ok;
};

}  // namespace nnt
