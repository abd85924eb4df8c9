// nnt/distributed/kernel_gram.hpp — the N × N NNGP K or NTK Θ Gram of a kernel_network on X as a
// ScaLAPACK block-cyclic matrix: every rank computes only the blocks it owns, with kernel_gram's
// tile pass (diagonal table once, each block's input Gram by a small GEMM, its columns through all
// steps in cache), so the Gram lives in aggregate memory: N²·sizeof(S)/ranks per rank plus
// O(N·(d + steps)) for the replicated inputs and diagonal table. Every block is computed on its
// own, so K(i, j) and K(j, i) agree to rounding, not bit for bit (ScaLAPACK's Cholesky reads one
// triangle).
#pragma once

#include "../core/error.hpp"
#include "../core/status.hpp"
#include "../core/types.hpp"
#include "../kernels/kernel_operator.hpp"
#include "../kernels/layer.hpp"
#include "block_cyclic_matrix.hpp"
#include "detail/collectives.hpp"
#include "process_grid.hpp"

#include <limits>
#include <vector>

namespace nnt {

/// Options of distributed_kernel_gram().
struct distributed_kernel_gram_options {
  bool ntk = true;    ///< the Gram of Θ (true) or of the NNGP K (false)
  Index block = 128;  ///< ScaLAPACK block size (rows and columns per block), 1…65536
  int threads = 0;    ///< OpenMP threads per rank; 0 = OpenMP's default
};

/// The Gram from distributed_kernel_gram(), and its status.
template <class S = double>
struct distributed_kernel_gram_result {
  block_cyclic_matrix<S> gram;  ///< N × N, block-cyclic over the grid
  /// ok, or overflow when some diagonal variance left the range of S (the Gram is then NaN).
  nnt::status status = status::ok;
  Index overflow_step = -1;  ///< first step whose diagonal is not finite; −1 if none
};

namespace detail {

// Fills the blocks of G this rank owns with the kernel of `data` (G is N × N over data.X);
// lower_only: only the blocks on and below the diagonal (what p?potrf("L") reads).
template <class S>
void fill_block_cyclic_gram(block_cyclic_matrix<S>& G, const kernel_operand<S>& data, bool ntk,
                            int threads, bool lower_only = false) {
  struct task {
    Index li, lj, gi, gj, m, n;
  };
  std::vector<task> tasks;
  G.for_each_block([&](Index li, Index lj, Index gi, Index gj, Index m, Index n) {
    if (!lower_only || gi >= gj) tasks.push_back({li, lj, gi, gj, m, n});
  });
  const segment_context<S> ctx{&data.net,   &data.rules,   &data.table,
                               &data.table, data.X.rows(), ntk};
  const const_matrix_ref<S> X(data.X);
  const Vector<S> d = data.final_diagonal(ntk);
  Matrix<S>& local = G.local();
  tile_region<S>(threads, G.block(), [&](auto& w, Matrix<S>& T, auto& error) {
    shared_tasks(Index(tasks.size()), error, [&](Index k) {
      const task& t = tasks[std::size_t(k)];
      kernel_block<S>(ctx, w, X, X, t.gi, t.m, t.gj, t.n, false, T);
      if (t.gi == t.gj) T.diagonal().head(t.m) = d.segment(t.gi, t.m);
      local.block(t.li, t.lj, t.m, t.n) = T.topLeftCorner(t.m, t.n);
    });
  });
}

}  // namespace detail

namespace detail {

// The checked inputs of a distributed Gram: X copied to S, its diagonal table.
template <class S, class DX>
kernel_operand<S> distributed_gram_operand(const process_grid& grid, const kernel_network& net,
                                           const Eigen::MatrixBase<DX>& X,
                                           const distributed_kernel_gram_options& options) {
  const Matrix<S> x = X.template cast<S>();
  const kernel_operator_options o{
      .ntk = options.ntk, .block = options.block, .threads = options.threads};
  // Agreement first, then the checks (threads may differ between ranks), failing on all ranks
  // together.
  require_replicated<S>("X", const_matrix_ref<S>(x), grid.comm());
  require_same_value("ntk", options.ntk, grid.comm());
  require_same_value("block", options.block, grid.comm());
  on_every_rank(grid.comm(), [&] {
    require_operator_inputs<S>("X", const_matrix_ref<S>(x), o);
    require_in_range<Index, Index>("X.cols()", x.cols(), 1, std::numeric_limits<int>::max());
  });
  return kernel_operand<S>(net, const_matrix_ref<S>(x), o);
}

}  // namespace detail

/// K(X, X) or Θ(X, X) (N × N) of net on X (d × N, the same on every rank: checked) as a
/// block-cyclic matrix over grid. Collective. Throws nnt::invalid_argument for an empty or
/// non-finite X, an X or options that differ between ranks, options out of range.
template <class S = double, class DX>
distributed_kernel_gram_result<S> distributed_kernel_gram(
    const process_grid& grid, const kernel_network& net, const Eigen::MatrixBase<DX>& X,
    const distributed_kernel_gram_options& options = {}) {
  const auto data = detail::distributed_gram_operand<S>(grid, net, X, options);
  const Index n = data.X.cols();
  distributed_kernel_gram_result<S> r{block_cyclic_matrix<S>(grid, n, n, options.block)};
  r.overflow_step = data.table.overflow_step;
  if (r.overflow_step >= 0) {
    r.status = status::overflow;
    r.gram.local().setConstant(std::numeric_limits<S>::quiet_NaN());
    return r;
  }
  detail::fill_block_cyclic_gram(r.gram, data, options.ntk, options.threads);
  return r;
}

}  // namespace nnt
