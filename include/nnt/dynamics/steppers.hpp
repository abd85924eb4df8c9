// nnt/dynamics/steppers.hpp — one step of an ODE method for dx/dt = F(x, t) (Boost.Odeint's shape:
// steppers, systems, observers and integrate functions are separate; dynamics/integrate.hpp
// combines them). Fixed steppers do_step(f, x, t, dt); the adaptive one try_step()s under error
// control and interpolates (dense output). Each declares its `order`.
//   euler_stepper           x ← x + h F(x)                                         order 1
//   heun_stepper            k₁ = F(x), k₂ = F(x + h k₁), x ← x + h(k₁ + k₂)/2       order 2
//   rk4_stepper             classical Runge–Kutta                                  order 4
//   dormand_prince_stepper  5(4) pair with FSAL, ‖err/(atol + rtol·|x|)‖_∞ ≤ 1, Shampine's
//                           order-4 dense output (Hairer, Nørsett & Wanner, "Solving ODEs I")
#pragma once

#include "../core/concepts.hpp"
#include "../core/error.hpp"
#include "../core/types.hpp"

#include <algorithm>
#include <cmath>
#include <concepts>
#include <string>
#include <type_traits>

namespace nnt {

namespace detail {
// Calls the system, then checks what Eigen cannot check in a Release build: that F filled dxdt
// with x's size (a user's F that leaves it smaller would make the step read past its end).
template <class F, class S>
void evaluate_system(F& f, const Vector<S>& x, Vector<S>& dxdt, double t) {
  f(x, dxdt, t);
  if (dxdt.size() != x.size())
    throw_invalid_argument("f", "dxdt of x's size " + std::to_string(x.size()),
                           "a dxdt of size " + std::to_string(dxdt.size()));
}

// A stepper is a public building block: a NaN or infinite time or step would turn x into NaN
// without a status, so it is refused ("dt: expected a finite value, got nan").
inline void require_step(double t, double dt) {
  require_finite("t", t);
  require_finite("dt", dt);
}
}  // namespace detail

/// A fixed-step method: order, evaluations per step, and do_step(f, x, t, dt) advancing x in place.
template <class St, class S = double>
concept fixed_stepper = requires(St& st, Vector<S>& x,
                                 void (*f)(const Vector<S>&, Vector<S>&, double)) {
  { St::order } -> std::convertible_to<int>;
  { St::evaluations_per_step } -> std::convertible_to<int>;
  st.do_step(f, x, 0.0, 1.0);
};

/// An error-controlled method: try_step(f, x, t, dt) → accepted?, and interpolate(x, t, out) on the
/// last accepted step.
template <class St, class S = double>
concept adaptive_stepper = requires(St& st, Vector<S>& x, double& t, double& dt, Vector<S>& out,
                                    void (*f)(const Vector<S>&, Vector<S>&, double)) {
  { St::order } -> std::convertible_to<int>;
  { st.try_step(f, x, t, dt) } -> std::convertible_to<bool>;
  st.interpolate(x, 0.0, out);
  st.reset();
};

/// x ← x + h F(x, t).
template <class S = double>
class euler_stepper {
 public:
  using Scalar = S;                               ///< scalar type of the state x
  static constexpr int order = 1;                 ///< global error O(h)
  static constexpr int evaluations_per_step = 1;  ///< calls of F per do_step
  /// One step of size dt from (x, t) (finite, else nnt::invalid_argument).
  template <class F>
  requires ode_system<F, S>
  void do_step(F& f, Vector<S>& x, double t, double dt) {
    detail::require_step(t, dt);
    detail::evaluate_system(f, x, k_, t);
    x += S(dt) * k_;
  }

 private:
  Vector<S> k_;
};

/// Explicit trapezoid (Heun): k₁ = F(x, t), k₂ = F(x + h k₁, t + h), x ← x + h(k₁ + k₂)/2.
template <class S = double>
class heun_stepper {
 public:
  using Scalar = S;                               ///< scalar type of the state x
  static constexpr int order = 2;                 ///< global error O(h²)
  static constexpr int evaluations_per_step = 2;  ///< calls of F per do_step
  /// One step of size dt from (x, t) (finite, else nnt::invalid_argument).
  template <class F>
  requires ode_system<F, S>
  void do_step(F& f, Vector<S>& x, double t, double dt) {
    detail::require_step(t, dt);
    detail::evaluate_system(f, x, k1_, t);
    tmp_ = x + S(dt) * k1_;
    detail::evaluate_system(f, tmp_, k2_, t + dt);
    x += S(dt / 2) * (k1_ + k2_);
  }

