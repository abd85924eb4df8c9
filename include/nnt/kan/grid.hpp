// nnt/kan/grid.hpp — moving and refining a KAN's input grids, refitting every edge's spline so the
// function is kept (Liu et al. 2024, §2.5 "grid extension"):
//   update_grids   each input grid to the activation percentiles of X, blended with a uniform grid
//                  (ε·uniform + (1 − ε)·quantiles over [min − m, max + m], m = margin·(max − min)),
//                  splines refitted by least squares to their old values at the samples;
//   refine_grid    uniform grids of G′ intervals over each node's current range (exact for nested
//                  refinements G′ = cG, O(h^{k+1}) otherwise).
#pragma once

#include "../core/error.hpp"
#include "../core/types.hpp"
#include "bspline.hpp"
#include "kan.hpp"

#include <algorithm>
#include <cmath>
#include <vector>

namespace nnt {

/// Options of update_grids(): node p of a new grid is ε·uniform_p + (1 − ε)·quantile_p.
struct grid_update_options {
  double eps = 0.02;     ///< weight of the uniform grid in the blend, in [0, 1] (pykan's default)
  double margin = 0.01;  ///< padding of [min, max] as a fraction of max − min, in [0, 1]
};

/// Moves every input grid of net to the percentiles of the activations on X (d × N, N ≥ 1) and
/// refits the splines; returns the largest refit residual. Constant inputs keep their grid.
template <class S>
double update_grids(kan<S>& net, const matrix_arg<S>& X, const grid_update_options& o = {}) {
  require_in_range("eps", o.eps, 0.0, 1.0);
  require_in_range("margin", o.margin, 0.0, 1.0);
  require_at_least<Index>("X.cols()", X.cols(), 1);
  kan_workspace<S> ws;
  net.forward(X, ws);
  double worst = 0;
  for (Index l = 0; l < net.depth(); ++l) {
    const auto& st = ws.layers[std::size_t(l)];
    const Index N = st.x.cols(), G = net.basis(l, 0).intervals(), nb = net.basis_size(l);
    for (Index i = 0; i < net.width(l); ++i) {
      std::vector<double> xs(static_cast<std::size_t>(N));
      for (Index n = 0; n < N; ++n) xs[std::size_t(n)] = double(scalar_value(st.x(i, n)));
      std::sort(xs.begin(), xs.end());
      if (!(xs.back() > xs.front())) continue;
      const double pad = o.margin * (xs.back() - xs.front());
      const double lo = xs.front() - pad, hi = xs.back() + pad;
      std::vector<double> grid(std::size_t(G + 1));
      for (Index p = 0; p <= G; ++p) {
        const double quantile = p == 0   ? lo
                                : p == G ? hi
                                         : xs[std::size_t(double(p) * double(N - 1) / double(G))];
        const double uniform = lo + (hi - lo) * double(p) / double(G);
        grid[std::size_t(p)] = o.eps * uniform + (1 - o.eps) * quantile;
      }
      for (std::size_t p = 1; p < grid.size(); ++p)  // ties in the quantiles: keep it increasing
        grid[p] = std::max(grid[p], grid[p - 1] + 1e-9 * (hi - lo));
      const bspline_basis to(grid, net.order());
      const bspline_basis& from = net.basis(l, i);
      const Eigen::Map<const Vector<double>> samples(xs.data(), N);
      std::vector<Vector<double>> fresh;
      for (Index j = 0; j < net.width(l + 1); ++j) {
        Vector<double> c(nb), y(N);
        for (Index m = 0; m < nb; ++m)
          c(m) = double(scalar_value(net.coefficients(l)(j, i * nb + m)));
        for (Index n = 0; n < N; ++n) y(n) = from.spline(c, samples(n));
        const auto fit = bspline_fit(to, samples, y, 1e-10);
        worst = std::max(worst, fit.max_residual);
        fresh.push_back(fit.coefficients);
      }
      net.set_basis(l, i, to);
      for (Index j = 0; j < net.width(l + 1); ++j)
        for (Index m = 0; m < nb; ++m)
          net.coefficients(l)(j, i * nb + m) = S(fresh[std::size_t(j)](m));
    }
  }
  return worst;
}

/// A refined network and the largest refit residual of its splines.
template <class S>
struct refined_kan {
  kan<S> net;  ///< same widths, W_b and W_s; c refitted on uniform grids of G_new intervals
  double residual = 0;  ///< max |new − old spline| over all edges at the refit points
};

/// The same network on uniform grids of G_new intervals over each input node's current range.
template <class S>
refined_kan<S> refine_grid(const kan<S>& net, Index G_new) {
  require_in_range<Index, Index>("G_new", G_new, 1, Index(1) << 24);
  std::vector<bspline_basis> bases;
  for (Index l = 0; l < net.depth(); ++l)
    for (Index i = 0; i < net.width(l); ++i)
      bases.emplace_back(net.basis(l, i).lower(), net.basis(l, i).upper(), G_new, net.order());
  refined_kan<S> r{kan<S>(net.widths(), net.options(), std::move(bases)), 0.0};
  kan<S>& out = r.net;
  for (Index l = 0; l < net.depth(); ++l) {
    out.base_weights(l) = net.base_weights(l);
    out.spline_weights(l) = net.spline_weights(l);
    const Index nb = net.basis_size(l), nb_new = out.basis_size(l);
    for (Index i = 0; i < net.width(l); ++i)
      for (Index j = 0; j < net.width(l + 1); ++j) {
        Vector<double> c(nb);
        for (Index m = 0; m < nb; ++m)
          c(m) = double(scalar_value(net.coefficients(l)(j, i * nb + m)));
        const auto fit = bspline_refit(net.basis(l, i), c, out.basis(l, i));
        r.residual = std::max(r.residual, fit.max_residual);
        for (Index m = 0; m < nb_new; ++m)
          out.coefficients(l)(j, i * nb_new + m) = S(fit.coefficients(m));
      }
  }
  return r;
}

}  // namespace nnt
