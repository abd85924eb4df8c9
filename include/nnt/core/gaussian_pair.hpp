// nnt/core/gaussian_pair.hpp — a centred Gaussian pair (u, v) ~ N(0, [[k11, k12], [k12, k22]]) and
// the moments an activation σ gives it (E σ(u)σ(v), E σ′(u)σ′(v), …): the vocabulary of the
// infinite-width kernels. For near-equal inputs k11·k22 − k12² cancels, so a pair also carries
// dist = E(u − v)² and diff = k22 − k11, computed by the caller without cancellation, and its angle
// comes from sin(θ/2) = √((dist − (√k11 − √k22)²)/(4√(k11k22))), never from acos of a ratio.
#pragma once

#include "error.hpp"
#include "types.hpp"

#include <algorithm>
#include <cmath>

namespace nnt {

/// Second moments of a centred Gaussian pair, with dist and diff carried exactly.
template <class S = double>
struct gaussian_pair {
  S k11, k22, k12, dist, diff;
  /// \var k11
  /// E u², the variance of u (≥ 0).
  /// \var k22
  /// E v², the variance of v (≥ 0).
  /// \var k12
  /// E uv, the covariance (k12² ≤ k11·k22).
  /// \var dist
  /// E(u − v)² = k11 + k22 − 2k12 (≥ 0), supplied by the caller without cancellation.
  /// \var diff
  /// k22 − k11, supplied by the caller without cancellation.
};

/// A pair from (k11, k22, k12) alone: dist = k11 + k22 − 2k12 and diff = k22 − k11 lose precision
/// for near-equal inputs; compute them from the inputs where possible.
template <class S>
gaussian_pair<S> make_gaussian_pair(S k11, S k22, S k12) {
  return {k11, k22, k12, std::max(S(0), k11 + k22 - 2 * k12), k22 - k11};
}

/// A pair from recursion values, with k12 clamped into the Cauchy–Schwarz range |k12| ≤ √(k11k22)
/// that rounding can leave by an ulp for (nearly) identical inputs.
template <class S>
gaussian_pair<S> rounded_gaussian_pair(S k11, S k22, S k12, S dist, S diff) {
  using std::sqrt;
  const S bound = sqrt(k11) * sqrt(k22);
  return {k11, k22, std::clamp(k12, -bound, bound), std::max(dist, S(0)), diff};
}

/// The expectations a kernel layer needs from one activation over a pair.
template <class S = double>
struct pair_moments {
  S ss12;  ///< E σ(u)σ(v)
  S ss11;  ///< E σ(u)²
  S ss22;  ///< E σ(v)²
  S dist;  ///< E (σ(u) − σ(v))², without cancellation
  S dd12;  ///< E σ′(u)σ′(v)
  S diff;  ///< E σ(v)² − E σ(u)², without cancellation
};

/// E σ(u)², E σ′(u)², E σ(u)σ″(u) for u ~ N(0, K): the single-input recursion and its
/// susceptibilities χ∥ = C_w(E σ′² + E σσ″), χ⊥ = C_w E σ′².
template <class S = double>
struct single_input_moments {
  S sigma2 = 0, dsigma2 = 0, sigma_d2sigma = 0;
  /// \var sigma2
  /// E σ(u)² (0 by default).
  /// \var dsigma2
  /// E σ′(u)² (0 by default).
  /// \var sigma_d2sigma
  /// E σ(u)σ″(u) (0 by default).
};

/// "k11, k12, k22 (a PSD covariance), dist ≥ 0, finite diff": the checks every moment function
/// runs.
template <class S>
void require_gaussian_pair(const gaussian_pair<S>& p) {
  require_covariance_2x2("k", p.k11, p.k12, p.k22);
  require_finite("dist", p.dist);
  require_finite("diff", p.diff);
  require_nonnegative("dist", p.dist);
}

/// The angle between the pair's two "vectors" of norms a = √k11, b = √k22 with ‖u − v‖² = dist:
/// s = sin(θ/2), θ, sin θ and θ − sin θ, all accurate for small θ.
template <class S>
struct pair_angle {
  S a, b, a_minus_b_sq, s, theta, sin_theta, theta_minus_sin;
  /// \var a
  /// √k11.
  /// \var b
  /// √k22.
  /// \var a_minus_b_sq
  /// (a − b)², computed as diff²/(a + b)² (no cancellation for a ≈ b).
  /// \var s
  /// sin(θ/2) = √((dist − (a − b)²)/(4ab)), clamped to [0, 1].
  /// \var theta
  /// θ = 2 asin s ∈ [0, π].
  /// \var sin_theta
  /// sin θ = 2s√(1 − s²).
  /// \var theta_minus_sin
  /// θ − sin θ, by its Taylor series (6 terms) for θ < 0.1 to keep relative precision.

  /// cos θ = 1 − 2s², from s directly (no cos of the rounded θ).
  S cos_theta() const { return S(1) - 2 * s * s; }
};

/// The pair_angle of p; both variances must be > 0 (the angle of a degenerate side is undefined:
/// "k11: expected a positive value, got 0").
template <class S>
pair_angle<S> angle_of(const gaussian_pair<S>& p) {
  require_positive("k11", p.k11);
  require_positive("k22", p.k22);
  using std::asin;
  using std::sin;
  using std::sqrt;
  pair_angle<S> g{};
  g.a = sqrt(p.k11);
  g.b = sqrt(p.k22);
  const S sum = g.a + g.b;
  g.a_minus_b_sq = sum > 0 ? p.diff * p.diff / (sum * sum) : S(0);
  const S s2 = std::clamp((p.dist - g.a_minus_b_sq) / (4 * g.a * g.b), S(0), S(1));
  g.s = sqrt(s2);
  g.theta = 2 * asin(g.s);
  g.sin_theta = 2 * g.s * sqrt(S(1) - s2);
  if (g.theta < S(0.1)) {  // θ − sin θ = θ³/3! − θ⁵/5! + …, 6 terms: error < θ¹⁵/15! ≈ 1e-27
    const S t2 = g.theta * g.theta;
    S term = g.theta * t2 / 6, series = 0;
    for (int k = 1; k <= 6; ++k) {
      series += term;
      term *= -t2 / S((2 * k + 2) * (2 * k + 3));
    }
    g.theta_minus_sin = series;
  } else {
    g.theta_minus_sin = g.theta - sin(g.theta);
  }
  return g;
}

}  // namespace nnt
