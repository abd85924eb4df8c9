// nnt/experiments/catapult.hpp — the catapult phase of large-rate GD (COURSE.md D2; Lewkowycz et
// al. 2020) on z(x) = m^{−1/2} Σᵢ vᵢ ReLU(hᵢ), hᵢ = uᵢᵀx/√d, one example (x, y), L = ½(z − y)². On
// one example GD moves every uᵢ along x only, so hᵢ ← hᵢ − η r √m c vᵢ 1[hᵢ > 0], vᵢ ← vᵢ − η r
// m^{−1/2} ReLU(hᵢ) (r = z − y, c = ‖x‖²/(md)) is GD on all m(d + 1) parameters exactly, at O(m)
// per step. Its quadratic model freezes sᵢ = 1[hᵢ(0) > 0]; then λ = ‖∇_θ z‖² and z follow
//   z′ − y = (z − y)[1 − ηλ + cη² z (z − y)],   λ′ = λ + ηc (z − y)[ηλ(z − y) − 4z]   (exact),
// with phases (m → ∞) ηλ₀ < 2 lazy, 2 < ηλ₀ < 4 catapult (loss O(m), then λ < 2/η), > 4 divergence.
#pragma once

#include "../core/activation.hpp"
#include "../core/error.hpp"
#include "../core/random.hpp"
#include "../core/status.hpp"
#include "../core/types.hpp"
#include "../mlp/mlp.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <string_view>
#include <vector>

namespace nnt {

/// One example and the parameters of the two-layer ReLU net at initialisation (a template on the
/// Scalar so that nothing here is compiled unless it is used).
template <class S = double>
struct catapult_problem {
  Vector<S> x;  ///< input (d)
  S y = 0;      ///< target
  Matrix<S> u;  ///< first layer (m × d), row i is uᵢ
  Vector<S> v;  ///< second layer (m)

  /// m, the number of hidden units (rows of u).
  Index width() const { return u.rows(); }
  /// d, the input dimension (columns of u).
  Index input_dim() const { return u.cols(); }
  /// c = ‖x‖²/(md)
  S c() const { return x.squaredNorm() / (S(width()) * S(input_dim())); }
};

/// A random problem (seeded): x uniform on the sphere of radius √d (so c = 1/m), uᵢ ~ N(0, I_d),
/// vᵢ ~ N(0, 1).
template <class S = double>
catapult_problem<S> random_catapult_problem(Index input_dim, Index width, double y,
                                            std::uint64_t seed) {
  require_at_least<Index>("input_dim", input_dim, 1);
  require_at_least<Index>("width", width, 1);
  require_finite("y", y);
  require_allocation("width (u has width × input_dim entries)",
                     checked_product("width", width, input_dim), sizeof(S));
  random_generator rng(seed);
  catapult_problem<S> p{Vector<S>(input_dim), S(y), Matrix<S>(width, input_dim), Vector<S>(width)};
  rng.fill_normal(p.x);
  p.x *= std::sqrt(S(input_dim)) / p.x.norm();
  rng.fill_normal(p.u);
  rng.fill_normal(p.v);
  return p;
}

/// The same net as an nnt::mlp {d, m, 1} (ReLU, identity readout, NTK parameterisation, C_w = 1,
/// no biases), for the generic derivative machinery.
template <class S>
mlp<S> catapult_mlp(const catapult_problem<S>& p) {
  mlp<S> net({p.input_dim(), p.width(), 1}, {activation::relu(), activation::identity()},
             {.C_w = 1.0, .param = parameterization::ntk, .bias = false});
  net.weight(0) = p.u;
  net.weight(1) = p.v.transpose();
  return net;
}

/// The state (z, λ) of the quadratic model's exact two-variable recursion.
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
  // r²(ηλ − 4/r) written as r(ηλr − 4): the same number, without 0·∞ at z = y.
  const double r = s.z - y;
  return s.lambda + eta * c * r * (eta * s.lambda * r - 4);
}

/// Which dynamics catapult_gd() runs.
enum class catapult_model {
  relu,       ///< the two-layer ReLU net (units may switch on and off)
  quadratic,  ///< its quadratic model: activation pattern frozen at initialisation
};

