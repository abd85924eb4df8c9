// nnt/dynamics/experiments/catapult.hpp — the catapult phase of large-rate gradient descent
// (COURSE.md D2; Lewkowycz, Bahri, Dyer, Sohl-Dickstein & Gur-Ari 2020).
//
// Net z(x) = m^{−1/2} Σᵢ vᵢ ReLU(hᵢ), hᵢ = uᵢᵀx/√d, one example (x, y), L = ½(z − y)², GD with rate η.
// On one example GD moves every uᵢ along x only, so with r = z − y and c = ‖x‖²/(md)
//   hᵢ ← hᵢ − η r √m c vᵢ 1[hᵢ > 0],   vᵢ ← vᵢ − η r m^{−1/2} ReLU(hᵢ)
// is GD on all m(d + 1) parameters, exactly, at O(m) per step (uᵢ(t) = uᵢ(0) + (hᵢ(t) − hᵢ(0))√d x/‖x‖²).
// The quadratic model is the second-order Taylor model at θ₀: the activation pattern sᵢ = 1[hᵢ(0) > 0]
// is frozen (ReLU(hᵢ) → sᵢhᵢ, a bilinear net). Its NTK λ = ‖∇_θ z‖² = (1/m)Σ sᵢhᵢ² + c Σ sᵢvᵢ² and
// output follow the exact two-variable recursion (expand the update above; every cross term is z):
//   z′ − y = (z − y)[1 − ηλ + cη² z (z − y)],   λ′ = λ + ηc (z − y)[ηλ(z − y) − 4z].
// For m → ∞ (c → 0) its phases are: ηλ₀ < 2 lazy (λ ≈ λ₀, loss decays), 2 < ηλ₀ < 4 catapult (the
// loss grows to O(m), λ falls below 2/η, the loss then decays), ηλ₀ > 4 divergence. The ReLU net
// follows the same recursion only while no unit changes sign; above 4/λ₀ it can switch units off
// (λ drops) instead of diverging.
#pragma once

#include "../../core/activation.hpp"
#include "../../core/error.hpp"
#include "../../core/random.hpp"
#include "../../core/status.hpp"
#include "../../core/types.hpp"
#include "../../mlp/mlp.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <string_view>
#include <vector>

namespace nnt {

/// One example and the parameters of the two-layer ReLU net at initialisation.
struct catapult_problem {
  Vector<double> x;  ///< input (d)
  double y = 0;      ///< target
  Matrix<double> u;  ///< first layer (m × d), row i is uᵢ
  Vector<double> v;  ///< second layer (m)

