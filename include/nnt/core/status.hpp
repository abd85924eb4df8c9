// nnt/core/status.hpp — how a computation ended: `status` (did it deliver what was asked?) and,
// for iterative methods, `stop_reason` (which criterion stopped it), as in Ceres' Solver::Summary.
// Every result struct names its member `status`; iterative results also carry `stop_reason`.
// Numerical trouble is reported here, never by an exception; exceptions are for user mistakes
// (error.hpp). Functions that throw instead (convenience wrappers) say so in their comment.
#pragma once

#include <ostream>
#include <string_view>

namespace nnt {

/// Whether a computation delivered what was asked (every result's `status` member).
enum class status {
  ok,             ///< completed: the tolerance was met, or the fixed budget asked for was run
  not_converged,  ///< a budget ran out before the requested tolerance was met
  diverged,       ///< a non-finite value (NaN, ±inf) or unbounded growth appeared
  singular,       ///< a matrix that must be invertible / positive definite was not (numerically)
  overflow,       ///< a value exceeded the representable range of the Scalar
  stalled,        ///< no progress was possible (time or iterate stopped changing, no descent)
};

/// The criterion that ended an iterative computation.
enum class stop_reason {
  none,                 ///< not iterative, or ended before the first iteration
  tolerance,            ///< the method's convergence test passed (its options say which)
  gradient_tolerance,   ///< ‖∇f‖ ≤ gradient_tolerance
  loss_tolerance,       ///< f ≤ loss_tolerance
  iteration_limit,      ///< max_iterations (steps, sweeps, probes, restarts) were used up
  end_time,             ///< an integration reached its final time
  observer,             ///< an observer or callback asked to stop
  non_finite,           ///< a NaN or infinity appeared in the state or the objective
  divergence_bound,     ///< |f| or ‖θ‖ exceeded divergence_bound
  line_search_failure,  ///< no step along the search direction decreased f
  step_size_underflow,  ///< an adaptive step fell below the time resolution at t
  no_progress,          ///< t + h == t, or the iterate stopped changing
  invariant_subspace,   ///< Lanczos breakdown: the Krylov space is invariant, T is exact
  zero_within_error,    ///< an estimate is zero within its error bar at the requested resolution
  residual_check,       ///< the method's own test passed, nnt's recomputed residuals did not
};

/// The enumerator's name ("ok", "not_converged", …); "unknown" for a value outside the enum.
constexpr std::string_view to_string(status s) noexcept {
  switch (s) {
    case status::ok:
      return "ok";
    case status::not_converged:
      return "not_converged";
    case status::diverged:
      return "diverged";
    case status::singular:
      return "singular";
    case status::overflow:
      return "overflow";
    case status::stalled:
      return "stalled";
  }
  return "unknown";
}

/// The enumerator's name ("none", "tolerance", …); "unknown" for a value outside the enum.
constexpr std::string_view to_string(stop_reason r) noexcept {
  switch (r) {
    case stop_reason::none:
      return "none";
    case stop_reason::tolerance:
      return "tolerance";
    case stop_reason::gradient_tolerance:
      return "gradient_tolerance";
    case stop_reason::loss_tolerance:
      return "loss_tolerance";
    case stop_reason::iteration_limit:
      return "iteration_limit";
    case stop_reason::end_time:
      return "end_time";
    case stop_reason::observer:
      return "observer";
    case stop_reason::non_finite:
      return "non_finite";
    case stop_reason::divergence_bound:
      return "divergence_bound";
    case stop_reason::line_search_failure:
      return "line_search_failure";
    case stop_reason::step_size_underflow:
      return "step_size_underflow";
    case stop_reason::no_progress:
      return "no_progress";
    case stop_reason::invariant_subspace:
      return "invariant_subspace";
    case stop_reason::zero_within_error:
      return "zero_within_error";
    case stop_reason::residual_check:
      return "residual_check";
  }
  return "unknown";
}

/// Writes to_string(s).
inline std::ostream& operator<<(std::ostream& os, status s) { return os << to_string(s); }
/// Writes to_string(r).
inline std::ostream& operator<<(std::ostream& os, stop_reason r) { return os << to_string(r); }

}  // namespace nnt