/// How a catapult_gd() run ended, classified from its loss curve.
enum class catapult_phase {
  lazy,      ///< converged, the loss never exceeded L(0)
  catapult,  ///< converged after the loss rose above L(0)
  diverged,  ///< the loss passed divergence_loss or became non-finite
  stalled,   ///< finite but not converged within the step budget (e.g. every unit switched off)
};

/// "lazy", "catapult", "diverged" or "stalled" ("unknown" for a value outside the enum).
constexpr std::string_view to_string(catapult_phase p) noexcept {
  switch (p) {
    case catapult_phase::lazy:
      return "lazy";
    case catapult_phase::catapult:
      return "catapult";
    case catapult_phase::diverged:
      return "diverged";
    case catapult_phase::stalled:
      return "stalled";
  }
  return "unknown";
}

/// How a learning rate is given: η itself, or in units of 1/λ₀ (the phase diagram's axis ηλ₀).
enum class rate_units { absolute, inverse_lambda0 };

/// Options of catapult_gd(): the rate and the stopping tests, checked at every step t = 0, 1, ….
struct catapult_options {
  double eta = 1;                                  ///< the rate, in `units`
  rate_units units = rate_units::inverse_lambda0;  ///< the default: eta is η·λ₀
  Index steps = 5000;                              ///< budget of GD steps
  /// Stop (ok) when L ≤ converged_loss_ratio·L(0); 0 never stops early: exactly `steps` steps.
  double converged_loss_ratio = 1e-10;
  double divergence_loss = 1e30;  ///< stop (diverged) when L exceeds this
  bool record = true;             ///< keep the per-step trajectory
};

/// The outcome of catapult_gd(): summary numbers, the optional trajectory and the phase.
struct catapult_run {
  double eta = 0;           ///< η actually used (options.eta/λ₀ in rate_units::inverse_lambda0)
  double lambda0 = 0;       ///< λ₀ = ‖∇_θ z‖² at initialisation (> 0)
  double loss0 = 0;         ///< L(0) = ½(z₀ − y)²
  double max_loss = 0;      ///< max_t L(t) over the finite, non-diverged steps (≥ loss0)
  double final_loss = 0;    ///< L at the last step evaluated (the one that stopped the run)
  double final_lambda = 0;  ///< λ at the last step evaluated
  Index steps_taken = 0;    ///< GD updates applied, ≤ options.steps
  Index active0 = 0;        ///< units with hᵢ > 0 at initialisation (≥ 1)
  Index final_active = 0;   ///< active units at the last step (active0 for the quadratic model)
  std::vector<double> loss;    ///< L(t) for t = 0 … steps_taken (when recorded)
  std::vector<double> z;       ///< z(t) for t = 0 … steps_taken (when recorded)
  std::vector<double> lambda;  ///< λ(t) for t = 0 … steps_taken (when recorded)
  std::vector<Index> active;   ///< units with hᵢ > 0 per step (frozen for the quadratic model)
  /// ok (converged below converged_loss_ratio·L(0), or ran exactly `steps` when that is 0),
  /// not_converged (budget spent first), diverged (loss beyond divergence_loss or not finite).
  nnt::status status = status::not_converged;
  /// loss_tolerance (ok), iteration_limit (ok or not_converged), divergence_bound or
  /// non_finite (diverged).
  nnt::stop_reason stop_reason = stop_reason::none;
  /// diverged; else lazy or catapult when the run converged (max_loss ≤ or > loss0) — converged
  /// means it stopped at loss_tolerance or, for an exact-steps run (converged_loss_ratio = 0),
  /// ended below L(0); otherwise stalled (finite, not converged: e.g. every unit switched off).
  catapult_phase phase = catapult_phase::stalled;
};

