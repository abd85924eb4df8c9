// nnt/dynamics/schedules.hpp — learning-rate schedules t ↦ η_t (t = 0, 1, … the update index) and
// learning_rate, what every optimizer takes: a plain number or any schedule.
//   constant_schedule  η
//   step_schedule      η₀ · factor^⌊t / every⌋
//   cosine_schedule    η_min + (η₀ − η_min)(1 + cos(π t / total))/2, then η_min from t = total
//   warmup_schedule    η_inner(0)·(t + 1)/steps for t < steps, then η_inner(t − steps)
#pragma once

#include "../core/error.hpp"
#include "../core/types.hpp"

#include <cmath>
#include <concepts>
#include <functional>
#include <numbers>
#include <utility>

namespace nnt {

/// η at every step.
struct constant_schedule {
  double eta;  ///< η, the rate at every step (finite, > 0: checked when a learning_rate draws it)
  /// η, whatever the step index.
  double operator()(Index) const { return eta; }
};

/// η₀ · factor^⌊t / every⌋ (every ≥ 1).
struct step_schedule {
  double eta0;    ///< η₀, the rate of the first stage (t < every)
  double factor;  ///< multiplier at every stage boundary (e.g. 0.1), > 0 (checked on every call)
  Index every;    ///< stage length in steps, ≥ 1 (checked on every call)
  /// η₀ · factor^⌊t / every⌋; throws nnt::invalid_argument when every < 1 or factor ≤ 0 — at the
  /// first draw, not after the first stage, so a run never dies half-way.
  double operator()(Index t) const {
    if (every < 1)
      throw_invalid_argument("step_schedule.every", "at least 1", std::to_string(every));
    require_positive("step_schedule.factor", factor);
    return eta0 * std::pow(factor, double(t / every));
  }
};

/// η_min + (η₀ − η_min)(1 + cos(π t / total))/2, then η_min after `total` steps (total ≥ 1).
struct cosine_schedule {
  double eta0;     ///< η₀, the rate at t = 0
  double eta_min;  ///< η_min > 0, reached at t = total and kept from then on (checked every call)
  Index total;     ///< length of the cosine decay in steps, ≥ 1 (checked on every call)
  /// η_min + (η₀ − η_min)(1 + cos(π t / total))/2 for t < total, η_min for t ≥ total; throws
  /// nnt::invalid_argument when total < 1 or η_min ≤ 0 (every rate must be positive) at the first
  /// draw, not when the decay reaches it.
  double operator()(Index t) const {
    if (total < 1)
      throw_invalid_argument("cosine_schedule.total", "at least 1", std::to_string(total));
    require_positive("cosine_schedule.eta_min", eta_min);
    if (t >= total) return eta_min;
    return eta_min +
           (eta0 - eta_min) * (1 + std::cos(std::numbers::pi * double(t) / double(total))) / 2;
  }
};

/// Linear warm-up from 0 over `steps` steps, then the inner schedule (shifted to start at 0).
template <class Inner>
struct warmup_schedule {
  Inner inner;  ///< the schedule after warm-up, called as inner(t − steps); inner(0) is the target
  Index steps;  ///< warm-up length in steps, ≥ 0 (checked on every call; 0 means no warm-up)
  /// inner(0)·(t + 1)/steps for t < steps (inner(0) at t = steps − 1), then inner(t − steps);
  /// throws nnt::invalid_argument when steps < 0.
  double operator()(Index t) const {
    if (steps < 0)
      throw_invalid_argument("warmup_schedule.steps", "at least 0", std::to_string(steps));
    return t < steps ? inner(0) * double(t + 1) / double(steps) : inner(t - steps);
  }
};

/// A learning rate: a plain number (`adam(f, θ, 1e-3)`) or a schedule, any callable double(Index).
/// Every η_t an optimizer uses is checked to be finite and positive when it is drawn.
class learning_rate {
 public:
  /// The constant rate η (implicit, so a plain number can be passed); throws nnt::invalid_argument
  /// unless η is finite and > 0.
  learning_rate(double eta) : constant_(eta) {  // NOLINT: implicit on purpose
    require_finite("learning rate", eta);
    require_positive("learning rate", eta);
  }
  /// A schedule: any callable double(Index) not convertible to double (implicit). η_0 is drawn and
  /// checked at once, so a bad first rate throws nnt::invalid_argument here; later ones when drawn.
  template <class Schedule>
  requires(!std::convertible_to<Schedule, double> && std::invocable<const Schedule&, Index>)
      learning_rate(Schedule schedule)
      : schedule_(std::move(schedule)) {  // NOLINT: implicit on purpose
    (*this)(0);                           // validates the first rate now
  }

  /// η_t; "learning rate: expected a positive value, got -0.1 (at step 12)" if the schedule
  /// misbehaves.
  double operator()(Index t) const {
    if (!schedule_) return constant_;
    const double eta = schedule_(t);
    if (!(std::isfinite(eta) && eta > 0))
      throw_invalid_argument("learning rate", "a finite positive value",
                             format_value(eta) + " (at step " + std::to_string(t) + ")");
    return eta;
  }
  /// True when the rate does not depend on t.
  bool is_constant() const { return !schedule_; }

 private:
  double constant_ = 0;
  std::function<double(Index)> schedule_;
};

}  // namespace nnt
