// nnt/kernels/closed_form.hpp — closed-form Gaussian expectations of activations, the building
// blocks of infinite-width NNGP/NTK recursions. For (u, v) ~ N(0, [[k11, k12], [k12, k22]]):
//   relu      E σ(u)σ(v) = (√(k11k22)/2π)(sin θ + (π − θ) cos θ),  E σ′σ′ = (π − θ)/2π
//             (arc-cosine kernels of order 1 and 0, Cho & Saul 2009; cos θ = k12/√(k11k22))
//   leaky(α)  σ = (1 − α) relu + α·id:  E σσ = (1 − α)² E relu·relu + α k12,
//             E σ′σ′ = α² + α(1 − α)(P(u>0) + P(v>0)) + (1 − α)²(π − θ)/2π
//   erf       E σσ = (2/π) asin(2k12/√((1 + 2k11)(1 + 2k22)))  (Williams 1997),
//             E σ′σ′ = (4/π)/√((1 + 2k11)(1 + 2k22) − 4k12²)
//   identity  E σσ = k12, E σ′σ′ = 1
// Precision near the diagonal (DESIGN.md): the pair carries dist = E(u − v)² = k11 + k22 − 2k12 and
// diff = k22 − k11, both computed by the caller without cancellation (at the input C_w‖x − x′‖²/d and
// C_w(x′ − x)·(x′ + x)/d). The angle comes from sin(θ/2) = √((dist − (√k11 − √k22)²)/(4√(k11k22))),
// never from arccos of a ratio, and the output distance E(σ(u) − σ(v))² is assembled from terms
// without cancellation, e.g. for ReLU
//   ((π − θ)/2π)·dist + (θ/2π)(√k11 − √k22)² + (√(k11k22)/π)(θ − sin θ);
// for erf, (2/π)[g(p, q) + 2(asin pq − asin(pq cos θ))] with p² = x11, q² = x22, whose radial part
// g = asin p² + asin q² − 2 asin pq is summed as a series in δ = ln(p/q) for small δ. The outputs'
// diff = E σ(v)² − E σ(u)² is exact too, so nearly equal inputs keep full relative precision
// layer after layer.
#pragma once

#include "../core/error.hpp"
#include "../core/types.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>

namespace nnt {

/// Second moments of a centred Gaussian pair; dist = E(u − v)² and diff = k22 − k11 are carried
/// separately (exact for near-equal inputs).
template <class S = double>
struct gaussian_pair {
  S k11, k22, k12, dist, diff;
};

/// A pair from (k11, k22, k12) alone: dist = k11 + k22 − 2k12 and diff = k22 − k11 (lose precision
/// for near-equal inputs; compute them from the inputs where possible).
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

/// The expectations a kernel layer needs from one activation.
template <class S = double>
struct pair_moments {
  S ss12;  ///< E σ(u)σ(v)
  S ss11;  ///< E σ(u)²
  S ss22;  ///< E σ(v)²
  S dist;  ///< E (σ(u) − σ(v))², without cancellation
  S dd12;  ///< E σ′(u)σ′(v)
  S diff;  ///< E σ(v)² − E σ(u)², without cancellation
};

namespace detail {

template <class S>
void require_pair(const gaussian_pair<S>& p) {
  require_covariance_2x2("k", p.k11, p.k12, p.k22);
  require_finite("dist", p.dist);
  require_finite("diff", p.diff);
  require_nonnegative("dist", p.dist);
}

// Angle between the two "vectors" of norms a = √k11, b = √k22 with ‖u − v‖² = dist:
// s = sin(θ/2), θ, sin θ, θ − sin θ, all accurate for small θ.
template <class S>
struct pair_angle {
  S a, b, a_minus_b_sq, s, theta, sin_theta, theta_minus_sin;
};

template <class S>
pair_angle<S> angle_of(const gaussian_pair<S>& p) {
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
    S term = g.theta * t2 / 6, sum_series = 0;
    for (int k = 1; k <= 6; ++k) {
      sum_series += term;
      term *= -t2 / S((2 * k + 2) * (2 * k + 3));
    }
    g.theta_minus_sin = sum_series;
  } else {
    g.theta_minus_sin = g.theta - sin(g.theta);
  }
  return g;
}

}  // namespace detail

/// ReLU: arc-cosine kernels with the near-diagonal-safe distance (relu′(0) = 0 convention).
template <class S>
pair_moments<S> relu_moments(const gaussian_pair<S>& p) {
  detail::require_pair(p);
  const S pi = std::numbers::pi_v<S>;
  pair_moments<S> m{};
  m.ss11 = p.k11 / 2;
  m.ss22 = p.k22 / 2;
  m.diff = p.diff / 2;
  if (p.k11 == 0 || p.k22 == 0) {  // one side is identically 0
    m.ss12 = 0;
    m.dd12 = 0;
    m.dist = m.ss11 + m.ss22;
    return m;
  }
  const auto g = detail::angle_of(p);
  const S cos_theta = S(1) - 2 * g.s * g.s;
  m.ss12 = g.a * g.b / (2 * pi) * (g.sin_theta + (pi - g.theta) * cos_theta);
  m.dd12 = (pi - g.theta) / (2 * pi);
  m.dist = (pi - g.theta) / (2 * pi) * p.dist + g.theta / (2 * pi) * g.a_minus_b_sq +
           g.a * g.b / pi * g.theta_minus_sin;
  return m;
}