  Index width() const { return u.rows(); }
  Index input_dim() const { return u.cols(); }
  /// c = ‖x‖²/(md)
  double c() const { return x.squaredNorm() / (double(width()) * double(input_dim())); }
};

/// x uniform on the sphere of radius √d (so c = 1/m), uᵢ ~ N(0, I_d), vᵢ ~ N(0, 1).
inline catapult_problem random_catapult_problem(Index input_dim, Index width, double y, std::uint64_t seed) {
  require_at_least<Index>("input_dim", input_dim, 1);
  require_at_least<Index>("width", width, 1);
  require_finite("y", y);
  random_generator rng(seed);
  catapult_problem p{Vector<double>(input_dim), y, Matrix<double>(width, input_dim), Vector<double>(width)};
  rng.fill_normal(p.x);
  p.x *= std::sqrt(double(input_dim)) / p.x.norm();
  rng.fill_normal(p.u);
  rng.fill_normal(p.v);
  return p;
}

/// The same net as an nnt::mlp {d, m, 1} (ReLU, identity readout, NTK parameterisation, C_w = 1,
/// no biases), for the generic derivative machinery.
inline mlp<double> catapult_mlp(const catapult_problem& p) {
  mlp<double> net({p.input_dim(), p.width(), 1}, {activation::relu(), activation::identity()},
                  {.param = parameterization::ntk, .C_w = 1.0, .bias = false});
  net.weight(0) = p.u;
  net.weight(1) = p.v.transpose();
  return net;
}

struct catapult_state {
  double z = 0;       ///< output
  double lambda = 0;  ///< ‖∇_θ z‖²
};

/// One GD step of the quadratic model in (z, λ): exact (see the header comment).
inline catapult_state catapult_recursion_step(catapult_state s, double eta, double c, double y) {
  const double r = s.z - y;
  return {y + r * (1 - eta * s.lambda + c * eta * eta * s.z * r),
          s.lambda + eta * c * r * (eta * s.lambda * r - 4 * s.z)};
}

/// The λ update as the notes print it, λ + ηc(z − y)²[ηλ − 4/(z − y)] (the factor z is missing).
inline double catapult_lambda_printed(catapult_state s, double eta, double c, double y) {
  const double r = s.z - y;
  return s.lambda + eta * c * r * r * (eta * s.lambda - 4 / r);
}

enum class catapult_model {
  relu,       ///< the two-layer ReLU net (units may switch on and off)
  quadratic,  ///< its quadratic model: activation pattern frozen at initialisation
};

enum class catapult_phase {
  lazy,      ///< converged, the loss never exceeded L(0)
  catapult,  ///< converged after the loss rose above L(0)
  diverged,  ///< the loss passed divergence_loss or became non-finite
  stalled,   ///< finite but not converged within the step budget (e.g. every unit switched off)
};

constexpr std::string_view to_string(catapult_phase p) noexcept {
  switch (p) {
    case catapult_phase::lazy: return "lazy";
    case catapult_phase::catapult: return "catapult";
    case catapult_phase::diverged: return "diverged";
    case catapult_phase::stalled: return "stalled";
  }
  return "unknown";
}

struct catapult_options {
  double eta_lambda0 = 1;            ///< η·λ₀ (the rate is set from the problem's λ₀) …
  double eta = 0;                    ///< … unless this is > 0: then it is the rate η itself
  Index steps = 5000;                ///< budget
  double converged_loss_ratio = 1e-10;  ///< stop when L ≤ this · L(0)
  double divergence_loss = 1e30;     ///< stop (diverged) when L exceeds this
  bool record = true;                ///< keep the per-step trajectory
};

struct catapult_run {
  double eta = 0, lambda0 = 0, loss0 = 0;
  double max_loss = 0, final_loss = 0, final_lambda = 0;
  Index steps_taken = 0, active0 = 0, final_active = 0;
  std::vector<double> loss, z, lambda;  ///< per step, from step 0 (when recorded)
  std::vector<Index> active;            ///< units with hᵢ > 0 (frozen for the quadratic model)
  nnt::status status = status::not_converged;
  catapult_phase phase = catapult_phase::stalled;
};

/// Full-batch GD (one example) on the ReLU net or its quadratic model at η = eta_lambda0/λ₀ (or the
/// given eta).
inline catapult_run catapult_gd(const catapult_problem& p, catapult_model model, const catapult_options& o) {
  require_at_least<Index>("width", p.width(), 1);
  require_size("x", p.input_dim(), p.x.size());
  require_size("v", p.width(), p.v.size());
  require_finite("x", p.x);
  require_finite("y", p.y);
  require_finite("u", p.u);
  require_finite("v", p.v);
  require_positive("|x|^2", p.x.squaredNorm());
  require_finite("eta", o.eta);
  require_nonnegative("eta", o.eta);
  if (o.eta == 0) {
    require_finite("eta_lambda0", o.eta_lambda0);
    require_positive("eta_lambda0", o.eta_lambda0);
  }
  require_at_least<Index>("steps", o.steps, 1);
  require_positive("converged_loss_ratio", o.converged_loss_ratio);
  require_positive("divergence_loss", o.divergence_loss);

  const double m = double(p.width()), c = p.c(), sqrt_m = std::sqrt(m);
  Vector<double> h = p.u * p.x / std::sqrt(double(p.input_dim())), v = p.v;
  // mask = 1[h > 0] (net) or the pattern s at initialisation (model); feature = ReLU(h) or s⊙h
  Vector<double> mask = (h.array() > 0).cast<double>(), feature(p.width());
  auto evaluate = [&](catapult_state& s) {
    if (model == catapult_model::relu) mask = (h.array() > 0).cast<double>();
    feature = mask.cwiseProduct(h);
    s.z = v.dot(feature) / sqrt_m;
    s.lambda = feature.squaredNorm() / m + c * mask.dot(v.cwiseAbs2());
  };

  catapult_run run;
  catapult_state s;
  evaluate(s);
  run.lambda0 = s.lambda;
  run.active0 = Index(mask.sum());
  if (!(run.lambda0 > 0))
    throw_invalid_argument("u, v", "a net with at least one active unit (lambda0 > 0)", "no active unit");
  run.eta = o.eta > 0 ? o.eta : o.eta_lambda0 / run.lambda0;
  run.loss0 = 0.5 * (s.z - p.y) * (s.z - p.y);
  run.max_loss = run.loss0;
  for (Index t = 0;; ++t) {
    const double r = s.z - p.y, L = 0.5 * r * r;
    run.final_loss = L;
    run.final_lambda = s.lambda;
    run.final_active = Index(mask.sum());
    run.steps_taken = t;
    if (o.record) {
      run.loss.push_back(L);
      run.z.push_back(s.z);
      run.lambda.push_back(s.lambda);
      run.active.push_back(run.final_active);
    }
    if (!std::isfinite(L) || !std::isfinite(s.lambda) || L > o.divergence_loss) {
      run.status = status::diverged;
      break;
    }
    run.max_loss = std::max(run.max_loss, L);
    if (L <= o.converged_loss_ratio * run.loss0) {
      run.status = status::ok;
      break;
    }
    if (t == o.steps) break;
    // simultaneous update of h and v (the right sides use the old values)
    const Vector<double> dh = (run.eta * r * sqrt_m * c) * mask.cwiseProduct(v);
    v -= (run.eta * r / sqrt_m) * feature;
    h -= dh;
    evaluate(s);
  }
  if (run.status == status::diverged)
    run.phase = catapult_phase::diverged;
  else if (run.status == status::ok)
    run.phase = run.max_loss > run.loss0 ? catapult_phase::catapult : catapult_phase::lazy;
  else
    run.phase = catapult_phase::stalled;
  return run;
}

/// Phase diagram over η·λ₀ (columns) and widths (rows); one random problem per width (seed, width).
struct catapult_phase_diagram {
  std::vector<double> eta_lambda0;
  std::vector<Index> widths;
  Matrix<double> loss0, max_loss, final_loss, final_eta_lambda;  ///< widths × grid
  Matrix<double> active_fraction;                                ///< final active units / initial
  std::vector<std::vector<catapult_phase>> phase;                ///< [width][grid]
  /// Per width, boundaries as midpoints between neighbouring grid values: before the first run that
  /// is not lazy, and before the first run that neither is lazy nor catapults (NaN when the grid has
  /// no such run; the first grid value when the first run already is one).
  std::vector<double> catapult_onset, catapult_end;
};

inline catapult_phase_diagram catapult_phases(catapult_model model, const std::vector<Index>& widths,
                                              const std::vector<double>& eta_lambda0, Index input_dim,
                                              double y, std::uint64_t seed, catapult_options o = {}) {
  require_at_least<Index>("widths.size()", Index(widths.size()), 1);
  require_at_least<Index>("eta_lambda0.size()", Index(eta_lambda0.size()), 1);
  if (!std::is_sorted(eta_lambda0.begin(), eta_lambda0.end()))
    throw_invalid_argument("eta_lambda0", "an increasing grid", "an unsorted one");
  const Index W = Index(widths.size()), G = Index(eta_lambda0.size());
  catapult_phase_diagram d{eta_lambda0, widths, Matrix<double>(W, G), Matrix<double>(W, G),
                           Matrix<double>(W, G), Matrix<double>(W, G), Matrix<double>(W, G),
                           std::vector<std::vector<catapult_phase>>(std::size_t(W)),
                           std::vector<double>(std::size_t(W), std::numeric_limits<double>::quiet_NaN()),
                           std::vector<double>(std::size_t(W), std::numeric_limits<double>::quiet_NaN())};
  o.record = false;
  o.eta = 0;  // the grid is in ηλ₀
  for (Index w = 0; w < W; ++w) {
    const catapult_problem p = random_catapult_problem(input_dim, widths[std::size_t(w)], y, stream_seed(seed, std::uint64_t(w)));
    for (Index g = 0; g < G; ++g) {
      o.eta_lambda0 = eta_lambda0[std::size_t(g)];
      const catapult_run run = catapult_gd(p, model, o);
      d.loss0(w, g) = run.loss0;
      d.max_loss(w, g) = run.max_loss;
      d.final_loss(w, g) = run.final_loss;
      d.final_eta_lambda(w, g) = run.eta * run.final_lambda;
      d.active_fraction(w, g) = double(run.final_active) / double(run.active0);
      d.phase[std::size_t(w)].push_back(run.phase);
      const bool trained = run.phase == catapult_phase::lazy || run.phase == catapult_phase::catapult;
      const double boundary = g == 0 ? o.eta_lambda0 : (eta_lambda0[std::size_t(g - 1)] + o.eta_lambda0) / 2;
      if (run.phase != catapult_phase::lazy && std::isnan(d.catapult_onset[std::size_t(w)]))
        d.catapult_onset[std::size_t(w)] = boundary;
      if (!trained && std::isnan(d.catapult_end[std::size_t(w)])) d.catapult_end[std::size_t(w)] = boundary;
    }
  }
  return d;
}

}  // namespace nnt
