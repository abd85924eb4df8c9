// nnt/dynamics/integrate.hpp — integrate functions that drive a stepper (dynamics/steppers.hpp) on
// an ode_system and report to an observer obs(x, t) (return false to stop), Boost.Odeint's shape:
//   integrate_const(stepper, f, x, t0, t1, dt, obs)  fixed steps of dt, the last landing on t1
//   integrate_times(stepper, f, x, times, dt, obs)   obs at every requested time: fixed steppers
//       step at most dt and land on each time; the adaptive stepper steps by error control and
//       reads the times off its dense output
// Every run has a step budget (options.max_steps) and a progress check (t + h must differ from t):
// a non-finite state ends it as diverged, no progress as stalled — never a hang or silent NaN.
#pragma once

#include "../core/concepts.hpp"
#include "../core/error.hpp"
#include "../core/status.hpp"
#include "../core/types.hpp"
#include "steppers.hpp"

#include <algorithm>
#include <cmath>
#include <type_traits>
#include <vector>

namespace nnt {

/// Limits of an integrate_const / integrate_times run.
struct integration_options {
  Index max_steps = 100000000;  ///< accepted steps before the run ends as not_converged
};

/// How an integration ended (the state x itself is advanced in place): status, stop_reason, the
/// time reached and the step and evaluation counts.
struct integration_result {
  /// ok (reached the end, or the observer stopped it), diverged (non-finite state or step-size
  /// underflow), stalled (t + h == t) or not_converged (max_steps).
  nnt::status status = status::ok;
  /// end_time, observer, non_finite, step_size_underflow, no_progress or iteration_limit.
  nnt::stop_reason stop_reason = stop_reason::none;
  double t = 0;              ///< time of the returned state
  Index steps = 0;           ///< accepted steps
  Index rejected_steps = 0;  ///< adaptive steppers only
  Index evaluations = 0;     ///< calls of the system
};

/// A do-nothing observer.
struct no_observer {
  /// Ignores (x, t); returns void, so it never stops the run.
  template <class S>
  void operator()(const Vector<S>&, double) const {}
};

namespace detail {
// Calls obs(x, t); an observer returning bool stops the integration by returning false.
template <class Observer, class S>
bool observe(Observer& obs, const Vector<S>& x, double t) {
  if constexpr (std::is_same_v<std::invoke_result_t<Observer&, const Vector<S>&, double>, bool>) {
    return obs(x, t);
  } else {
    obs(x, t);
    return true;
  }
}
template <class S>
void require_state(const Vector<S>& x) {
  require_at_least<Index>("x.size()", x.size(), 1);
  require_finite("x", x);
}
inline void require_step(double dt) {
  require_finite("dt", dt);
  require_positive("dt", dt);
}
inline void require_times(const std::vector<double>& times) {
  require_at_least<Index>("times.size()", static_cast<Index>(times.size()), 1);
  for (std::size_t i = 0; i < times.size(); ++i) {
    require_finite("times", times[i]);
    if (i > 0 && times[i] < times[i - 1])
      throw_invalid_argument("times", "non-decreasing times",
                             format_value(times[i]) + " after " + format_value(times[i - 1]));
  }
}
inline void end(integration_result& r, status s, stop_reason why) {
  r.status = s;
  r.stop_reason = why;
}

// Fixed steps from r.t to `until` (exactly), at most dt each; obs after every step when
// observe_steps. Returns false when the run ended (stopped, diverged, stalled, budget).
template <class Stepper, class F, class S, class Observer>
bool fixed_steps_to(Stepper& stepper, F& f, Vector<S>& x, double until, double dt, Observer& obs,
                    bool observe_steps, const integration_options& o, integration_result& r) {
  while (r.t < until) {
    if (r.steps >= o.max_steps) {
      end(r, status::not_converged, stop_reason::iteration_limit);
      return false;
    }
    // Land exactly on `until`; a remainder below 1e-12·dt is absorbed into the previous step.
    const bool last = (until - r.t) <= dt * (1 + 1e-12);
    const double h = last ? until - r.t : dt;
    const double next = last ? until : r.t + h;
    if (!(next > r.t)) {
      end(r, status::stalled, stop_reason::no_progress);
      return false;
    }
    stepper.do_step(f, x, r.t, h);
    r.t = next;
    ++r.steps;
    r.evaluations += Stepper::evaluations_per_step;
    if (!x.allFinite()) {
      end(r, status::diverged, stop_reason::non_finite);
      return false;
    }
    if (observe_steps && !observe(obs, x, r.t)) {
      end(r, status::ok, stop_reason::observer);
      return false;
    }
  }
  return true;
}
}  // namespace detail

/// Fixed steps of dt from t0 to t1 (the last one shortened to land on t1); obs at t0 and after
/// every step.
template <class Stepper, class F, class S, class Observer = no_observer>
requires fixed_stepper<Stepper, S> && ode_system<F, S> integration_result
integrate_const(Stepper& stepper, F&& f, Vector<S>& x, double t0, double t1, double dt,
                Observer obs = {}, const integration_options& options = {}) {
  detail::require_state(x);
  detail::require_step(dt);
  require_finite("t0", t0);
  require_finite("t1", t1);
  require_at_least<Index>("options.max_steps", options.max_steps, 1);
  if (t1 < t0) throw_invalid_argument("t1", "t1 ≥ t0 = " + format_value(t0), format_value(t1));
  integration_result r;
  r.t = t0;
  if (!detail::observe(obs, x, t0)) {
    detail::end(r, status::ok, stop_reason::observer);
    return r;
  }
  if (detail::fixed_steps_to(stepper, f, x, t1, dt, obs, true, options, r))
    detail::end(r, status::ok, stop_reason::end_time);
  return r;
}

/// Integration from times.front() to times.back() with obs(x(tᵢ), tᵢ) at every requested time. A
/// fixed stepper takes steps of at most dt and lands on each tᵢ; the adaptive stepper starts with
/// dt, chooses its steps by error control and reads x(tᵢ) off its dense output.
template <class Stepper, class F, class S, class Observer = no_observer>
requires(fixed_stepper<Stepper, S> || adaptive_stepper<Stepper, S>) &&
    ode_system<F, S> integration_result
    integrate_times(Stepper& stepper, F&& f, Vector<S>& x, const std::vector<double>& times,
                    double dt, Observer obs = {}, const integration_options& options = {}) {
  detail::require_state(x);
  detail::require_step(dt);
  detail::require_times(times);
  require_at_least<Index>("options.max_steps", options.max_steps, 1);
  integration_result r;
  r.t = times.front();
  std::size_t next = 0;
  while (next < times.size() && times[next] <= r.t) {
    if (!detail::observe(obs, x, times[next])) {
      detail::end(r, status::ok, stop_reason::observer);
      return r;
    }
    ++next;
  }
  if constexpr (fixed_stepper<Stepper, S>) {
    for (; next < times.size(); ++next) {
      if (!detail::fixed_steps_to(stepper, f, x, times[next], dt, obs, false, options, r)) return r;
      if (!detail::observe(obs, x, times[next])) {
        detail::end(r, status::ok, stop_reason::observer);
        return r;
      }
    }
    detail::end(r, status::ok, stop_reason::end_time);
    return r;
  } else {
    stepper.reset();
    const Index evaluations_before = stepper.evaluations(),
                rejected_before = stepper.rejected_steps();
    const double t_end = times.back();
    Vector<S> at;
    auto finish = [&](status s, stop_reason why) {
      detail::end(r, s, why);
      r.evaluations = stepper.evaluations() - evaluations_before;
      r.rejected_steps = stepper.rejected_steps() - rejected_before;
      return r;
    };
    while (next < times.size()) {
      if (r.steps >= options.max_steps)
        return finish(status::not_converged, stop_reason::iteration_limit);
      double h = std::min(dt, t_end - r.t);
      if (!(r.t + h > r.t)) return finish(status::stalled, stop_reason::no_progress);
      if (stepper.try_step(f, x, r.t, h)) {
        ++r.steps;
        dt = h;  // the controller's proposal for the next step
        if (!x.allFinite()) return finish(status::diverged, stop_reason::non_finite);
        // accepted steps shrinking below the time resolution: the solution blows up (x′ = x²)
        if (r.t < t_end && dt < 1e-14 * std::max(std::abs(r.t), 1.0))
          return finish(status::diverged, stop_reason::step_size_underflow);
        // times within rounding of r.t count as reached (slack grows with |t|, either sign)
        while (next < times.size() && times[next] <= r.t + 1e-15 * std::abs(r.t) + 1e-300) {
          stepper.interpolate(x, times[next], at);
          if (!detail::observe(obs, at, times[next])) {
            // The state handed back is the one the observer saw, at its time.
            x = at;
            r.t = times[next];
            return finish(status::ok, stop_reason::observer);
          }
          ++next;
        }
      } else {
        dt = h;
        if (h < 1e-14 * std::max(std::abs(r.t), 1.0))
          return finish(status::diverged,
                        stop_reason::step_size_underflow);  // the solution blows up
      }
    }
    // The last accepted step may end past times.back() by rounding (≤ 1e-15 relative): hand back
    // x(times.back()) from the dense output, so x and r.t belong together.
    if (r.steps > 0 && r.t != t_end) {
      stepper.interpolate(x, t_end, at);
      x = at;
      r.t = t_end;
    }
    return finish(status::ok, stop_reason::end_time);
  }
}

}  // namespace nnt
