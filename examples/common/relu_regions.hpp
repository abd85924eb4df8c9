// examples/common/relu_regions.hpp — exact linear regions of a ReLU nnt::mlp along a segment
// x(t) = x₀ + t·d, t ∈ [0, 1]. Refining layer by layer: on an interval where layers < l keep their
// activation pattern, every pre-activation of layer l is affine in t (and continuous), so its sign
// changes are at t* = t_a + (t_b − t_a)·z(t_a)/(z(t_a) − z(t_b)).
//   activation_breakpoints  the cuts 0 = t₀ < t₁ < … < 1 between activation patterns
//   affine_pieces           the number of pieces of a scalar output with distinct slopes
#pragma once

#include <nnt/mlp/mlp.hpp>

#include <algorithm>
#include <cmath>
#include <vector>

namespace nnt_examples {

/// The points x₀ + t·d for t ∈ ts, one column each.
inline Eigen::MatrixXd segment_points(const Eigen::VectorXd& x0, const Eigen::VectorXd& d,
                                      const std::vector<double>& ts) {
  Eigen::MatrixXd X(x0.size(), Eigen::Index(ts.size()));
  for (std::size_t i = 0; i < ts.size(); ++i) X.col(Eigen::Index(i)) = x0 + ts[i] * d;
  return X;
}

/// Breakpoints in (0, 1) of the activation pattern of the hidden layers along x₀ + t·d, with the
/// ends 0 and 1 (so regions = size − 1). Cuts closer than 1e-12 are merged.
inline std::vector<double> activation_breakpoints(const nnt::mlp<double>& net,
                                                  const Eigen::VectorXd& x0,
                                                  const Eigen::VectorXd& d) {
  std::vector<double> cuts = {0.0, 1.0};
  nnt::mlp_workspace<double> ws;
  for (nnt::Index l = 0; l + 1 < net.depth(); ++l) {  // hidden layers only (the output is affine)
    net.forward(segment_points(x0, d, cuts), ws);
    const Eigen::MatrixXd& Z = ws.z[std::size_t(l)];
    std::vector<double> next = cuts;
    for (std::size_t i = 0; i + 1 < cuts.size(); ++i)
      for (nnt::Index r = 0; r < Z.rows(); ++r) {
        const double za = Z(r, Eigen::Index(i)), zb = Z(r, Eigen::Index(i + 1));
        if ((za < 0 && zb > 0) || (za > 0 && zb < 0))
          next.push_back(cuts[i] + (cuts[i + 1] - cuts[i]) * za / (za - zb));
      }
    std::sort(next.begin(), next.end());
    // Merge cuts closer than 1e-12 (one crossing found by two neurons at once).
    cuts.clear();
    for (double t : next)
      if (cuts.empty() || t - cuts.back() > 1e-12) cuts.push_back(t);
  }
  return cuts;
}

/// Number of pieces of the (scalar) output with distinct slopes (relative difference > 1e-9)
/// between consecutive cuts.
inline int affine_pieces(const nnt::mlp<double>& net, const Eigen::VectorXd& x0,
                         const Eigen::VectorXd& d, const std::vector<double>& cuts) {
  const Eigen::MatrixXd z = net.forward(segment_points(x0, d, cuts));
  int pieces = 0;
  double last_slope = 1e300;
  for (std::size_t i = 0; i + 1 < cuts.size(); ++i) {
    const Eigen::Index a = Eigen::Index(i);
    const double slope = (z(0, a + 1) - z(0, a)) / (cuts[i + 1] - cuts[i]);
    if (std::abs(slope - last_slope) > 1e-9 * std::max(1.0, std::abs(slope))) ++pieces;
    last_slope = slope;
  }
  return pieces;
}

}  // namespace nnt_examples
