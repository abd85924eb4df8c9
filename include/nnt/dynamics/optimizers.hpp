// nnt/dynamics/optimizers.hpp — first- and quasi-second-order optimizers on a flat θ.
//
//   gradient_descent   θ ← θ − η_t ∇f(θ)
//   momentum           heavy ball: v ← μv − η_t∇f(θ), θ ← θ + v (Polyak 1964);
//                      Nesterov: gradient taken at θ + μv (Sutskever et al. 2013 form)
//   adam               m ← β₁m + (1−β₁)g, s ← β₂s + (1−β₂)g², θ ← θ − η_t m̂/(√ŝ + ε) with bias
//                      corrections m̂ = m/(1−β₁ᵗ), ŝ = s/(1−β₂ᵗ) (Kingma & Ba 2015)
//   lbfgs              limited-memory BFGS two-loop recursion (Nocedal & Wright, Alg. 7.4) with a
//                      backtracking Armijo line search; pairs with sᵀy ≤ 0 are skipped
//   sgd                minibatch SGD over a minibatch_objective, reshuffled every epoch by nnt's
//                      own Fisher–Yates on an explicit seed (std::shuffle differs between libraries)
// Schedules map the step index to η: constant, step decay, cosine, linear warm-up of any other.
// Every run returns its history (loss, ‖∇f‖, optional sharpness from a callback) and a status:
// ok (gradient or loss tolerance met), not_converged (iteration limit), diverged (non-finite loss
// or gradient, or |loss|, ‖θ‖ beyond the divergence bound) — never NaN silently.
#pragma once

#include "../core/error.hpp"
#include "../core/objective.hpp"
#include "../core/random.hpp"
#include "../core/status.hpp"
#include "../core/types.hpp"

#include <cmath>
#include <deque>
#include <functional>
#include <limits>
#include <numbers>
#include <span>
#include <vector>