/// Full-batch GD (one example) on the ReLU net or its quadratic model. This is a deliberate
/// specialisation of dynamics/optimizers.hpp's gradient_descent: on one example the update of all
/// m(d + 1) parameters reduces exactly to O(m) work, which makes the phase diagrams over widths to
/// 16384 and thousands of steps affordable.
template <class S>
catapult_run catapult_gd(const catapult_problem<S>& p, catapult_model model,
                         const catapult_options& o) {
  require_at_least<Index>("width", p.width(), 1);
  require_size("x", p.input_dim(), p.x.size());
  require_size("v", p.width(), p.v.size());
  require_finite("x", p.x);
  require_finite("y", p.y);
  require_finite("u", p.u);
  require_finite("v", p.v);
  require_positive("|x|^2", p.x.squaredNorm());
  require_finite("eta", o.eta);
  require_positive("eta", o.eta);
  require_at_least<Index>("steps", o.steps, 1);
  require_finite("converged_loss_ratio", o.converged_loss_ratio);
  require_nonnegative("converged_loss_ratio", o.converged_loss_ratio);
  require_positive("divergence_loss", o.divergence_loss);

  const S m = S(p.width()), c = p.c(), sqrt_m = std::sqrt(m);
  Vector<S> h = p.u * p.x / std::sqrt(S(p.input_dim())), v = p.v;
  // mask = 1[h > 0] (net) or the pattern s at initialisation (model); feature = ReLU(h) or s⊙h
  Vector<S> mask = (h.array() > 0).template cast<S>(), feature(p.width());
  auto evaluate = [&](catapult_state& s) {
    if (model == catapult_model::relu) mask = (h.array() > 0).template cast<S>();
    feature = mask.cwiseProduct(h);
    s.z = double(v.dot(feature) / sqrt_m);
    s.lambda = double(feature.squaredNorm() / m + c * mask.dot(v.cwiseAbs2()));
  };

  catapult_run run;
  catapult_state s;
  evaluate(s);
  run.lambda0 = s.lambda;
  run.active0 = Index(mask.sum());
  if (!(run.lambda0 > 0))
    throw_invalid_argument("u, v", "a net with at least one active unit (lambda0 > 0)",
                           "no active unit");
  run.eta = o.units == rate_units::absolute ? o.eta : o.eta / run.lambda0;
  const double y = double(p.y);
  run.loss0 = 0.5 * (s.z - y) * (s.z - y);
  run.max_loss = run.loss0;
  for (Index t = 0;; ++t) {
    const double r = s.z - y, L = 0.5 * r * r;
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
      run.stop_reason = std::isfinite(L) && std::isfinite(s.lambda) ? stop_reason::divergence_bound
                                                                    : stop_reason::non_finite;
      break;
    }
    run.max_loss = std::max(run.max_loss, L);
    if (o.converged_loss_ratio > 0 && L <= o.converged_loss_ratio * run.loss0) {
      run.status = status::ok;
      run.stop_reason = stop_reason::loss_tolerance;
      break;
    }
    if (t == o.steps) {
      run.status = o.converged_loss_ratio == 0 ? status::ok : status::not_converged;
      run.stop_reason = stop_reason::iteration_limit;
      break;
    }
    // simultaneous update of h and v (the right sides use the old values)
    const Vector<S> dh = (S(run.eta * r) * sqrt_m * c) * mask.cwiseProduct(v);
    v -= (S(run.eta * r) / sqrt_m) * feature;
    h -= dh;
    evaluate(s);
  }
  if (run.status == status::diverged)
    run.phase = catapult_phase::diverged;
  else if (run.stop_reason == stop_reason::loss_tolerance ||
           (o.converged_loss_ratio == 0 && run.final_loss < run.loss0))
    run.phase = run.max_loss > run.loss0 ? catapult_phase::catapult : catapult_phase::lazy;
  else
    run.phase = catapult_phase::stalled;
  return run;
}

