// nnt/dynamics/optimizers.hpp — optimizers on a flat θ, for any objective (core/concepts.hpp):
//   gradient_descent  θ ← θ − η_t ∇f(θ)
//   momentum          heavy ball v ← μv − η_t∇f(θ), θ ← θ + v (Polyak 1964); Nesterov: ∇f at θ + μv
//   adam              m ← β₁m + (1−β₁)g, s ← β₂s + (1−β₂)g², θ ← θ − η_t m̂/(√ŝ + ε) (Kingma & Ba)
//   lbfgs             two-loop recursion (Nocedal & Wright Alg. 7.4), backtracking Armijo search
//   sgd               minibatch SGD on a minibatch_objective: reshuffled epochs or draws with
//                     replacement, optional heavy-ball momentum, nnt's own portable shuffle
// Each takes θ₀, a learning_rate (a number or a schedule, dynamics/schedules.hpp) and its options
// (with `.stop`, core/stopping.hpp), and returns θ, a history and status + stop_reason.
#pragma once

#include "../core/concepts.hpp"
#include "../core/error.hpp"
#include "../core/random.hpp"
#include "../core/status.hpp"
#include "../core/stopping.hpp"
#include "../core/types.hpp"
#include "schedules.hpp"

#include <cmath>
#include <cstdint>
#include <deque>
#include <functional>
#include <limits>
#include <span>
#include <string>
#include <vector>