namespace nnt {

// ---- learning-rate schedules -------------------------------------------------------------------

struct constant_schedule {
  double eta;
  double operator()(Index) const { return eta; }
};

/// η₀ · factor^⌊t / every⌋.
struct step_schedule {
  double eta0, factor;
  Index every;
  double operator()(Index t) const { return eta0 * std::pow(factor, double(t / every)); }
};

/// η_min + (η₀ − η_min)(1 + cos(π t / total))/2, then η_min after `total` steps.
struct cosine_schedule {
  double eta0, eta_min;
  Index total;
  double operator()(Index t) const {
    if (t >= total) return eta_min;
    return eta_min + (eta0 - eta_min) * (1 + std::cos(std::numbers::pi * double(t) / double(total))) / 2;
  }
};

/// Linear warm-up from 0 over `steps` steps, then the inner schedule (shifted to start at 0).
template <class Inner>
struct warmup_schedule {
  Inner inner;
  Index steps;
  double operator()(Index t) const {
    return t < steps ? inner(0) * double(t + 1) / double(steps) : inner(t - steps);
  }
};

namespace detail {
template <class Schedule>
void require_schedule(const Schedule& eta) {
  const double first = eta(0);
  require_finite("learning rate", first);
  require_positive("learning rate", first);
}
}  // namespace detail

// ---- options, results ------------------------------------------------------------------------

struct optimizer_options {
  Index max_iterations = 1000;
  double gradient_tolerance = 0;    ///< ok when ‖∇f‖ ≤ this
  double loss_tolerance = -std::numeric_limits<double>::infinity();  ///< ok when f ≤ this
  double divergence_bound = 1e100;  ///< diverged when |f| or ‖θ‖ exceeds this
  Index record_every = 1;           ///< history stride (the last iterate is always recorded)
};

template <class S = double>
struct optimization_result {
  Vector<S> theta;
  status state = status::not_converged;
  Index iterations = 0;
  Index evaluations = 0;               ///< objective evaluations (value_and_gradient or value)
  std::vector<Index> iteration;        ///< the iterations at which the history was recorded
  std::vector<double> loss, gradient_norm, sharpness;  ///< sharpness only with a callback
};

/// Optional per-record callback, e.g. sharpness λ_max(∇²f(θ)) by Lanczos; returns a number.
template <class S = double>
using record_callback = std::function<double(const Vector<S>&, Index)>;

namespace detail {

inline void require_options(const optimizer_options& o) {
  require_at_least<Index>("max_iterations", o.max_iterations, 0);
  require_nonnegative("gradient_tolerance", o.gradient_tolerance);
  require_positive("divergence_bound", o.divergence_bound);
  require_at_least<Index>("record_every", o.record_every, 1);
}

// Records (every record_every and at the end) and decides the status. Returns true to stop.
template <class S>
bool record_and_check(optimization_result<S>& r, const optimizer_options& o,
                      const record_callback<S>& callback, Index it, double loss, double gnorm,
                      bool last) {
  const bool diverged = !std::isfinite(loss) || !std::isfinite(gnorm) ||
                        std::abs(loss) > o.divergence_bound ||
                        !(double(scalar_value(r.theta.norm())) <= o.divergence_bound);
  const bool converged = !diverged && (gnorm <= o.gradient_tolerance || loss <= o.loss_tolerance);
  if (it % o.record_every == 0 || last || diverged || converged) {
    r.iteration.push_back(it);
    r.loss.push_back(loss);
    r.gradient_norm.push_back(gnorm);
    if (callback && !diverged) r.sharpness.push_back(callback(r.theta, it));
  }
  r.iterations = it;
  if (diverged) r.state = status::diverged;
  else if (converged) r.state = status::ok;
  return diverged || converged;
}

template <class S>
optimization_result<S> start(const vector_arg<S>& theta0, const optimizer_options& o) {
  require_options(o);
  require_at_least<Index>("theta0.size()", theta0.size(), 1);
  require_finite("theta0", theta0);
  optimization_result<S> r;
  r.theta = theta0;
  return r;
}

}  // namespace detail

// ---- gradient descent and momentum -----------------------------------------------------------

/// Heavy-ball (nesterov = false) or Nesterov momentum with coefficient μ ∈ [0, 1).
template <class S = double, class Objective, class Schedule>
  requires objective<Objective, S>
optimization_result<S> momentum(Objective& f, const vector_arg<S>& theta0, Schedule eta, double mu,
                                bool nesterov = false, const optimizer_options& o = {},
                                const record_callback<S>& callback = {}) {
  detail::require_schedule(eta);
  require_finite("mu", mu);
  if (!(mu >= 0 && mu < 1)) throw_invalid_argument("mu", "a value in [0, 1)", format_value(mu));
  auto r = detail::start<S>(theta0, o);
  Vector<S> g, v = Vector<S>::Zero(r.theta.size()), lookahead;
  for (Index it = 0;; ++it) {
    const double loss = double(scalar_value(f.value_and_gradient(r.theta, g)));
    ++r.evaluations;
    if (detail::record_and_check(r, o, callback, it, loss, double(g.norm()), it == o.max_iterations)) break;
    if (it == o.max_iterations) break;
    if (nesterov && mu > 0) {  // step with the gradient at the look-ahead point θ + μv
      lookahead = r.theta + S(mu) * v;
      f.value_and_gradient(lookahead, g);
      ++r.evaluations;
    }
    v = S(mu) * v - S(eta(it)) * g;
    r.theta += v;
  }
  if (r.state != status::ok && r.state != status::diverged) r.state = status::not_converged;
  return r;
}

/// Gradient descent θ ← θ − η_t ∇f(θ).
template <class S = double, class Objective, class Schedule>
  requires objective<Objective, S>
optimization_result<S> gradient_descent(Objective& f, const vector_arg<S>& theta0, Schedule eta,
                                        const optimizer_options& o = {},
                                        const record_callback<S>& callback = {}) {
  return momentum<S>(f, theta0, eta, 0.0, false, o, callback);
}

// ---- Adam ------------------------------------------------------------------------------------

struct adam_options {
  double beta1 = 0.9, beta2 = 0.999, epsilon = 1e-8;
};

template <class S = double, class Objective, class Schedule>
  requires objective<Objective, S>
optimization_result<S> adam(Objective& f, const vector_arg<S>& theta0, Schedule eta,
                            const adam_options& a = {}, const optimizer_options& o = {},
                            const record_callback<S>& callback = {}) {
  detail::require_schedule(eta);
  require_in_range("beta1", a.beta1, 0.0, 1.0 - 1e-12);
  require_in_range("beta2", a.beta2, 0.0, 1.0 - 1e-12);
  require_positive("epsilon", a.epsilon);
  auto r = detail::start<S>(theta0, o);
  const Index n = r.theta.size();
  Vector<S> g, m = Vector<S>::Zero(n), s = Vector<S>::Zero(n);
  for (Index it = 0;; ++it) {
    const double loss = double(scalar_value(f.value_and_gradient(r.theta, g)));
    ++r.evaluations;
    if (detail::record_and_check(r, o, callback, it, loss, double(g.norm()), it == o.max_iterations)) break;
    if (it == o.max_iterations) break;
    m = S(a.beta1) * m + S(1 - a.beta1) * g;
    s = S(a.beta2) * s + S(1 - a.beta2) * g.cwiseAbs2();
    const double c1 = 1 - std::pow(a.beta1, double(it + 1)), c2 = 1 - std::pow(a.beta2, double(it + 1));
    r.theta.array() -= S(eta(it) / c1) * m.array() / ((s.array() / S(c2)).sqrt() + S(a.epsilon));
  }
  return r;
}

// ---- L-BFGS ----------------------------------------------------------------------------------

struct lbfgs_options {
  Index memory = 10;
  double armijo = 1e-4;       ///< sufficient decrease f(θ + αd) ≤ f(θ) + c α ∇fᵀd
  double backtrack = 0.5;     ///< α ← backtrack·α
  Index max_line_search = 60;
};

template <class S = double, class Objective>
  requires objective<Objective, S>
optimization_result<S> lbfgs(Objective& f, const vector_arg<S>& theta0, const lbfgs_options& l = {},
                             const optimizer_options& o = {}, const record_callback<S>& callback = {}) {
  require_at_least<Index>("memory", l.memory, 1);
  require_in_range("armijo", l.armijo, 1e-12, 0.5);
  require_in_range("backtrack", l.backtrack, 0.01, 0.99);
  auto r = detail::start<S>(theta0, o);
  std::deque<Vector<S>> s_hist, y_hist;
  std::deque<S> rho_hist;
  Vector<S> g, g_new, d, trial;
  S loss = f.value_and_gradient(r.theta, g);
  ++r.evaluations;
  for (Index it = 0;; ++it) {
    if (detail::record_and_check(r, o, callback, it, double(scalar_value(loss)), double(g.norm()),
                                 it == o.max_iterations))
      break;
    if (it == o.max_iterations) break;
    // Two-loop recursion: d = −H_k g with H₀ = (sᵀy / yᵀy) I.
    d = -g;
    std::vector<S> alpha(s_hist.size());
    for (std::size_t j = s_hist.size(); j-- > 0;) {
      alpha[j] = rho_hist[j] * s_hist[j].dot(d);
      d -= alpha[j] * y_hist[j];
    }
    if (!s_hist.empty()) d *= s_hist.back().dot(y_hist.back()) / y_hist.back().squaredNorm();
    for (std::size_t j = 0; j < s_hist.size(); ++j) {
      const S beta = rho_hist[j] * y_hist[j].dot(d);
      d += (alpha[j] - beta) * s_hist[j];
    }
    S slope = g.dot(d);
    if (!(slope < 0)) {  // not a descent direction (numerically): restart from steepest descent
      s_hist.clear();
      y_hist.clear();
      rho_hist.clear();
      d = -g;
      slope = -g.squaredNorm();
    }
    // Backtracking Armijo line search from α = 1 (scaled on the first iteration).
    S step = s_hist.empty() ? S(std::min(1.0, 1.0 / std::max(1e-300, double(g.norm())))) : S(1);
    S new_loss = loss;
    bool found = false;
    for (Index k = 0; k < l.max_line_search; ++k) {
      trial = r.theta + step * d;
      new_loss = f.value_and_gradient(trial, g_new);
      ++r.evaluations;
      if (std::isfinite(double(scalar_value(new_loss))) && new_loss <= loss + S(l.armijo) * step * slope) {
        found = true;
        break;
      }
      step *= S(l.backtrack);
    }
    if (!found) {  // no decrease possible at rounding level: stop where we are
      r.state = std::isfinite(double(scalar_value(loss))) ? status::not_converged : status::diverged;
      break;
    }
    Vector<S> s_k = trial - r.theta, y_k = g_new - g;
    const S sy = s_k.dot(y_k);
    if (sy > S(1e-12) * s_k.norm() * y_k.norm()) {
      s_hist.push_back(std::move(s_k));
      y_hist.push_back(std::move(y_k));
      rho_hist.push_back(S(1) / sy);
      if (static_cast<Index>(s_hist.size()) > l.memory) {
        s_hist.pop_front();
        y_hist.pop_front();
        rho_hist.pop_front();
      }
    }
    r.theta = trial;
    g.swap(g_new);
    loss = new_loss;
  }
  return r;
}

// ---- minibatch SGD ---------------------------------------------------------------------------

/// An objective that is a mean over `examples()` terms and can be evaluated on a subset.
template <class F, class S = double>
concept minibatch_objective =
    objective<F, S> && requires(F& f, const Vector<S>& theta, Vector<S>& g, std::span<const Index> batch) {
      { f.examples() } -> std::convertible_to<Index>;
      { f.value_and_gradient(theta, g, batch) } -> std::convertible_to<S>;
    };

/// In-place Fisher–Yates shuffle driven by nnt's generator (same result on every platform).
inline void shuffle(std::vector<Index>& v, random_generator& rng) {
  for (std::size_t i = v.size(); i > 1; --i) {
    // Unbiased index in [0, i): reject the top partial block of 2⁶⁴ before taking x mod i.
    const std::uint64_t range = i;
    const std::uint64_t limit = std::numeric_limits<std::uint64_t>::max() -
                                std::numeric_limits<std::uint64_t>::max() % range;
    std::uint64_t x;
    do x = rng.bits();
    while (x >= limit);
    std::swap(v[i - 1], v[std::size_t(x % range)]);
  }
}

/// Minibatch SGD, `epochs` passes over reshuffled data; the history records the *minibatch* loss
/// and gradient norm of every step (full-batch numbers cost a pass each: use the callback).
template <class S = double, class Objective, class Schedule>
  requires minibatch_objective<Objective, S>
optimization_result<S> sgd(Objective& f, const vector_arg<S>& theta0, Schedule eta, Index batch_size,
                           Index epochs, std::uint64_t seed, const optimizer_options& o = {},
                           const record_callback<S>& callback = {}) {
  detail::require_schedule(eta);
  const Index n = f.examples();
  if (batch_size < 1 || batch_size > n)
    throw_invalid_argument("batch_size", "a value in [1, " + std::to_string(n) + "]", std::to_string(batch_size));
  require_at_least<Index>("epochs", epochs, 1);
  auto r = detail::start<S>(theta0, o);
  random_generator rng(seed);
  std::vector<Index> order(n);
  for (Index i = 0; i < n; ++i) order[i] = i;
  Vector<S> g;
  Index it = 0;
  const Index total = epochs * ((n + batch_size - 1) / batch_size);
  for (Index e = 0; e < epochs; ++e) {
    shuffle(order, rng);
    for (Index start = 0; start < n; start += batch_size, ++it) {
      const std::span<const Index> batch(order.data() + start, std::min(batch_size, n - start));
      const double loss = double(scalar_value(f.value_and_gradient(r.theta, g, batch)));
      ++r.evaluations;
      if (detail::record_and_check(r, o, callback, it, loss, double(g.norm()), it + 1 == total))
        return r;  // converged (tolerance met) or diverged
      r.theta -= S(eta(it)) * g;
    }
  }
  r.iterations = it;
  r.state = status::not_converged;  // ran all its epochs without meeting a tolerance
  return r;
}

}  // namespace nnt
