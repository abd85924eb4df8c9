// nnt/curvature/trace.hpp — Hutchinson's trace estimator (Hutchinson 1989): tr A ≈ mean of zᵀAz
// over Rademacher probes z, with its standard error SE = sd/√m. Stops when SE ≤ absolute_tolerance
// + tolerance·|mean| (one mixed test, like numpy's isclose), or — so that traceless and indefinite
// operators stop too — when |mean| ≤ 3 SE and SE ≤ zero_resolution·rms(zᵀAz) (zero at that
// resolution). Operators are any linear_operator (core/concepts.hpp); the Scalar is the operator's.
#pragma once

#include "../core/concepts.hpp"
#include "../core/error.hpp"
#include "../core/random.hpp"
#include "../core/status.hpp"
#include "../core/stopping.hpp"
#include "../core/types.hpp"

#include <cmath>

namespace nnt {

/// Options of hutchinson_trace(): a probe budget and its stopping tests, checked after each probe
/// once min_probes are in (min_probes ≥ 2, stop.max_iterations ≥ min_probes).
struct trace_options {
  Index min_probes =
      10;  ///< before any test: the standard error needs a few probes to mean anything
  /// At most max_iterations probes; ok when SE ≤ absolute_tolerance + tolerance·|mean|
  /// (stop_reason::tolerance).
  solver_stopping stop = {.max_iterations = 10000, .tolerance = 1e-2};
  double absolute_tolerance = 0;  ///< the absolute part of that test (≥ 0)
  /// ok when |mean| ≤ 3·SE and SE ≤ zero_resolution·√(mean of (zᵀAz)²): zero within its error at
  /// that resolution (stop_reason::zero_within_error); 0 turns the test off. The default stops a
  /// traceless operator after ~100 probes, SE = 10% of the probes' own scale.
  double zero_resolution = 0.1;
  std::uint64_t seed = 1;  ///< seeds the Rademacher probes (random_generator(seed)): reproducible
};

/// The estimate of tr A from hutchinson_trace(), with its error bar and how the run ended.
struct trace_result {
  double estimate = 0;        ///< mean of zᵀAz over the probes (over the finite ones if diverged)
  double standard_error = 0;  ///< sd of zᵀAz over the probes / √probes
  Index probes = 0;  ///< probes (operator applications) used, including a non-finite last one
  /// ok (a tolerance or the zero-within-error test passed), not_converged (max_iterations probes
  /// used), diverged (a zᵀAz was not finite).
  nnt::status status = status::not_converged;
  /// tolerance, zero_within_error, iteration_limit or non_finite, matching status.
  nnt::stop_reason stop_reason = stop_reason::none;
};

/// Hutchinson's estimator of tr A with Rademacher probes and the stopping rules above.
template <class Op>
requires linear_operator<Op> trace_result hutchinson_trace(const Op& op,
                                                           const trace_options& options = {}) {
  using S = operator_scalar_t<Op>;
  require_at_least<Index>("min_probes", options.min_probes, 2);
  require_stopping(options.stop);
  require_at_least<Index>("stop.max_iterations", options.stop.max_iterations, options.min_probes);
  require_finite("absolute_tolerance", options.absolute_tolerance);
  require_nonnegative("absolute_tolerance", options.absolute_tolerance);
  require_finite("zero_resolution", options.zero_resolution);
  require_nonnegative("zero_resolution", options.zero_resolution);
  const Index n = op.rows();
  require_at_least<Index>("op.rows()", n, 1);
  require_allocation("op.rows() (two probe vectors)", checked_product("op.rows()", n, 2),
                     sizeof(S));
  random_generator rng(options.seed);
  Vector<S> z(n), Az(n);
  trace_result r;
  double mean = 0, m2 = 0, mean_square = 0;  // Welford's running mean and squared deviations
  for (Index m = 1; m <= options.stop.max_iterations; ++m) {
    rng.fill_rademacher(z);
    op.apply(z, Az);
    const double sample = static_cast<double>(z.dot(Az));
    r.probes = m;
    if (!std::isfinite(sample)) {
      r.status = status::diverged;
      r.stop_reason = stop_reason::non_finite;
      return r;
    }
    const double delta = sample - mean;
    mean += delta / double(m);
    m2 += delta * (sample - mean);
    mean_square += (sample * sample - mean_square) / double(m);
    r.estimate = mean;
    r.standard_error = m > 1 ? std::sqrt(m2 / double(m - 1) / double(m)) : 0.0;
    if (m < options.min_probes) continue;
    if (r.standard_error <= options.absolute_tolerance + options.stop.tolerance * std::abs(mean)) {
      r.status = status::ok;
      r.stop_reason = stop_reason::tolerance;
      return r;
    }
    if (std::abs(mean) <= 3 * r.standard_error &&
        r.standard_error <= options.zero_resolution * std::sqrt(mean_square)) {
      r.status = status::ok;
      r.stop_reason = stop_reason::zero_within_error;
      return r;
    }
  }
  r.status = status::not_converged;
  r.stop_reason = stop_reason::iteration_limit;
  return r;
}

}  // namespace nnt