namespace nnt {

/// What an observer sees at iterate t, before the update: θ_t, f(θ_t), ∇f(θ_t) (the minibatch
/// loss and gradient for sgd) and, for momentum methods, the velocity v_t.
template <class S = double>
struct optimizer_state {
  Index iteration;                      ///< t, the number of updates applied so far
  const Vector<S>& theta;               ///< θ_t (valid during the observer call only)
  double loss;                          ///< f(θ_t) (the minibatch loss for sgd)
  const Vector<S>& gradient;            ///< ∇f(θ_t) (the minibatch gradient for sgd)
  const Vector<S>* velocity = nullptr;  ///< v_t for momentum and sgd with μ > 0, else nullptr
};

/// Called at every iterate; returning false stops the run (status ok, stop_reason::observer).
template <class S = double>
using optimizer_observer = std::function<bool(const optimizer_state<S>&)>;

/// Called at every recorded iterate with (θ_t, t); its value goes into the history's `recorded`
/// (e.g. the sharpness λ_max(∇²f(θ_t)) by Lanczos).
template <class S = double>
using record_callback = std::function<double(const Vector<S>&, Index)>;

/// What every optimizer returns: the last iterate, status + stop_reason, counts, and a history of
/// parallel vectors (entry j belongs to iterate iteration[j]); `recorded` holds record(θ_t, t), NaN
/// where f(θ_t) was not finite, and stays empty without a record callback.
template <class S = double>
struct optimization_result {
  Vector<S> theta;  ///< the last iterate (the one the stopping test saw)
  /// ok (a tolerance was met, the observer stopped the run, or the fixed budget was run),
  /// not_converged (the budget ran out before a requested tolerance), diverged (non-finite or
  /// beyond divergence_bound), stalled (L-BFGS: no decrease along its search direction).
  nnt::status status = status::not_converged;
  /// gradient_tolerance, loss_tolerance, observer, iteration_limit, non_finite, divergence_bound
  /// or line_search_failure (L-BFGS).
  nnt::stop_reason stop_reason = stop_reason::none;
  Index iterations = 0;          ///< updates applied (the last iterate is θ_iterations)
  Index evaluations = 0;         ///< objective evaluations (value_and_gradient or value)
  std::vector<Index> iteration;  ///< iterates recorded (every record_every, and the last)
  /// f(θ_t) per recorded iterate (the minibatch loss for sgd)
  std::vector<double> loss, gradient_norm, /**< ‖∇f(θ_t)‖ */ recorded;  ///< record(θ_t, t) values
};

/// θ ← θ − η_t ∇f(θ).
template <class S = double>
struct gradient_descent_options {
  optimizer_stopping stop{};    ///< budget (default 1000 updates) and tolerances (none by default)
  Index record_every = 1;       ///< history stride ≥ 1 (the last iterate is always recorded)
  record_callback<S> record{};  ///< optional number per recorded iterate → result.recorded
  /// Optional, at every iterate after its divergence and tolerance tests; false stops the run.
  optimizer_observer<S> observer{};
};

/// Heavy ball v ← μv − η_t∇f(θ), θ ← θ + v; Nesterov takes ∇f at θ + μv.
template <class S = double>
struct momentum_options {
  double mu = 0.9;              ///< μ ∈ [0, 1)
  bool nesterov = false;        ///< gradient at the look-ahead point θ + μv
  optimizer_stopping stop{};    ///< budget (default 1000 updates) and tolerances (none by default)
  Index record_every = 1;       ///< history stride ≥ 1 (the last iterate is always recorded)
  record_callback<S> record{};  ///< optional number per recorded iterate → result.recorded
  /// Optional, at every iterate after its divergence and tolerance tests; false stops the run.
  optimizer_observer<S> observer{};
};

/// Adam with bias corrections m̂ = m/(1 − β₁ᵗ), ŝ = s/(1 − β₂ᵗ).
template <class S = double>
struct adam_options {
  /// β₁, decay of the first-moment average m, in [0, 1) (checked: ≤ 1 − 1e-12)
  double beta1 = 0.9, beta2 = 0.999;  ///< β₂, decay of the second-moment average s, in [0, 1)
  double epsilon = 1e-8;              ///< > 0, added to √ŝ
  optimizer_stopping stop{};    ///< budget (default 1000 updates) and tolerances (none by default)
  Index record_every = 1;       ///< history stride ≥ 1 (the last iterate is always recorded)
  record_callback<S> record{};  ///< optional number per recorded iterate → result.recorded
  /// Optional, at every iterate after its divergence and tolerance tests; false stops the run.
  optimizer_observer<S> observer{};
};

/// L-BFGS with a backtracking Armijo line search from α = 1 (the first step scaled to ‖g‖⁻¹).
template <class S = double>
struct lbfgs_options {
  Index memory = 10;  ///< pairs (s, y) kept; pairs with sᵀy ≤ 1e-12‖s‖‖y‖ are skipped
  double armijo = 1e-4;  ///< sufficient decrease f(θ + αd) ≤ f(θ) + c α ∇fᵀd, c ∈ [1e-12, ½]
  double backtrack = 0.5;       ///< α ← backtrack·α, in [0.01, 0.99]
  Index max_line_search = 60;   ///< trial steps before the run ends as stalled
  optimizer_stopping stop{};    ///< budget (default 1000 iterations), tolerances (none by default)
  Index record_every = 1;       ///< history stride ≥ 1 (the last iterate is always recorded)
  record_callback<S> record{};  ///< optional number per recorded iterate → result.recorded
  /// Optional, at every iterate after its divergence and tolerance tests; false stops the run.
  optimizer_observer<S> observer{};
};

/// How sgd draws its minibatches.
enum class minibatch_sampling {
  epochs,            ///< passes over the data, reshuffled every epoch (a last batch may be smaller)
  with_replacement,  ///< every step draws batch_size examples independently and uniformly
};

/// Minibatch SGD. The run ends after `epochs` passes (epoch sampling) or stop.max_iterations steps,
/// whichever comes first; the tolerances test the minibatch loss and gradient of each step.
template <class S = double>
struct sgd_options {
  Index batch_size = 32;  ///< ≤ f.examples() for epoch sampling; any size with replacement
  Index epochs = 1;       ///< epoch sampling only
  /// Epochs (default) or with_replacement; the latter has no epoch limit, so it requires a finite
  /// stop.max_iterations (nnt::invalid_argument otherwise).
  minibatch_sampling sampling = minibatch_sampling::epochs;
  double momentum = 0;     ///< heavy-ball μ ∈ [0, 1): v ← μv − η_t g, θ ← θ + v
  std::uint64_t seed = 1;  ///< seed of nnt's portable generator: same batches on every platform
  /// Budget in steps (unbounded by default: `epochs` ends the run) and tolerances, tested on each
  /// step's minibatch loss and gradient. Unlike the full-batch optimizers, an exactly zero
  /// minibatch gradient does not stop the run unless gradient_tolerance > 0 (a batch of fitted
  /// examples says nothing about the others).
  optimizer_stopping stop = {.max_iterations = std::numeric_limits<Index>::max()};
  Index record_every = 1;       ///< history stride ≥ 1 (the last iterate is always recorded)
  record_callback<S> record{};  ///< optional number per recorded iterate → result.recorded
  /// Optional, at every iterate after its divergence and tolerance tests; false stops the run.
  optimizer_observer<S> observer{};
};

namespace detail {

// f.value_and_gradient(θ, g, batch…), then the check Eigen cannot make in a Release build: a user's
// objective that fills g with the wrong size would make the update read or write past its end.
template <class Objective, class S, class... Batch>
S evaluate(Objective& f, const Vector<S>& theta, Vector<S>& g, const Batch&... batch) {
  const S loss = f.value_and_gradient(theta, g, batch...);
  if (g.size() != theta.size())
    throw_invalid_argument("f", "a gradient of theta's size " + std::to_string(theta.size()),
                           "a gradient of size " + std::to_string(g.size()));
  return loss;
}

// The bookkeeping all optimizers share: checks, history, observer, status.
template <class S>
class optimizer_run {
 public:
  // minibatch: the gradient is a minibatch estimate, so an exactly zero one proves nothing (a
  // batch of examples already fitted, or of zero inputs): only gradient_tolerance > 0 stops on it.
  template <class Derived, class Options>
  optimizer_run(const Eigen::MatrixBase<Derived>& theta0, const Options& o, bool minibatch = false)
      : stop_(o.stop),
        record_every_(o.record_every),
        record_(o.record),
        observer_(o.observer),
        minibatch_(minibatch) {
    require_stopping(o.stop);
    require_at_least<Index>("record_every", o.record_every, 1);
    require_at_least<Index>("theta0.size()", theta0.size(), 1);
    require_finite("theta0", theta0);
    r.theta = theta0;
  }

