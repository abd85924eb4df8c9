// nnt/kernels/nngp_ntk.hpp — infinite-width NNGP and NTK Gram matrices of a kernel_network
// (kernels/layer.hpp): K(X, X), Θ(X, X), cross versions K(X, X2), diagonals and per-layer kernels.
// The recursion is pointwise on Gram entries once the diagonals are known: one input Gram by GEMM,
// the diagonal pass, then each tile through all steps while in cache (kernels/detail/), with the
// ReLU arc-cosine pass vectorised and distances carried so near-duplicate inputs keep full
// precision (DESIGN.md "Kernels"). A variance that overflows is status::overflow with the step,
// never a silent inf. Results are the same on every thread count.
#pragma once

#include "../core/error.hpp"
#include "../core/status.hpp"
#include "../core/types.hpp"
#include "detail/gram_tiles.hpp"
#include "layer.hpp"

#include <string>
#include <utility>
#include <vector>

namespace nnt {

/// Options of kernel_gram(): which matrices to produce and how to split the work.
struct kernel_gram_options {
  bool ntk = true;          ///< also compute Θ (otherwise only the NNGP)
  bool all_layers = false;  ///< keep K^{(l)} (and Θ^{(l)}) after every dense step
  Index block = 256;        ///< rows per column segment (the unit of work kept in cache), 1…65536
  int threads = 0;          ///< OpenMP threads; 0 = OpenMP's default
};

/// The Gram matrices from kernel_gram(), N × N (or N × M for the cross version), and their status.
template <class S = double>
struct kernel_gram_result {
  Matrix<S> nngp;                      ///< K after the last step
  Matrix<S> ntk;                       ///< Θ after the last step (empty unless options.ntk)
  std::vector<Matrix<S>> nngp_layers;  ///< K^{(l)}, l = 1..L (only with options.all_layers)
  std::vector<Matrix<S>> ntk_layers;   ///< Θ^{(l)}
  nnt::status status = status::ok;  ///< overflow if some variance left the range of S (outputs NaN)
  Index overflow_step = -1;         ///< first step whose diagonal is not finite
};

/// The diagonals K(x, x), Θ(x, x) from kernel_diagonal(), one entry per column of X.
template <class S = double>
struct kernel_diagonal_result {
  Vector<S> nngp, ntk;                             ///< K(x, x), Θ(x, x) after the last step
  std::vector<Vector<S>> nngp_layers, ntk_layers;  ///< after every dense step
  nnt::status status = status::ok;  ///< overflow if some K(x, x) or Θ(x, x) is not finite
  Index overflow_step = -1;  ///< index into net.steps() of the first non-finite step; −1 if none
  /// \var nngp
  /// K(x, x) after the last step, length N.
  /// \var nngp_layers
  /// K^{(l)}(x, x) after the l-th dense step, l = 1..L (always filled).
};

namespace detail {
template <class S>
void require_gram_inputs(const kernel_network& net, const const_matrix_ref<S>& X,
                         const const_matrix_ref<S>* X2, const kernel_gram_options& o) {
  require_at_least<Index>("X.rows()", X.rows(), 1);
  require_at_least<Index>("X.cols()", X.cols(), 1);
  require_finite("X", X);
  if (X2) {
    require_rows("X2", X.rows(), X2->rows());
    require_at_least<Index>("X2.cols()", X2->cols(), 1);
    require_finite("X2", *X2);
  }
  require_in_range<Index, Index>("block", o.block, 1, 65536);
  require_in_range<int, int>("threads", o.threads, 0, 4096);
  const Index m = X2 ? X2->cols() : X.cols();
  const Index matrices = (o.ntk ? 2 : 1) * (o.all_layers ? net.dense_count() + 1 : 1);
  require_allocation(
      "X.cols() (the Gram outputs)",
      checked_product("X.cols()", checked_product("X.cols()", X.cols(), m), matrices), sizeof(S));
}
}  // namespace detail

/// NNGP and NTK Gram matrices of the inputs X (d × N, one per column): symmetric N × N.
template <class DX, class S = typename DX::Scalar>
kernel_gram_result<S> kernel_gram(const kernel_network& net, const Eigen::MatrixBase<DX>& X,
                                  const kernel_gram_options& options = {}) {
  const const_matrix_ref<S> x(X.derived());
  detail::require_gram_inputs<S>(net, x, nullptr, options);
  kernel_gram_result<S> r;
  detail::kernel_gram_into<S>(r, net, x, nullptr, options);
  return r;
}

/// Cross kernels K(X, X2), Θ(X, X2): N × M.
template <class DX, class DY, class S = typename DX::Scalar>
kernel_gram_result<S> kernel_gram(const kernel_network& net, const Eigen::MatrixBase<DX>& X,
                                  const Eigen::MatrixBase<DY>& X2,
                                  const kernel_gram_options& options = {}) {
  static_assert(std::is_same_v<S, typename DY::Scalar>,
                "kernel_gram: X and X2 must have the same Scalar");
  const const_matrix_ref<S> x(X.derived()), x2(X2.derived());
  detail::require_gram_inputs<S>(net, x, &x2, options);
  kernel_gram_result<S> r;
  detail::kernel_gram_into<S>(r, net, x, &x2, options);
  return r;
}

/// K(X, X) alone; throws nnt::numerical_error if a variance overflows (kernel_gram reports it).
template <class DX, class S = typename DX::Scalar>
Matrix<S> nngp_gram(const kernel_network& net, const Eigen::MatrixBase<DX>& X) {
  return throw_unless_ok(kernel_gram(net, X, {.ntk = false}), "nngp_gram").nngp;
}
/// K(X, X2) alone; throws nnt::numerical_error if a variance overflows.
template <class DX, class DY, class S = typename DX::Scalar>
Matrix<S> nngp_gram(const kernel_network& net, const Eigen::MatrixBase<DX>& X,
                    const Eigen::MatrixBase<DY>& X2) {
  return throw_unless_ok(kernel_gram(net, X, X2, {.ntk = false}), "nngp_gram").nngp;
}
/// Θ(X, X) alone; throws nnt::numerical_error if a variance overflows.
template <class DX, class S = typename DX::Scalar>
Matrix<S> ntk_gram(const kernel_network& net, const Eigen::MatrixBase<DX>& X) {
  return throw_unless_ok(kernel_gram(net, X), "ntk_gram").ntk;
}
/// Θ(X, X2) alone; throws nnt::numerical_error if a variance overflows.
template <class DX, class DY, class S = typename DX::Scalar>
Matrix<S> ntk_gram(const kernel_network& net, const Eigen::MatrixBase<DX>& X,
                   const Eigen::MatrixBase<DY>& X2) {
  return throw_unless_ok(kernel_gram(net, X, X2), "ntk_gram").ntk;
}

/// K(x, x) and Θ(x, x) for every column of X, O(N · steps).
template <class DX, class S = typename DX::Scalar>
kernel_diagonal_result<S> kernel_diagonal(const kernel_network& net,
                                          const Eigen::MatrixBase<DX>& X) {
  const const_matrix_ref<S> x(X.derived());
  require_at_least<Index>("X.rows()", x.rows(), 1);
  require_finite("X", x);
  const step_quadratures<S> rules(net);
  const auto tab = detail::diagonal_states(net, x, rules, 0);
  kernel_diagonal_result<S> r;
  for (Index s = 0; s < net.size(); ++s)
    if (net.steps()[std::size_t(s)].kind == kernel_step_kind::dense) {
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
