// nnt/core/stopping.hpp — the stopping options every iterative algorithm's options embed as
// `.stop`, so budgets and tolerances are set the same way everywhere (designated initialisers):
//   solver_stopping     eigen-solvers, trace estimators, fixed points, Newton and dual solvers
//   optimizer_stopping  gradient descent, momentum, Adam, L-BFGS, SGD
// Each options struct documents the exact test its tolerance enters and sets its own defaults;
// results report which criterion ended the run as stop_reason (core/status.hpp).
#pragma once

#include "error.hpp"
#include "types.hpp"

#include <limits>

namespace nnt {

/// A budget and one convergence tolerance (the method says exactly what it compares).
struct solver_stopping {
  Index max_iterations =
      1000;                  ///< the budget, in the method's unit (restarts, probes, sweeps, steps)
  double tolerance = 1e-10;  ///< the method's convergence test
};

/// The stopping tests of an optimizer, checked at every iterate θ_t (t = 0, 1, …):
/// ok when ‖∇f(θ_t)‖ ≤ gradient_tolerance or f(θ_t) ≤ loss_tolerance; diverged when f or ∇f is not
/// finite, |f(θ_t)| > divergence_bound or ‖θ_t‖ > divergence_bound; otherwise it runs
/// max_iterations updates. With no tolerance set (the defaults) that fixed budget is the request,
/// and a run that completes it ends ok with stop_reason::iteration_limit.
struct optimizer_stopping {
  /// Updates allowed: stop (stop_reason::iteration_limit) at iterate t = max_iterations; ≥ 0, and
  /// 0 only evaluates θ₀.
  Index max_iterations = 1000;
  /// ok when ‖∇f(θ_t)‖ ≤ gradient_tolerance (finite, ≥ 0); the default 0 stops only at an exactly
  /// zero gradient and does not count as a tolerance for has_tolerance().
  double gradient_tolerance = 0;
  /// ok when f(θ_t) ≤ loss_tolerance (finite, or −inf, the default, which disables the test).
  double loss_tolerance = -std::numeric_limits<double>::infinity();
  /// diverged when |f(θ_t)| > divergence_bound or ‖θ_t‖ > divergence_bound; must be > 0.
  double divergence_bound = 1e100;

  /// True when a tolerance was asked for (then an exhausted budget is not_converged).
  bool has_tolerance() const {
    return gradient_tolerance > 0 || loss_tolerance > -std::numeric_limits<double>::infinity();
  }
};

/// "stop.max_iterations: expected at least 1, got 0" (min_iterations, default 1),
/// "stop.tolerance: expected a non-negative value, …": throws nnt::invalid_argument.
inline void require_stopping(const solver_stopping& s, Index min_iterations = 1) {
  require_at_least<Index>("stop.max_iterations", s.max_iterations, min_iterations);
  require_finite("stop.tolerance", s.tolerance);
  require_nonnegative("stop.tolerance", s.tolerance);
}

/// Checks an optimizer_stopping (loss_tolerance may be −inf, nothing may be NaN).
inline void require_stopping(const optimizer_stopping& s) {
  require_at_least<Index>("stop.max_iterations", s.max_iterations, 0);
  require_finite("stop.gradient_tolerance", s.gradient_tolerance);
  require_nonnegative("stop.gradient_tolerance", s.gradient_tolerance);
  if (std::isnan(s.loss_tolerance) || s.loss_tolerance == std::numeric_limits<double>::infinity())
    throw_invalid_argument("stop.loss_tolerance", "a finite value or -inf",
                           format_value(s.loss_tolerance));
  require_positive("stop.divergence_bound", s.divergence_bound);
}

}  // namespace nnt