  // At iterate t with f(θ_t) = loss and ‖∇f(θ_t)‖ = gnorm: records, tests, and returns true to
  // stop.
  bool stop_at(Index t, double loss, const Vector<S>& g, const Vector<S>* velocity = nullptr) {
    const double gnorm = double(scalar_value(g.norm()));
    r.iterations = t;
    if (!std::isfinite(loss) || !std::isfinite(gnorm))
      return finish(t, loss, gnorm, status::diverged, stop_reason::non_finite);
    if (std::abs(loss) > stop_.divergence_bound ||
        !(double(scalar_value(r.theta.norm())) <= stop_.divergence_bound))
      return finish(t, loss, gnorm, status::diverged, stop_reason::divergence_bound);
    if (gnorm <= stop_.gradient_tolerance && !(minibatch_ && stop_.gradient_tolerance == 0))
      return finish(t, loss, gnorm, status::ok, stop_reason::gradient_tolerance);
    if (loss <= stop_.loss_tolerance)
      return finish(t, loss, gnorm, status::ok, stop_reason::loss_tolerance);
    if (observer_ && !observer_(optimizer_state<S>{t, r.theta, loss, g, velocity}))
      return finish(t, loss, gnorm, status::ok, stop_reason::observer);
    if (t >= stop_.max_iterations) return finish_budget(t, loss, gnorm);
    if (t % record_every_ == 0) record(t, loss, gnorm);
    return false;
  }
  // For a θ returned after an update no stop_at saw (sgd's last epoch): the same divergence tests.
  void check_returned_theta() {
    if (!r.theta.allFinite()) {
      r.status = status::diverged;
      r.stop_reason = stop_reason::non_finite;
    } else if (!(double(scalar_value(r.theta.norm())) <= stop_.divergence_bound)) {
      r.status = status::diverged;
      r.stop_reason = stop_reason::divergence_bound;
    }
  }
  // A budget ran out: ok when no tolerance was asked for (the budget was the request).
  bool finish_budget(Index t, double loss, double gnorm) {
    return finish(t, loss, gnorm, stop_.has_tolerance() ? status::not_converged : status::ok,
                  stop_reason::iteration_limit);
  }
  bool finish(Index t, double loss, double gnorm, status s, stop_reason why) {
    record(t, loss, gnorm);
    r.iterations = t;
    r.status = s;
    r.stop_reason = why;
    return true;
  }

  optimization_result<S> r;

 private:
  void record(Index t, double loss, double gnorm) {
    if (!r.iteration.empty() && r.iteration.back() == t) return;
    r.iteration.push_back(t);
    r.loss.push_back(loss);
    r.gradient_norm.push_back(gnorm);
    if (record_)
      r.recorded.push_back(std::isfinite(loss) ? record_(r.theta, t)
                                               : std::numeric_limits<double>::quiet_NaN());
  }

