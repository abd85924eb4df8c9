// nnt/dynamics/integrators.hpp — ODE integrators for dθ/dt = F(θ, t), in Boost.Odeint's shape:
// steppers (one step of a method), systems (anything callable as f(x, dxdt, t)), observers
// (called as obs(x, t), may return false to stop) and integrate functions that combine them.
//   euler_stepper          x ← x + h F(x)                                        order 1
//   heun_stepper           explicit trapezoid: k₁ = F(x), k₂ = F(x + h k₁), x ← x + h(k₁ + k₂)/2   order 2
//   rk4_stepper            classical Runge–Kutta                                 order 4
//   dormand_prince_stepper 5(4) pair with FSAL, error control ‖err/(atol + rtol·|x|)‖_∞ ≤ 1,
//                          step rejection, and Shampine's (1986) 5th-order continuous extension for
//                          dense output (Hairer, Nørsett & Wanner, "Solving ODEs I", II.5–6)
//   linear_flow            exact flow of dθ/dt = −H(θ − θ*): θ(t) = θ* + Q e^{−tΛ} Qᵀ(θ₀ − θ*)
//                          from one symmetric eigendecomposition H = QΛQᵀ
//   gradient_flow(f)       the system dθ/dt = −∇f(θ) of any nnt::objective
// A state that turns non-finite stops the integration with status::diverged.
#pragma once

#include "../core/error.hpp"
#include "../core/objective.hpp"
#include "../core/status.hpp"
#include "../core/types.hpp"

#include <Eigen/Eigenvalues>

#include <algorithm>
#include <cmath>
#include <type_traits>
#include <vector>

namespace nnt {

template <class F, class S = double>
concept ode_system = requires(F& f, const Vector<S>& x, Vector<S>& dxdt, double t) { f(x, dxdt, t); };

struct integration_result {
  status state = status::ok;  ///< ok, diverged (non-finite state) or not_converged (step budget)
  double t = 0;               ///< time reached
  Index steps = 0;            ///< accepted steps
  Index rejected_steps = 0;   ///< adaptive steppers only
  Index evaluations = 0;      ///< calls of the system
  bool stopped_by_observer = false;
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
}  // namespace detail

/// A do-nothing observer.
struct no_observer {
  template <class S> void operator()(const Vector<S>&, double) const {}
};

template <class S = double>
class euler_stepper {
 public:
  static constexpr int order = 1;
  static constexpr int evaluations_per_step = 1;
  template <class F>
  void do_step(F& f, Vector<S>& x, double t, double dt) {
    f(x, k_, t);
    x += S(dt) * k_;
  }

 private:
  Vector<S> k_;
};

template <class S = double>
class heun_stepper {
 public:
  static constexpr int order = 2;
  static constexpr int evaluations_per_step = 2;
  template <class F>
  void do_step(F& f, Vector<S>& x, double t, double dt) {
    f(x, k1_, t);
    tmp_ = x + S(dt) * k1_;
    f(tmp_, k2_, t + dt);
    x += S(dt / 2) * (k1_ + k2_);
  }

 private:
  Vector<S> k1_, k2_, tmp_;
};

template <class S = double>
class rk4_stepper {
 public:
  static constexpr int order = 4;
  static constexpr int evaluations_per_step = 4;
  template <class F>
  void do_step(F& f, Vector<S>& x, double t, double dt) {
    const S h(dt), half(dt / 2);
    f(x, k1_, t);
    tmp_ = x + half * k1_;
    f(tmp_, k2_, t + dt / 2);
    tmp_ = x + half * k2_;
    f(tmp_, k3_, t + dt / 2);
    tmp_ = x + h * k3_;
    f(tmp_, k4_, t + dt);
    x += (h / S(6)) * (k1_ + S(2) * (k2_ + k3_) + k4_);
  }