/// Phase diagram over η·λ₀ (columns) and widths (rows); row w is one random problem of width
/// widths[w], seeded stream_seed(seed, w).
struct catapult_phase_diagram {
  std::vector<double> eta_lambda0;  ///< the grid of ηλ₀, increasing (the columns)
  std::vector<Index> widths;        ///< the widths m (the rows)
  Matrix<double> loss0;             ///< L(0) of each run, widths × grid
  Matrix<double> max_loss;          ///< max_t L(t) of each run
  Matrix<double> final_loss;        ///< L at the end of each run
  Matrix<double> final_eta_lambda;  ///< η·λ at the end of each run (ηλ < 2 after a catapult)
  Matrix<double> active_fraction;   ///< final active units / initial
  std::vector<std::vector<catapult_phase>> phase;  ///< [width][grid]
  /// Per width, the boundary before the first run that is not lazy: the midpoint between
  /// neighbouring grid values (the first grid value when the first run already is not lazy; NaN
  /// when every run is lazy).
  std::vector<double> catapult_onset;
  /// Per width, likewise before the first run that neither is lazy nor catapults.
  std::vector<double> catapult_end;
};

/// catapult_gd() for every width (one random_catapult_problem(input_dim, m, y,
/// stream_seed(seed, row)) per row) and every ηλ₀ of eta_lambda0 (sorted, else
/// nnt::invalid_argument); o.eta and o.units are overridden, o.record is off.
template <class S = double>
catapult_phase_diagram catapult_phases(catapult_model model, const std::vector<Index>& widths,
                                       const std::vector<double>& eta_lambda0, Index input_dim,
                                       double y, std::uint64_t seed, catapult_options o = {}) {
  require_at_least<Index>("widths.size()", Index(widths.size()), 1);
  require_at_least<Index>("eta_lambda0.size()", Index(eta_lambda0.size()), 1);
  // Checked here, under their own names, before any run (not as catapult_gd's "eta" after some).
  for (std::size_t g = 0; g < eta_lambda0.size(); ++g) {
    require_finite("eta_lambda0[" + std::to_string(g) + "]", eta_lambda0[g]);
    require_positive("eta_lambda0[" + std::to_string(g) + "]", eta_lambda0[g]);
  }
  for (std::size_t w = 0; w < widths.size(); ++w)
    require_at_least<Index>("widths[" + std::to_string(w) + "]", widths[w], 1);
  if (!std::is_sorted(eta_lambda0.begin(), eta_lambda0.end()))
    throw_invalid_argument("eta_lambda0", "an increasing grid", "an unsorted one");
  const Index W = Index(widths.size()), G = Index(eta_lambda0.size());
  catapult_phase_diagram d{
      eta_lambda0,
      widths,
      Matrix<double>(W, G),
      Matrix<double>(W, G),
      Matrix<double>(W, G),
      Matrix<double>(W, G),
      Matrix<double>(W, G),
      std::vector<std::vector<catapult_phase>>(std::size_t(W)),
      std::vector<double>(std::size_t(W), std::numeric_limits<double>::quiet_NaN()),
      std::vector<double>(std::size_t(W), std::numeric_limits<double>::quiet_NaN())};
  o.record = false;
  o.units = rate_units::inverse_lambda0;  // the grid is in ηλ₀
  for (Index w = 0; w < W; ++w) {
    const auto p = random_catapult_problem<S>(input_dim, widths[std::size_t(w)], y,
                                              stream_seed(seed, std::uint64_t(w)));
    for (Index g = 0; g < G; ++g) {
      o.eta = eta_lambda0[std::size_t(g)];
      const catapult_run run = catapult_gd(p, model, o);
      d.loss0(w, g) = run.loss0;
      d.max_loss(w, g) = run.max_loss;
      d.final_loss(w, g) = run.final_loss;
      d.final_eta_lambda(w, g) = run.eta * run.final_lambda;
      d.active_fraction(w, g) = double(run.final_active) / double(run.active0);
      d.phase[std::size_t(w)].push_back(run.phase);
      const bool trained =
          run.phase == catapult_phase::lazy || run.phase == catapult_phase::catapult;
      const double boundary = g == 0 ? o.eta : (eta_lambda0[std::size_t(g - 1)] + o.eta) / 2;
      if (run.phase != catapult_phase::lazy && std::isnan(d.catapult_onset[std::size_t(w)]))
        d.catapult_onset[std::size_t(w)] = boundary;
      if (!trained && std::isnan(d.catapult_end[std::size_t(w)]))
        d.catapult_end[std::size_t(w)] = boundary;
    }
  }
  return d;
}

}  // namespace nnt