  optimizer_stopping stop_;
  Index record_every_;
  const record_callback<S>& record_;
  const optimizer_observer<S>& observer_;
  bool minibatch_;
};

template <class S, class Objective>
optimization_result<S> heavy_ball(Objective& f, optimizer_run<S>& run, const learning_rate& eta,
                                  double mu, bool nesterov) {
  auto& r = run.r;
  Vector<S> g, v = Vector<S>::Zero(r.theta.size()), lookahead;
  for (Index t = 0;; ++t) {
    const double loss = double(scalar_value(detail::evaluate(f, r.theta, g)));
    ++r.evaluations;
    if (run.stop_at(t, loss, g, mu > 0 ? &v : nullptr)) break;
    if (nesterov && mu > 0) {  // step with the gradient at the look-ahead point θ + μv
      lookahead = r.theta + S(mu) * v;
      detail::evaluate(f, lookahead, g);
      ++r.evaluations;
    }
    v = S(mu) * v - S(eta(t)) * g;
    r.theta += v;
  }
  return std::move(r);
}

inline void require_momentum(std::string_view name, double mu) {
  require_finite(name, mu);
  if (!(mu >= 0 && mu < 1)) throw_invalid_argument(name, "a value in [0, 1)", format_value(mu));
}

}  // namespace detail

/// Gradient descent θ_{t+1} = θ_t − η_t ∇f(θ_t) from theta0.
template <class Objective, class Derived, class S = typename Derived::Scalar>
requires objective<Objective, S> optimization_result<S> gradient_descent(
    Objective& f, const Eigen::MatrixBase<Derived>& theta0, learning_rate eta,
    const gradient_descent_options<S>& options = {}) {
  detail::optimizer_run<S> run(theta0, options);
  return detail::heavy_ball<S>(f, run, eta, 0.0, false);
}

/// Heavy-ball or Nesterov momentum from theta0.
template <class Objective, class Derived, class S = typename Derived::Scalar>
requires objective<Objective, S> optimization_result<S> momentum(
    Objective& f, const Eigen::MatrixBase<Derived>& theta0, learning_rate eta,
    const momentum_options<S>& options = {}) {
  detail::require_momentum("mu", options.mu);
  detail::optimizer_run<S> run(theta0, options);
  return detail::heavy_ball<S>(f, run, eta, options.mu, options.nesterov);
}

/// Adam from theta0.
template <class Objective, class Derived, class S = typename Derived::Scalar>
requires objective<Objective, S> optimization_result<S> adam(
    Objective& f, const Eigen::MatrixBase<Derived>& theta0, learning_rate eta,
    const adam_options<S>& options = {}) {
  require_in_range("beta1", options.beta1, 0.0, 1.0 - 1e-12);
  require_in_range("beta2", options.beta2, 0.0, 1.0 - 1e-12);
  require_finite("epsilon", options.epsilon);
  require_positive("epsilon", options.epsilon);
  detail::optimizer_run<S> run(theta0, options);
  auto& r = run.r;
  const Index n = r.theta.size();
  Vector<S> g, m = Vector<S>::Zero(n), s = Vector<S>::Zero(n);
  for (Index t = 0;; ++t) {
    const double loss = double(scalar_value(detail::evaluate(f, r.theta, g)));
    ++r.evaluations;
    if (run.stop_at(t, loss, g)) break;
    m = S(options.beta1) * m + S(1 - options.beta1) * g;
    s = S(options.beta2) * s + S(1 - options.beta2) * g.cwiseAbs2();
    const double c1 = 1 - std::pow(options.beta1, double(t + 1)),
                 c2 = 1 - std::pow(options.beta2, double(t + 1));
    r.theta.array() -=
        S(eta(t) / c1) * m.array() / ((s.array() / S(c2)).sqrt() + S(options.epsilon));
  }
  return std::move(r);
}

/// L-BFGS from theta0 (the learning rate is the line search's, so there is none to give).
template <class Objective, class Derived, class S = typename Derived::Scalar>
requires objective<Objective, S> optimization_result<S> lbfgs(
    Objective& f, const Eigen::MatrixBase<Derived>& theta0, const lbfgs_options<S>& options = {}) {
  require_at_least<Index>("memory", options.memory, 1);
  require_in_range("armijo", options.armijo, 1e-12, 0.5);
  require_in_range("backtrack", options.backtrack, 0.01, 0.99);
  require_at_least<Index>("max_line_search", options.max_line_search, 1);
  detail::optimizer_run<S> run(theta0, options);
  auto& r = run.r;
  std::deque<Vector<S>> s_hist, y_hist;
  std::deque<S> rho_hist;
  Vector<S> g, g_new, d, trial;
  S loss = detail::evaluate(f, r.theta, g);
  ++r.evaluations;
  for (Index t = 0;; ++t) {
    if (run.stop_at(t, double(scalar_value(loss)), g)) break;
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
    S step = s_hist.empty()
                 ? S(std::min(1.0, 1.0 / std::max(1e-300, double(scalar_value(g.norm())))))
                 : S(1);
    S new_loss = loss;
    bool found = false;
    for (Index k = 0; k < options.max_line_search; ++k) {
      trial = r.theta + step * d;
      new_loss = detail::evaluate(f, trial, g_new);
      ++r.evaluations;
      if (std::isfinite(double(scalar_value(new_loss))) &&
          new_loss <= loss + S(options.armijo) * step * slope) {
        found = true;
        break;
      }
      step *= S(options.backtrack);
    }
    if (!found) {  // no decrease possible at rounding level: stop where we are
      run.finish(t, double(scalar_value(loss)), double(scalar_value(g.norm())), status::stalled,
                 stop_reason::line_search_failure);
      break;
    }
    Vector<S> s_k = trial - r.theta, y_k = g_new - g;
    const S sy = s_k.dot(y_k);
    if (sy > S(1e-12) * s_k.norm() * y_k.norm()) {
      s_hist.push_back(std::move(s_k));
      y_hist.push_back(std::move(y_k));
      rho_hist.push_back(S(1) / sy);
      if (static_cast<Index>(s_hist.size()) > options.memory) {
        s_hist.pop_front();
        y_hist.pop_front();
        rho_hist.pop_front();
      }
    }
    r.theta = trial;
    g.swap(g_new);
    loss = new_loss;
  }
  return std::move(r);
}

/// Minibatch SGD from theta0; the history records the *minibatch* loss and gradient norm of each
/// step (full-batch numbers cost a pass each: use the record callback).
template <class Objective, class Derived, class S = typename Derived::Scalar>
requires minibatch_objective<Objective, S> optimization_result<S> sgd(
    Objective& f, const Eigen::MatrixBase<Derived>& theta0, learning_rate eta,
    const sgd_options<S>& options = {}) {
  const Index n = f.examples();
  require_at_least<Index>("f.examples()", n, 1);
  const bool epochs = options.sampling == minibatch_sampling::epochs;
  if (epochs && (options.batch_size < 1 || options.batch_size > n))
    throw_invalid_argument("batch_size", "a value in [1, " + std::to_string(n) + "] (f.examples())",
                           std::to_string(options.batch_size));
  require_in_range<Index, Index>("batch_size", options.batch_size, 1, Index(1) << 40);
  require_at_least<Index>("epochs", options.epochs, 1);
  // Without epochs nothing else bounds the run: a forgotten budget would loop forever.
  if (!epochs && options.stop.max_iterations == std::numeric_limits<Index>::max())
    throw_invalid_argument("stop.max_iterations", "a step budget for with_replacement sampling",
                           "the unbounded default");
  detail::require_momentum("momentum", options.momentum);
  detail::optimizer_run<S> run(theta0, options, /*minibatch=*/true);
  auto& r = run.r;
  const Index per_epoch = (n + options.batch_size - 1) / options.batch_size;
  const Index total = epochs ? checked_product("epochs", options.epochs, per_epoch)
                             : std::numeric_limits<Index>::max();
  random_generator rng(options.seed);
  std::vector<Index> order(std::size_t(epochs ? n : options.batch_size));
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = Index(i);
  const double mu = options.momentum;
  Vector<S> g, v = Vector<S>::Zero(r.theta.size());
  for (Index t = 0;; ++t) {
    std::span<const Index> batch;
    if (epochs) {
      const Index start = (t % per_epoch) * options.batch_size;
      if (start == 0) shuffle(order, rng);
      batch = std::span<const Index>(order.data() + start,
                                     std::size_t(std::min(options.batch_size, n - start)));
    } else {
      for (Index& i : order) i = Index(rng.uniform_index(std::uint64_t(n)));
      batch = std::span<const Index>(order);
    }
    const double loss = double(scalar_value(detail::evaluate(f, r.theta, g, batch)));
    ++r.evaluations;
    if (run.stop_at(t, loss, g, mu > 0 ? &v : nullptr)) break;
    // All epochs done after this update: θ_total is returned without a loss of its own (that
    // would need a batch), so the history ends at step t, recorded (callback too) at θ_t.
    const bool last = t + 1 == total;
    if (last) run.finish_budget(t, loss, double(scalar_value(g.norm())));
    v = S(mu) * v - S(eta(t)) * g;
    r.theta += v;
    if (last) {
      r.iterations = total;
      run.check_returned_theta();
      break;
    }
  }
  return std::move(r);
}

}  // namespace nnt