 private:
  Vector<S> k1_, k2_, tmp_;
};

/// The classical fourth-order Runge–Kutta method.
template <class S = double>
class rk4_stepper {
 public:
  using Scalar = S;                               ///< scalar type of the state x
  static constexpr int order = 4;                 ///< global error O(h⁴)
  static constexpr int evaluations_per_step = 4;  ///< calls of F per do_step
  /// One step of size dt from (x, t) (finite, else nnt::invalid_argument).
  template <class F>
  requires ode_system<F, S>
  void do_step(F& f, Vector<S>& x, double t, double dt) {
    detail::require_step(t, dt);
    const S h(dt), half(dt / 2);
    detail::evaluate_system(f, x, k1_, t);
    tmp_ = x + half * k1_;
    detail::evaluate_system(f, tmp_, k2_, t + dt / 2);
    tmp_ = x + half * k2_;
    detail::evaluate_system(f, tmp_, k3_, t + dt / 2);
    tmp_ = x + h * k3_;
    detail::evaluate_system(f, tmp_, k4_, t + dt);
    x += (h / S(6)) * (k1_ + S(2) * (k2_ + k3_) + k4_);
  }

 private:
  Vector<S> k1_, k2_, k3_, k4_, tmp_;
};

/// Adaptive Dormand–Prince 5(4) with FSAL and dense output.
template <class S = double>
class dormand_prince_stepper {
 public:
  using Scalar = S;                ///< scalar type of the state x
  static constexpr int order = 5;  ///< order of the propagated solution (error estimate: order 4)
  /// Accepts a step when max_i |errᵢ|/(absolute_tolerance + relative_tolerance·max(|xᵢ|, |x′ᵢ|))
  /// ≤ 1.
  explicit dormand_prince_stepper(double absolute_tolerance = 1e-8,
                                  double relative_tolerance = 1e-8)
      : atol_(absolute_tolerance), rtol_(relative_tolerance) {
    require_finite("absolute_tolerance", atol_);
    require_finite("relative_tolerance", rtol_);
    require_nonnegative("absolute_tolerance", atol_);
    require_nonnegative("relative_tolerance", rtol_);
    if (!(atol_ > 0 || rtol_ > 0))
      throw_invalid_argument("absolute_tolerance", "atol > 0 or rtol > 0",
                             format_value(atol_) + " and rtol = " + format_value(rtol_));
  }

  /// atol of the acceptance test (≥ 0).
  double absolute_tolerance() const { return atol_; }
  /// rtol of the acceptance test (≥ 0; atol and rtol are not both 0).
  double relative_tolerance() const { return rtol_; }

  /// Forget the FSAL derivative (call when x was changed outside the stepper).
  void reset() { have_k1_ = false; }

  /// Tries one step of size dt from (x, t). Accepted: x, t advance, returns true. Rejected: x, t
  /// unchanged, returns false. Either way dt becomes the proposed next step size. A non-finite t or
  /// dt, or dt = 0, throws nnt::invalid_argument.
  template <class F>
  requires ode_system<F, S>
  bool try_step(F& f, Vector<S>& x, double& t, double& dt) {
    detail::require_step(t, dt);
    if (dt == 0)
      throw_invalid_argument("dt", "a non-zero step (a zero step never advances t)", "0");
    constexpr double c2 = 1.0 / 5, c3 = 3.0 / 10, c4 = 4.0 / 5, c5 = 8.0 / 9;
    constexpr double a21 = 1.0 / 5;
    constexpr double a31 = 3.0 / 40, a32 = 9.0 / 40;
    constexpr double a41 = 44.0 / 45, a42 = -56.0 / 15, a43 = 32.0 / 9;
    constexpr double a51 = 19372.0 / 6561, a52 = -25360.0 / 2187, a53 = 64448.0 / 6561,
                     a54 = -212.0 / 729;
    constexpr double a61 = 9017.0 / 3168, a62 = -355.0 / 33, a63 = 46732.0 / 5247, a64 = 49.0 / 176,
                     a65 = -5103.0 / 18656;
    constexpr double b1 = 35.0 / 384, b3 = 500.0 / 1113, b4 = 125.0 / 192, b5 = -2187.0 / 6784,
                     b6 = 11.0 / 84;
    constexpr double e1 = 71.0 / 57600, e3 = -71.0 / 16695, e4 = 71.0 / 1920,
                     e5 = -17253.0 / 339200, e6 = 22.0 / 525, e7 = -1.0 / 40;
    if (!have_k1_) {
      detail::evaluate_system(f, x, k1_, t);
      ++evaluations_;
      have_k1_ = true;
    }
    const S h(dt);
    dense_valid_ = false;
    tmp_ = x + h * S(a21) * k1_;
    detail::evaluate_system(f, tmp_, k2_, t + c2 * dt);
    tmp_ = x + h * (S(a31) * k1_ + S(a32) * k2_);
    detail::evaluate_system(f, tmp_, k3_, t + c3 * dt);
    tmp_ = x + h * (S(a41) * k1_ + S(a42) * k2_ + S(a43) * k3_);
    detail::evaluate_system(f, tmp_, k4_, t + c4 * dt);
    tmp_ = x + h * (S(a51) * k1_ + S(a52) * k2_ + S(a53) * k3_ + S(a54) * k4_);
    detail::evaluate_system(f, tmp_, k5_, t + c5 * dt);
    tmp_ = x + h * (S(a61) * k1_ + S(a62) * k2_ + S(a63) * k3_ + S(a64) * k4_ + S(a65) * k5_);
    detail::evaluate_system(f, tmp_, k6_, t + dt);
    x_new_ = x + h * (S(b1) * k1_ + S(b3) * k3_ + S(b4) * k4_ + S(b5) * k5_ + S(b6) * k6_);
    detail::evaluate_system(f, x_new_, k7_, t + dt);
    evaluations_ += 6;
    // Scaled max-norm of the embedded error estimate.
    double err = 0;
    if constexpr (std::is_floating_point_v<S>) {
      err = double(
          ((h * (S(e1) * k1_ + S(e3) * k3_ + S(e4) * k4_ + S(e5) * k5_ + S(e6) * k6_ + S(e7) * k7_))
               .array()
               .abs() /
           (S(atol_) + S(rtol_) * x.array().abs().max(x_new_.array().abs())))
              .maxCoeff());
    } else {
      for (Index i = 0; i < x.size(); ++i) {
        const double e =
            double(scalar_value(h * (S(e1) * k1_(i) + S(e3) * k3_(i) + S(e4) * k4_(i) +
                                     S(e5) * k5_(i) + S(e6) * k6_(i) + S(e7) * k7_(i))));
        const double scale = atol_ + rtol_ * std::max(std::abs(double(scalar_value(x(i)))),
                                                      std::abs(double(scalar_value(x_new_(i)))));
        err = std::max(err, std::abs(e) / scale);
      }
    }
    if (!std::isfinite(err)) err = 1e300;  // non-finite stages: reject and shrink hard
    // Step-size control, exponent 1/5, safety 0.9, growth limited to [0.2, 5].
    const double factor = err == 0 ? 5.0 : std::clamp(0.9 * std::pow(err, -0.2), 0.2, 5.0);
    if (err <= 1) {
      // Accept. Dense output is computed lazily in interpolate() from y₀ (kept in x_new_ by the
      // swap), the stages k₁ (now k7_ after the FSAL swap), k₃…k₆ and k₇ (now k1_).
      x.swap(x_new_);
      k1_.swap(k7_);  // FSAL
      t_prev_ = t;
      h_prev_ = dt;
      t += dt;
      ++accepted_;
      dense_valid_ = true;
      dt *= factor;
      return true;
    }
    ++rejected_;
    dt *= std::min(factor, 1.0);
    return false;
  }

