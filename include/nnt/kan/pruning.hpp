// nnt/kan/pruning.hpp — pruning a KAN by its edge magnitudes |φ_{j,i}|₁ = mean_n |φ_{j,i}(x_i(n))|
// on a batch (kan/regularization.hpp; Liu et al. 2024, §2.5): node pruning keeps hidden node j of
// layer l when its largest incoming and largest outgoing |φ|₁ both exceed a threshold and returns
// the smaller network; edge pruning zeroes (w_b = w_s = c = 0) the edges with |φ|₁ at or below one.
#pragma once

#include "../core/error.hpp"
#include "../core/types.hpp"
#include "kan.hpp"
#include "regularization.hpp"

#include <algorithm>
#include <vector>

namespace nnt {

/// The pruned network and, per layer, the indices of the nodes it kept.
template <class S>
struct pruned_kan {
  kan<S> net;  ///< widths kept[l].size(), with the kept nodes' grids and edge parameters
  /// kept[l], l = 0..L: the original indices of layer l's kept nodes, ascending (all input and
  /// output nodes; at least one per hidden layer).
  std::vector<std::vector<Index>> kept;
};

/// Node pruning on X (d × N, N ≥ 1) at `threshold` ≥ 0; input and output nodes are always kept.
template <class S>
pruned_kan<S> prune_nodes(const kan<S>& net, const matrix_arg<S>& X, double threshold) {
  require_finite("threshold", threshold);
  require_nonnegative("threshold", threshold);
  require_at_least<Index>("X.cols()", X.cols(), 1);
  kan_workspace<S> ws;
  net.forward(X, ws);
  const auto A = edge_magnitudes(net, ws);
  const Index L = net.depth();
  std::vector<std::vector<Index>> kept(std::size_t(L + 1));
  for (Index i = 0; i < net.width(0); ++i) kept.front().push_back(i);
  for (Index i = 0; i < net.width(L); ++i) kept.back().push_back(i);
  for (Index l = 1; l < L; ++l)
    for (Index j = 0; j < net.width(l); ++j) {
      const double in = double(scalar_value(A[std::size_t(l - 1)].row(j).maxCoeff()));
      const double out = double(scalar_value(A[std::size_t(l)].col(j).maxCoeff()));
      if (in > threshold && out > threshold) kept[std::size_t(l)].push_back(j);
    }
  // A layer left without nodes keeps its first one (a KAN needs width ≥ 1; its edges are ~0).
  for (Index l = 1; l < L; ++l)
    if (kept[std::size_t(l)].empty()) kept[std::size_t(l)].push_back(0);
  std::vector<Index> widths;
  std::vector<bspline_basis> bases;
  for (Index l = 0; l <= L; ++l) widths.push_back(Index(kept[std::size_t(l)].size()));
  for (Index l = 0; l < L; ++l)
    for (Index i : kept[std::size_t(l)]) bases.push_back(net.basis(l, i));
  pruned_kan<S> r{kan<S>(widths, net.options(), std::move(bases)), kept};
  for (Index l = 0; l < L; ++l) {
    const Index nb = net.basis_size(l);
    const auto& ins = kept[std::size_t(l)];
    const auto& outs = kept[std::size_t(l + 1)];
    for (std::size_t b = 0; b < outs.size(); ++b)
      for (std::size_t a = 0; a < ins.size(); ++a) {
        r.net.base_weights(l)(Index(b), Index(a)) = net.base_weights(l)(outs[b], ins[a]);
        r.net.spline_weights(l)(Index(b), Index(a)) = net.spline_weights(l)(outs[b], ins[a]);
        for (Index m = 0; m < nb; ++m)
          r.net.coefficients(l)(Index(b), Index(a) * nb + m) =
              net.coefficients(l)(outs[b], ins[a] * nb + m);
      }
  }
  return r;
}

/// Edge pruning on X at `threshold` ≥ 0; returns how many edges were zeroed. The shape stays.
template <class S>
Index prune_edges(kan<S>& net, const matrix_arg<S>& X, double threshold) {
  require_finite("threshold", threshold);
  require_nonnegative("threshold", threshold);
  require_at_least<Index>("X.cols()", X.cols(), 1);
  kan_workspace<S> ws;
  net.forward(X, ws);
  const auto A = edge_magnitudes(net, ws);
  Index removed = 0;
  for (Index l = 0; l < net.depth(); ++l) {
    const Index nb = net.basis_size(l);
    for (Index i = 0; i < net.width(l); ++i)
      for (Index j = 0; j < net.width(l + 1); ++j)
        if (double(scalar_value(A[std::size_t(l)](j, i))) <= threshold) {
          net.base_weights(l)(j, i) = S(0);
          net.spline_weights(l)(j, i) = S(0);
          net.coefficients(l).block(j, i * nb, 1, nb).setZero();
          ++removed;
        }
  }
  return removed;
}

}  // namespace nnt