 private:
  Vector<S> k1_, k2_, k3_, k4_, tmp_;
};

/// Fixed steps of dt from t0 to t1 (the last one shortened to land on t1); obs at t0 and after
/// every step.
template <class Stepper, class F, class S, class Observer = no_observer>
integration_result integrate_const(Stepper& stepper, F&& f, Vector<S>& x, double t0, double t1,
                                   double dt, Observer obs = {}) {
  detail::require_state(x);
  detail::require_step(dt);
  require_finite("t0", t0);
  require_finite("t1", t1);
  if (t1 < t0) throw_invalid_argument("t1", "t1 ≥ t0 = " + format_value(t0), format_value(t1));
  integration_result r;
  r.t = t0;
  if (!detail::observe(obs, x, t0)) {
    r.stopped_by_observer = true;
    return r;
  }
  while (r.t < t1) {
    // Land exactly on t1; a remainder below 1e-12·dt is absorbed into the previous step.
    const double h = (t1 - r.t) <= dt * (1 + 1e-12) ? t1 - r.t : dt;
    stepper.do_step(f, x, r.t, h);
    r.t = (t1 - r.t) <= dt * (1 + 1e-12) ? t1 : r.t + h;
    ++r.steps;
    r.evaluations += Stepper::evaluations_per_step;
    if (!x.allFinite()) {
      r.state = status::diverged;
      return r;
    }
    if (!detail::observe(obs, x, r.t)) {
      r.stopped_by_observer = true;
      return r;
    }
  }
  return r;
}

/// Adaptive Dormand–Prince 5(4) with FSAL and dense output.
template <class S = double>
class dormand_prince_stepper {
 public:
  static constexpr int order = 5;
  dormand_prince_stepper(double absolute_tolerance = 1e-8, double relative_tolerance = 1e-8)
      : atol_(absolute_tolerance), rtol_(relative_tolerance) {
    require_finite("absolute_tolerance", atol_);
    require_finite("relative_tolerance", rtol_);
    require_nonnegative("absolute_tolerance", atol_);
    require_nonnegative("relative_tolerance", rtol_);
    if (!(atol_ > 0 || rtol_ > 0))
      throw_invalid_argument("absolute_tolerance", "atol > 0 or rtol > 0",
                             format_value(atol_) + " and rtol = " + format_value(rtol_));
  }

  double absolute_tolerance() const { return atol_; }
  double relative_tolerance() const { return rtol_; }

  /// Forget the FSAL derivative (call when x was changed outside the stepper).
  void reset() { have_k1_ = false; }