  /// x(t_query) on the last accepted step [t_prev, t_prev + h] by the order-4 continuous extension
  /// (Hairer–Nørsett–Wanner's contd5, Shampine's coefficients); x_now is the state that step
  /// produced. Only right after an accepted try_step: the stages are overwritten by the next one,
  /// so any other call throws nnt::invalid_argument.
  void interpolate(const Vector<S>& x_now, double t_query, Vector<S>& out) const {
    if (!dense_valid_)
      throw_invalid_argument("interpolate", "a call right after an accepted try_step",
                             accepted_ == 0 ? "no accepted step yet" : "a rejected step since");
    constexpr double d1 = -12715105075.0 / 11282082432, d3 = 87487479700.0 / 32700410799,
                     d4 = -10690763975.0 / 1880347072, d5 = 701980252875.0 / 199316789632,
                     d6 = -1453857185.0 / 822651844, d7 = 69997945.0 / 29380423;
    require_finite("t_query", t_query);
    require_size("x_now", x_new_.size(), x_now.size());
    const Vector<S>& y0 = x_new_;
    const Vector<S>& k1 = k7_;  // the swapped FSAL stages of the accepted step
    const Vector<S>& k7 = k1_;
    const S h(h_prev_), theta((t_query - t_prev_) / h_prev_), one(1);
    const Vector<S> r2 = x_now - y0;
    const Vector<S> r3 = h * k1 - r2;
    const Vector<S> r4 = r2 - h * k7 - r3;
    const Vector<S> r5 =
        h * (S(d1) * k1 + S(d3) * k3_ + S(d4) * k4_ + S(d5) * k5_ + S(d6) * k6_ + S(d7) * k7);
    out = y0 + theta * (r2 + (one - theta) * (r3 + theta * (r4 + (one - theta) * r5)));
  }
  /// t_prev, the start of the last accepted step (0 before any).
  double last_step_start() const { return t_prev_; }
  /// h of the last accepted step, so interpolate() covers [t_prev, t_prev + h] (1 before any).
  double last_step_size() const { return h_prev_; }
  /// try_step calls that were accepted, since construction (reset() keeps the counters).
  Index accepted_steps() const { return accepted_; }
  /// try_step calls that were rejected, since construction.
  Index rejected_steps() const { return rejected_; }
  /// Calls of F since construction: 6 per try_step, plus 1 whenever the FSAL derivative is
  /// recomputed (the first step and the first after reset()).
  Index evaluations() const { return evaluations_; }

 private:
  double atol_, rtol_;
  bool have_k1_ = false, dense_valid_ = false;
  Vector<S> k1_, k2_, k3_, k4_, k5_, k6_, k7_, tmp_, x_new_;
  double t_prev_ = 0, h_prev_ = 1;
  Index accepted_ = 0, rejected_ = 0, evaluations_ = 0;
};

}  // namespace nnt
