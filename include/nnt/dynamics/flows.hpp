// nnt/dynamics/flows.hpp — continuous-time training dynamics as ode_systems and exact flows:
//   gradient_flow(f)   the system dθ/dt = −∇f(θ) of any nnt::objective (integrate it with
//                      dynamics/integrate.hpp)
//   linear_flow        the exact flow of dθ/dt = −H(θ − θ*), θ(t) = θ* + Q e^{−tΛ} Qᵀ(θ₀ − θ*),
//                      from one eigendecomposition H = QΛQᵀ (the gradient flow of a quadratic)
#pragma once

#include "../core/concepts.hpp"
#include "../core/error.hpp"
#include "../core/status.hpp"
#include "../core/types.hpp"

#include <Eigen/Eigenvalues>

#include <cmath>

namespace nnt {

/// dθ/dt = −∇f(θ) for any objective (holds a reference to f).
template <class Objective, class S = double>
requires objective<Objective, S>
class gradient_flow {
 public:
  /// Wraps f by reference (f must outlive the flow); each call of the system is one
  /// f.value_and_gradient.
  explicit gradient_flow(Objective& f) : f_(f) {}
  /// dtheta = −∇f(theta).
  void operator()(const Vector<S>& theta, Vector<S>& dtheta, double) {
    f_.value_and_gradient(theta, dtheta);
    dtheta = -dtheta;
  }

 private:
  Objective& f_;
};

/// θ(t) of the flow, with a status: overflow when e^{−tλ} leaves the range (λ < 0 at large t).
template <class S = double>
struct flow_state {
  Vector<S> theta;                  ///< θ(t) (with non-finite entries when status is overflow)
  nnt::status status = status::ok;  ///< ok, or overflow when some entry of θ(t) is not finite
};

/// Exact flow of dθ/dt = −H(θ − θ*) for symmetric H (the gradient flow of ½(θ − θ*)ᵀH(θ − θ*)).
template <class S = double>
class linear_flow {
 public:
  /// H symmetric (‖H − Hᵀ‖ ≤ 1e-12‖H‖) and finite, θ* finite.
  linear_flow(const matrix_arg<S>& H, const vector_arg<S>& theta_star) : theta_star_(theta_star) {
    require_rows("H", H.cols(), H.rows());
    require_size("theta_star", H.rows(), theta_star.size());
    require_finite("H", H);
    require_finite("theta_star", theta_star);
    const S asymmetry = (H - H.transpose()).stableNorm();  // norm() is inf ≤ inf at entries ≳ 1e154
    if (!(asymmetry <= S(1e-12) * H.stableNorm()))
      throw_invalid_argument("H", "a symmetric matrix", "‖H − Hᵀ‖ = " + format_value(asymmetry));
    Eigen::SelfAdjointEigenSolver<Matrix<S>> es(H);
    Q_ = es.eigenvectors();
    lambda_ = es.eigenvalues();
  }
  /// θ(t) from θ(0) = theta0 (t finite, ≥ 0), with status overflow if it leaves the range.
  flow_state<S> state_at(double t, const vector_arg<S>& theta0) const {
    require_finite("t", t);
    require_nonnegative("t", t);
    require_size("theta0", theta_star_.size(), theta0.size());
    require_finite("theta0", theta0);
    const Vector<S> decay = (-S(t) * lambda_.array()).exp().matrix();
    flow_state<S> r;
    r.theta = theta_star_ + Q_ * decay.asDiagonal() * (Q_.transpose() * (theta0 - theta_star_));
    if (!r.theta.allFinite()) r.status = status::overflow;
    return r;
  }
  /// θ(t) alone; throws nnt::numerical_error when it overflows (use state_at for the status).
  Vector<S> at(double t, const vector_arg<S>& theta0) const {
    return throw_unless_ok(state_at(t, theta0), "linear_flow::at").theta;
  }
  /// The eigenvalues of H, ascending.
  const Vector<S>& eigenvalues() const { return lambda_; }

 private:
  Vector<S> theta_star_, lambda_;
  Matrix<S> Q_;
};

}  // namespace nnt