  /// Tries one step of size dt from (x, t). Accepted: x, t advance, returns true. Rejected: x, t
  /// unchanged, returns false. Either way dt becomes the proposed next step size.
  template <class F>
  bool try_step(F& f, Vector<S>& x, double& t, double& dt) {
    constexpr double c2 = 1.0 / 5, c3 = 3.0 / 10, c4 = 4.0 / 5, c5 = 8.0 / 9;
    constexpr double a21 = 1.0 / 5;
    constexpr double a31 = 3.0 / 40, a32 = 9.0 / 40;
    constexpr double a41 = 44.0 / 45, a42 = -56.0 / 15, a43 = 32.0 / 9;
    constexpr double a51 = 19372.0 / 6561, a52 = -25360.0 / 2187, a53 = 64448.0 / 6561,
                     a54 = -212.0 / 729;
    constexpr double a61 = 9017.0 / 3168, a62 = -355.0 / 33, a63 = 46732.0 / 5247,
                     a64 = 49.0 / 176, a65 = -5103.0 / 18656;
    constexpr double b1 = 35.0 / 384, b3 = 500.0 / 1113, b4 = 125.0 / 192, b5 = -2187.0 / 6784,
                     b6 = 11.0 / 84;
    constexpr double e1 = 71.0 / 57600, e3 = -71.0 / 16695, e4 = 71.0 / 1920,
                     e5 = -17253.0 / 339200, e6 = 22.0 / 525, e7 = -1.0 / 40;
    if (!have_k1_) {
      f(x, k1_, t);
      ++evaluations_;
      have_k1_ = true;
    }
    const S h(dt);
    tmp_ = x + h * S(a21) * k1_;
    f(tmp_, k2_, t + c2 * dt);
    tmp_ = x + h * (S(a31) * k1_ + S(a32) * k2_);
    f(tmp_, k3_, t + c3 * dt);
    tmp_ = x + h * (S(a41) * k1_ + S(a42) * k2_ + S(a43) * k3_);
    f(tmp_, k4_, t + c4 * dt);
    tmp_ = x + h * (S(a51) * k1_ + S(a52) * k2_ + S(a53) * k3_ + S(a54) * k4_);
    f(tmp_, k5_, t + c5 * dt);
    tmp_ = x + h * (S(a61) * k1_ + S(a62) * k2_ + S(a63) * k3_ + S(a64) * k4_ + S(a65) * k5_);
    f(tmp_, k6_, t + dt);
    x_new_ = x + h * (S(b1) * k1_ + S(b3) * k3_ + S(b4) * k4_ + S(b5) * k5_ + S(b6) * k6_);
    f(x_new_, k7_, t + dt);
    evaluations_ += 6;
    // Scaled max-norm of the embedded error estimate.
    double err = 0;
    if constexpr (std::is_floating_point_v<S>) {
      err = double(((h * (S(e1) * k1_ + S(e3) * k3_ + S(e4) * k4_ + S(e5) * k5_ + S(e6) * k6_ +
                          S(e7) * k7_)).array().abs() /
                    (S(atol_) + S(rtol_) * x.array().abs().max(x_new_.array().abs())))
                       .maxCoeff());
    } else {
      for (Index i = 0; i < x.size(); ++i) {
        const double e = double(scalar_value(h * (S(e1) * k1_(i) + S(e3) * k3_(i) + S(e4) * k4_(i) +
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
      dt *= factor;
      return true;
    }
    ++rejected_;
    dt *= std::min(factor, 1.0);
    return false;
  }

  /// x(t_query) on the last accepted step [t_prev, t_prev + h], 5th-order accurate (Hairer's
  /// contd5 with Shampine's coefficients); x_now is the state that step produced. Valid until the
  /// next try_step.
  void interpolate(const Vector<S>& x_now, double t_query, Vector<S>& out) const {
    constexpr double d1 = -12715105075.0 / 11282082432, d3 = 87487479700.0 / 32700410799,
                     d4 = -10690763975.0 / 1880347072, d5 = 701980252875.0 / 199316789632,
                     d6 = -1453857185.0 / 822651844, d7 = 69997945.0 / 29380423;
    const Vector<S>& y0 = x_new_;
    const Vector<S>& k1 = k7_;  // the swapped FSAL stages of the accepted step
    const Vector<S>& k7 = k1_;
    const S h(h_prev_), theta((t_query - t_prev_) / h_prev_), one(1);
    const Vector<S> r2 = x_now - y0;
    const Vector<S> r3 = h * k1 - r2;
    const Vector<S> r4 = r2 - h * k7 - r3;
    const Vector<S> r5 = h * (S(d1) * k1 + S(d3) * k3_ + S(d4) * k4_ + S(d5) * k5_ + S(d6) * k6_ + S(d7) * k7);
    out = y0 + theta * (r2 + (one - theta) * (r3 + theta * (r4 + (one - theta) * r5)));
  }
  double last_step_start() const { return t_prev_; }
  double last_step_size() const { return h_prev_; }
  Index accepted_steps() const { return accepted_; }
  Index rejected_steps() const { return rejected_; }
  Index evaluations() const { return evaluations_; }

 private:
  double atol_, rtol_;
  bool have_k1_ = false;
  Vector<S> k1_, k2_, k3_, k4_, k5_, k6_, k7_, tmp_, x_new_;
  double t_prev_ = 0, h_prev_ = 1;
  Index accepted_ = 0, rejected_ = 0, evaluations_ = 0;
};

/// Adaptive integration from times.front() to times.back(); obs(x(tᵢ), tᵢ) at every requested
/// time from the dense output (the steps themselves are chosen by error control).
template <class F, class S, class Observer = no_observer>
integration_result integrate_times(dormand_prince_stepper<S>& stepper, F&& f, Vector<S>& x,
                                   const std::vector<double>& times, double dt,
                                   Observer obs = {}, Index max_steps = 1000000) {
  detail::require_state(x);
  detail::require_step(dt);
  require_at_least<Index>("times.size()", static_cast<Index>(times.size()), 1);
  for (std::size_t i = 0; i < times.size(); ++i) {
    require_finite("times", times[i]);
    if (i > 0 && times[i] < times[i - 1])
      throw_invalid_argument("times", "non-decreasing times",
                             format_value(times[i]) + " after " + format_value(times[i - 1]));
  }
  stepper.reset();
  integration_result r;
  r.t = times.front();
  const Index evaluations_before = stepper.evaluations();
  const Index rejected_before = stepper.rejected_steps();
  std::size_t next = 0;
  Vector<S> at;
  while (next < times.size() && times[next] <= r.t) {
    if (!detail::observe(obs, x, times[next])) {
      r.stopped_by_observer = true;
      return r;
    }
    ++next;
  }
  const double t_end = times.back();
  while (next < times.size()) {
    if (r.steps >= max_steps) {
      r.state = status::not_converged;
      break;
    }
    double h = std::min(dt, t_end - r.t);
    if (stepper.try_step(f, x, r.t, h)) {
      ++r.steps;
      // Keep the controller's proposal unless the step was only cut short to hit t_end.
      dt = h;
      if (!x.allFinite()) {
        r.state = status::diverged;
        break;
      }
      while (next < times.size() && times[next] <= r.t * (1 + 1e-15) + 1e-300) {
        stepper.interpolate(x, times[next], at);
        if (!detail::observe(obs, at, times[next])) {
          r.stopped_by_observer = true;
          next = times.size();
          break;
        }
        ++next;
      }
    } else {
      dt = h;
      if (h < 1e-14 * std::max(std::abs(r.t), 1.0)) {
        r.state = status::diverged;  // step size underflow: the solution blows up
        break;
      }
    }
  }
  r.evaluations = stepper.evaluations() - evaluations_before;
  r.rejected_steps = stepper.rejected_steps() - rejected_before;
  return r;
}

/// dθ/dt = −∇f(θ) for any objective.
template <class Objective, class S = double>
class gradient_flow {
 public:
  explicit gradient_flow(Objective& f) : f_(f) {}
  void operator()(const Vector<S>& theta, Vector<S>& dtheta, double) {
    f_.value_and_gradient(theta, dtheta);
    dtheta = -dtheta;
  }

 private:
  Objective& f_;
};

/// Exact flow of dθ/dt = −H(θ − θ*) for symmetric H (the gradient flow of ½(θ−θ*)ᵀH(θ−θ*)).
template <class S = double>
class linear_flow {
 public:
  linear_flow(const matrix_arg<S>& H, const vector_arg<S>& theta_star) : theta_star_(theta_star) {
    require_rows("H", H.cols(), H.rows());
    require_size("theta_star", H.rows(), theta_star.size());
    require_finite("H", H);
    require_finite("theta_star", theta_star);
    const S asymmetry = (H - H.transpose()).norm();
    if (!(asymmetry <= S(1e-12) * H.norm()))
      throw_invalid_argument("H", "a symmetric matrix", "‖H − Hᵀ‖ = " + format_value(asymmetry));
    Eigen::SelfAdjointEigenSolver<Matrix<S>> es(H);
    Q_ = es.eigenvectors();
    lambda_ = es.eigenvalues();
  }
  /// θ(t) from θ(0) = theta0.
  Vector<S> at(double t, const vector_arg<S>& theta0) const {
    require_size("theta0", theta_star_.size(), theta0.size());
    using std::exp;
    const Vector<S> decay = (-S(t) * lambda_.array()).exp().matrix();
    return theta_star_ + Q_ * decay.asDiagonal() * (Q_.transpose() * (theta0 - theta_star_));
  }
  const Vector<S>& eigenvalues() const { return lambda_; }

 private:
  Vector<S> theta_star_, lambda_;
  Matrix<S> Q_;
};

}  // namespace nnt