/// Leaky ReLU with slope α for x < 0: σ = (1 − α) relu + α·id.
template <class S>
pair_moments<S> leaky_relu_moments(const gaussian_pair<S>& p, S alpha) {
  require_finite("alpha", alpha);
  const pair_moments<S> r = relu_moments(p);
  const S c = (1 - alpha) * (1 - alpha);
  pair_moments<S> m{};
  m.ss12 = c * r.ss12 + alpha * p.k12;
  m.ss11 = c * r.ss11 + alpha * p.k11;
  m.ss22 = c * r.ss22 + alpha * p.k22;
  m.dist = c * r.dist + alpha * p.dist;
  m.diff = c * r.diff + alpha * p.diff;
  const S pu = p.k11 > 0 ? S(0.5) : S(0), pv = p.k22 > 0 ? S(0.5) : S(0);
  m.dd12 = alpha * alpha + alpha * (1 - alpha) * (pu + pv) + c * r.dd12;
  return m;
}

/// Identity.
template <class S>
pair_moments<S> identity_moments(const gaussian_pair<S>& p) {
  detail::require_pair(p);
  return {p.k12, p.k11, p.k22, p.dist, S(1), p.diff};
}

/// erf: Williams' arcsin kernel; the distance from differences of arcsines computed without
/// cancellation: asin x − asin y = asin((x² − y²)/(x√(1 − y²) + y√(1 − x²))).
template <class S>
pair_moments<S> erf_moments(const gaussian_pair<S>& p) {
  detail::require_pair(p);
  using std::asin;
  using std::sqrt;
  const S pi = std::numbers::pi_v<S>;
  const S q1 = 1 + 2 * p.k11, q2 = 1 + 2 * p.k22, s1 = sqrt(q1), s2 = sqrt(q2);
  // 1 − x² for x11, x22, x12, written without subtracting nearly equal numbers:
  // 1 − x11² = (1 + 4k11)/q1²; (q1q2 − 4k12²) = 1 + 2k11 + 2k22 + 4(k11k22 − k12²) with
  // k11k22 − k12² = k11k22 sin²θ.
  const auto g = (p.k11 > 0 && p.k22 > 0) ? detail::angle_of(p) : detail::pair_angle<S>{};
  const S sin2 = 4 * g.s * g.s * (S(1) - g.s * g.s);
  const S det = 1 + 2 * p.k11 + 2 * p.k22 + 4 * p.k11 * p.k22 * sin2;
  const S x11 = 2 * p.k11 / q1, x22 = 2 * p.k22 / q2, x12 = 2 * p.k12 / (s1 * s2);
  const S c11 = sqrt(1 + 4 * p.k11) / q1, c22 = sqrt(1 + 4 * p.k22) / q2, c12 = sqrt(det) / (s1 * s2);
  pair_moments<S> m{};
  m.ss11 = 2 / pi * asin(x11);
  m.ss22 = 2 / pi * asin(x22);
  m.ss12 = 2 / pi * asin(x12);
  m.dd12 = 4 / pi / sqrt(det);
  // asin x − asin y; the cancellation-free identity holds (result within ±π/2) when x, y have the
  // same sign, which is the near-duplicate case; otherwise the direct difference is accurate.
  // x² − y² is passed in, computed without cancellation by the caller.
  auto asin_difference = [](S x, S y, S cx, S cy, S x2_minus_y2) {
    const S denominator = x * cy + y * cx;
    if (!((x >= 0 && y >= 0) || (x <= 0 && y <= 0)) || !(std::abs(denominator) > 0))
      return S(asin(x) - asin(y));
    return S(asin(std::clamp(x2_minus_y2 / denominator, S(-1), S(1))));
  };
  const S x22_minus_x11 = 2 * p.diff / (q1 * q2);
  m.diff = 2 / pi * asin_difference(x22, x11, c22, c11, x22_minus_x11 * (x22 + x11));
  if (p.k11 == 0 || p.k22 == 0) {
    m.dist = m.ss11 + m.ss22 - 2 * m.ss12;  // x12 = 0: no cancellation
    return m;
  }
  // Angular part: asin(pq) − asin(pq cos θ), (pq)² − (pq cos θ)² = x11 x22 sin²θ.
  const S pq = sqrt(x11 * x22), pq_cos = x12;
  const S c_pq = sqrt(S(1) - x11 * x22);
  const S angular = asin_difference(pq, pq_cos, c_pq, c12, x11 * x22 * sin2);
  // Radial part g = asin x11 + asin x22 − 2 asin pq = H(δ) + H(−δ) − 2H(0), H(ℓ) = asin(pq e^ℓ),
  // δ = ln(p/q) = ½ log1p((x11 − x22)/x22): δ²H″ + δ⁴H⁗/12 for |δ| < 3e-3 (next term ~δ⁶, relative
  // 1e-12), H″ = t(1 − t²)^{−3/2}, H⁗ = t(1 + 10t² + 4t⁴)(1 − t²)^{−7/2} at t = pq.
  const S delta = S(0.5) * std::log1p(-x22_minus_x11 / x22);
  S radial;
  if (std::abs(delta) < S(3e-3)) {
    const S t = pq, u = S(1) - t * t;
    const S h2 = t / (u * sqrt(u)), h4 = t * (1 + 10 * t * t + 4 * t * t * t * t) / (u * u * u * sqrt(u));
    radial = delta * delta * (h2 + delta * delta * h4 / 12);
  } else {
    radial = asin(x11) + asin(x22) - 2 * asin(pq);
  }
  m.dist = 2 / pi * (radial + 2 * angular);
  m.dist = std::max(m.dist, S(0));
  return m;
}

}  // namespace nnt
