// nnt/distributed/kernel_ridge.hpp — exact kernel ridge regression with the Gram in aggregate
// memory: α = (K + λI)⁻¹ Yᵀ from the block-cyclic Gram of distributed_kernel_gram, factored by
// ScaLAPACK's pdpotrf/pspotrf (lower triangle, in place) and solved by p?potrs. The failure policy
// is kernel_ridge_fit's (kernels/regression.hpp): when the factorisation fails, jitter
// 1e-12…1e-6·tr(K)/N is added (×10 per retry, reported) — each retry recomputes the Gram, which
// costs O(N²·steps), far below the O(N³/3) of a factorisation, instead of keeping a second copy —
// and status::singular when even that fails, or when a pivot² falls below ε·max pivot². Memory per
// rank: N²·sizeof(S)/ranks + O(N·(d + k + steps)); only the Gram's lower triangle is computed.
#pragma once

#include "../core/error.hpp"
#include "../core/status.hpp"
#include "../core/types.hpp"
#include "../kernels/kernel_operator.hpp"
#include "../kernels/layer.hpp"
#include "../kernels/regression.hpp"
#include "block_cyclic_matrix.hpp"
#include "detail/collectives.hpp"
#include "detail/scalapack.hpp"
#include "kernel_gram.hpp"
#include "process_grid.hpp"

#include <algorithm>
#include <limits>
#include <string>

namespace nnt {

/// Options of distributed_kernel_ridge(): the ridge as in ridge_options, and the Gram's layout.
struct distributed_kernel_ridge_options {
  double ridge = 0.0;        ///< λ ≥ 0
  bool relative = false;     ///< λ is relative to tr(K)/N
  bool allow_jitter = true;  ///< add jitter if the factorisation fails
  bool ntk = true;           ///< regress with Θ (true) or with the NNGP K (false)
  Index block = 128;         ///< ScaLAPACK block size
  int threads = 0;           ///< OpenMP threads per rank; 0 = OpenMP's default
};

/// A kernel ridge regressor fitted by distributed_kernel_ridge(); α is on every rank.
template <class S = double>
struct distributed_kernel_ridge_model {
  Matrix<S> alpha;  ///< (K + (λ + jitter)I)⁻¹ Yᵀ: N × k, the same on every rank; empty unless ok
  S ridge = 0;      ///< λ used (absolute)
  S jitter = 0;  ///< added on top of λ to make the factorisation succeed
  /// ok; singular (K + λI not positive definite even with jitter); overflow (the Gram's
  /// variances overflowed).
  nnt::status status = status::ok;
  int info = 0;  ///< p?potrf's last info (> 0: the order of the first non-positive minor)
  std::size_t gram_bytes = 0;  ///< this rank's share of the Gram (its local blocks), in bytes
};

/// Fits α = (K + λI)⁻¹ Yᵀ (Y: k × N) for the Gram of net on X (d × N), both the same on every
/// rank (checked), with the Gram block-cyclic over grid and factored by ScaLAPACK. Collective.
/// Throws nnt::invalid_argument for mismatched or non-finite X or Y, λ < 0 or non-finite, and
/// arguments that differ between ranks.
template <class S = double, class DX, class DY>
distributed_kernel_ridge_model<S> distributed_kernel_ridge(
    const process_grid& grid, const kernel_network& net, const Eigen::MatrixBase<DX>& X,
    const Eigen::MatrixBase<DY>& Y, const distributed_kernel_ridge_options& options = {}) {
  const MPI_Comm comm = grid.comm();
  // Agreement between the ranks first (a check failing on some ranks only would deadlock).
  const Matrix<S> y = Y.template cast<S>();
  detail::require_replicated<S>("Y", const_matrix_ref<S>(y), comm);
  detail::require_same_value("ridge", options.ridge, comm);
  detail::require_same_value("relative", options.relative, comm);
  detail::require_same_value("allow_jitter", options.allow_jitter, comm);
  const distributed_kernel_gram_options go{options.ntk, options.block, options.threads};
  const auto data = detail::distributed_gram_operand<S>(grid, net, X, go);
  detail::on_every_rank(comm, [&] {
    require_cols("Y", X.cols(), Y.cols());
    require_at_least<Index>("Y.rows()", Y.rows(), 1);
    require_finite("Y", Y);
    require_finite("ridge", options.ridge);
    require_nonnegative("ridge", options.ridge);
  });
  const Index n = X.cols();
  block_cyclic_matrix<S> G(grid, n, n, options.block);
  distributed_kernel_ridge_model<S> m;
  m.gram_bytes = std::size_t(G.local().size()) * sizeof(S);
  if (data.table.overflow_step >= 0) {
    m.status = status::overflow;
    return m;
  }
  // The lower triangle only (p?potrf("L") reads no other): half the tile work.
  detail::fill_block_cyclic_gram(G, data, options.ntk, options.threads, true);
  // The diagonal of a block-cyclic matrix (after p?potrf, the pivots of L), on every rank.
  auto diagonal = [&](const block_cyclic_matrix<S>& A) {
    Vector<S> d = Vector<S>::Zero(n);
    A.for_each_block([&](Index li, Index lj, Index gi, Index gj, Index rows, Index) {
      if (gi == gj) d.segment(gi, rows) = A.local().block(li, lj, rows, rows).diagonal();
    });
    detail::allreduce_sum<S>(d, comm);
    return d;
  };
  auto add_to_diagonal = [&](block_cyclic_matrix<S>& A, S shift) {
    A.for_each_block([&](Index li, Index lj, Index gi, Index gj, Index rows, Index) {
      if (gi == gj) A.local().block(li, lj, rows, rows).diagonal().array() += shift;
    });
  };
  // Every rank holds the diagonal table: tr K without communication.
  const S scale = data.final_diagonal(options.ntk).sum() / S(n);
  m.ridge = S(options.ridge) * (options.relative ? scale : S(1));
  // Factor K + shift·I in place; true when the factor is usable (info 0 on every rank and the
  // pivot ratio test of kernel_ridge_fit).
  auto factor = [&](S shift) {
    add_to_diagonal(G, shift);
    int info = 0;
    detail::scalapack_potrf(int(n), G.local().data(), G.descriptor().data(), &info);
    MPI_Allreduce(MPI_IN_PLACE, &info, 1, MPI_INT, MPI_MAX, comm);
    m.info = info;
    return info == 0 && detail::usable_pivots<S>(diagonal(G));
  };
  bool ok = factor(m.ridge);
  const detail::jitter_ladder<S> ladder(scale);
  S jitter = ladder.first;
  const S max_jitter = ladder.last;
  while (!ok && options.allow_jitter && jitter <= max_jitter) {
    m.jitter = jitter;
    detail::fill_block_cyclic_gram(G, data, options.ntk, options.threads,
                                   true);  // potrf overwrote it
    ok = factor(m.ridge + jitter);
    jitter *= 10;
  }
  if (!ok) {
    m.status = status::singular;
    return m;
  }
  block_cyclic_matrix<S> B(grid, n, y.rows(), options.block);
  B.assign(y.transpose());
  int info = 0;
  detail::scalapack_potrs(int(n), int(y.rows()), G.local().data(), G.descriptor().data(),
                          B.local().data(), B.descriptor().data(), &info);
  if (info != 0)  // only for an illegal argument, which the checks above rule out
    throw_invalid_argument("p?potrs", "info 0", std::to_string(info));
  m.alpha = B.gather();
  return m;
}

}  // namespace nnt
