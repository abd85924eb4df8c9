// nnt/experiments/diagonal_linear_net.hpp — implicit bias of diagonal linear networks (COURSE.md
// D4; Woodworth et al. 2020): β = u⊙u − v⊙v, u₀ = v₀ = αθ₀, gradient flow on L = ½‖Xᵀβ − y‖² (X is
// d × N, N < d), u̇ = −2u ⊙ Xr, v̇ = 2v ⊙ Xr, r = Xᵀβ − y. Its limit minimises Q_α(β) = Σ_i c_i
// q(β_i/c_i), c_i = α²θ₀ᵢ², q(z) = 2 − √(4 + z²) + z asinh(z/2), subject to Xᵀβ = y; independently,
// stationarity asinh(β_i/(2c_i)) = (Xλ)_i gives β(λ) = 2c ⊙ sinh(Xλ), and damped Newton on the dual
// F(λ) = Xᵀβ(λ) − y solves it. Limits: α → 0 the minimum-ℓ₁ interpolant, α → ∞ the minimum
// Σβ_i²/c_i one β = C X (Xᵀ C X)⁻¹ y.
#pragma once

#include "../core/error.hpp"
#include "../core/status.hpp"
#include "../core/stopping.hpp"
#include "../core/types.hpp"
#include "../dynamics/integrate.hpp"
#include "../dynamics/steppers.hpp"

#include <Eigen/Cholesky>
#include <Eigen/LU>

#include <cmath>
#include <limits>
#include <string>
#include <vector>

namespace nnt {

namespace detail {
template <class D>
Vector<double> q_alpha_scales(Index d, double alpha, const Eigen::MatrixBase<D>& theta0) {
  require_finite("alpha", alpha);
  require_positive("alpha", alpha);
  const Vector<double> t0 = theta0.size() ? Vector<double>(theta0) : Vector<double>::Ones(d);
  require_size("theta0", d, t0.size());
  for (Index i = 0; i < d; ++i)
    if (!(t0(i) > 0 && std::isfinite(t0(i))))
      throw_invalid_argument("theta0(" + std::to_string(i) + ")", "a finite positive value",
                             format_value(t0(i)));
  const Vector<double> c = (alpha * alpha) * t0.array().square().matrix();
  if (!(c.minCoeff() > 0) || !c.allFinite())
    throw_invalid_argument("alpha", "a scale with 0 < α²θ₀ᵢ² < inf", format_value(alpha));
  return c;
}
}  // namespace detail

/// Options of diagonal_net_gradient_flow(): initial shape, stopping tests and integrator.
struct diagonal_flow_options {
  Vector<double> theta0{};  ///< initial shape θ₀ > 0 (empty: all ones)
  double tolerance = 1e-10;  ///< stop (ok) when ‖Xᵀβ − y‖ ≤ tolerance at an observation time
  double t_max = 1e8;        ///< stop (not_converged) at this time
  double absolute_tolerance = 1e-12;  ///< DOPRI5 absolute error tolerance per step
  double relative_tolerance = 1e-12;  ///< DOPRI5 relative error tolerance per step
  /// Observation times 1e-3·10^(k/observations_per_decade) up to t_max, in [1e-3, 1e4].
  double observations_per_decade = 5.7;
  Index max_steps = 10000000;  ///< accepted DOPRI5 steps
};

/// The outcome of diagonal_net_gradient_flow(): β(t) where the flow stopped, and why.
struct diagonal_net_result {
  Vector<double> beta;  ///< β at time t
  double t = 0;         ///< the time β belongs to
  double residual = 0;  ///< ‖Xᵀβ − y‖ of that β
  /// ok when ‖Xᵀβ − y‖ ≤ tolerance; not_converged at t_max or after max_steps; stalled or
  /// diverged when the integration fails (then β is the state where it stopped).
  nnt::status status = status::not_converged;
  /// tolerance (ok), end_time or iteration_limit (not_converged), else the integrator's reason
  /// (no_progress, non_finite, step_size_underflow).
  nnt::stop_reason stop_reason = stop_reason::none;
};

/// Gradient flow of the diagonal linear net from u₀ = v₀ = αθ₀ until ‖Xᵀβ − y‖ ≤ tolerance (DOPRI5,
/// checked on the dense output at the observation times; the β returned is the one checked).
template <class DX, class DY>
diagonal_net_result diagonal_net_gradient_flow(const Eigen::MatrixBase<DX>& X_,
                                               const Eigen::MatrixBase<DY>& y_, double alpha,
                                               const diagonal_flow_options& o = {}) {
  const Matrix<double> X = X_;
  const Vector<double> y = y_;
  require_examples_and_targets(X, y);
  const Index d = X.rows();
  const Vector<double> c = detail::q_alpha_scales(d, alpha, o.theta0);
  require_positive("tolerance", o.tolerance);
  require_finite("t_max", o.t_max);
  require_in_range("t_max", o.t_max, 1e-3, 1e300);
  // ≤ 1e4 per decade keeps the time ratio 10^(1/k) > 1 (k = inf would never reach t_max).
  require_in_range("observations_per_decade", o.observations_per_decade, 1e-3, 1e4);
  Vector<double> state(2 * d);
  state.head(d) = c.cwiseSqrt();  // u₀ = αθ₀
  state.tail(d) = c.cwiseSqrt();  // v₀ = αθ₀
  auto flow = [&](const Vector<double>& s, Vector<double>& ds, double) {
    const Vector<double> beta = s.head(d).cwiseAbs2() - s.tail(d).cwiseAbs2();
    const Vector<double> g = X * (X.transpose() * beta - y);
    ds.resize(2 * d);
    ds.head(d) = -2 * s.head(d).cwiseProduct(g);
    ds.tail(d) = 2 * s.tail(d).cwiseProduct(g);
  };
  const double ratio = std::pow(10.0, 1.0 / o.observations_per_decade);
  std::vector<double> times{0.0};
  for (double t = 1e-3; t < o.t_max; t *= ratio) times.push_back(t);
  times.push_back(o.t_max);
  dormand_prince_stepper<double> stepper(o.absolute_tolerance, o.relative_tolerance);
  auto fitted = [&](const Vector<double>& s, double) {
    const Vector<double> beta = s.head(d).cwiseAbs2() - s.tail(d).cwiseAbs2();
    return (X.transpose() * beta - y).norm() > o.tolerance;  // false stops
  };
  const auto ir =
      integrate_times(stepper, flow, state, times, 1e-3, fitted, integration_options{o.max_steps});
  diagonal_net_result r;
  r.beta = state.head(d).cwiseAbs2() - state.tail(d).cwiseAbs2();
  r.t = ir.t;
  r.residual = (X.transpose() * r.beta - y).norm();
  if (ir.status != status::ok) {
    r.status = ir.status;
    r.stop_reason = ir.stop_reason;
  } else if (ir.stop_reason == stop_reason::observer) {
    r.status = status::ok;
    r.stop_reason = stop_reason::tolerance;
  } else {
    r.status = r.residual <= o.tolerance ? status::ok : status::not_converged;
    r.stop_reason = r.residual <= o.tolerance ? stop_reason::tolerance : stop_reason::end_time;
  }
  return r;
}

/// Options of minimize_q_alpha(): the initial shape θ₀ and the Newton stopping test.
struct q_alpha_options {
  Vector<double> theta0{};  ///< θ₀ > 0 (empty: all ones)
  /// ok when ‖F(λ)‖ = ‖Xᵀβ(λ) − y‖ ≤ tolerance·max(1, ‖y‖); at most max_iterations Newton steps.
  solver_stopping stop = {.max_iterations = 500, .tolerance = 1e-12};
};

/// The outcome of minimize_q_alpha(): the minimiser β, its dual λ and how Newton ended.
struct q_alpha_result {
  Vector<double> beta, lambda;
  /// \var beta
  /// β(λ) = 2c ⊙ sinh(Xλ) at the final λ (d entries).
  /// \var lambda
  /// The dual variables λ (N entries), starting from 0.
  double kkt_residual =
      0;  ///< ‖Xᵀβ − y‖ with β = 2c ⊙ sinh(Xλ) (stationarity holds by construction)
  Index iterations = 0;  ///< damped Newton steps taken, ≤ stop.max_iterations
  /// ok; not_converged (budget spent); diverged (F not finite along the step); stalled (the line
  /// search found no decrease of ‖F‖).
  nnt::status status = status::not_converged;
  /// tolerance, iteration_limit, non_finite or line_search_failure, matching status.
  nnt::stop_reason stop_reason = stop_reason::none;
};

/// argmin Q_α(β) s.t. Xᵀβ = y by damped Newton on the dual.
template <class DX, class DY>
q_alpha_result minimize_q_alpha(const Eigen::MatrixBase<DX>& X_, const Eigen::MatrixBase<DY>& y_,
                                double alpha, const q_alpha_options& o = {}) {
  const Matrix<double> X = X_;
  const Vector<double> y = y_;
  require_examples_and_targets(X, y);
  require_stopping(o.stop);
  const Vector<double> c = detail::q_alpha_scales(X.rows(), alpha, o.theta0);
  q_alpha_result r;
  r.lambda = Vector<double>::Zero(X.cols());
  auto beta_of = [&](const Vector<double>& lambda) {
    return Vector<double>((2 * c.array() * (X * lambda).array().sinh()).matrix());
  };
  auto F = [&](const Vector<double>& lambda) {
    return Vector<double>(X.transpose() * beta_of(lambda) - y);
  };
  Vector<double> f = F(r.lambda);
  const double scale = std::max(1.0, y.norm());
  r.stop_reason = stop_reason::iteration_limit;
  for (r.iterations = 0;; ++r.iterations) {
    if (f.norm() <= o.stop.tolerance * scale) {
      r.status = status::ok;
      r.stop_reason = stop_reason::tolerance;
      break;
    }
    if (r.iterations >= o.stop.max_iterations) break;
    const Vector<double> w = 2 * c.array() * (X * r.lambda).array().cosh();
    const Matrix<double> J = X.transpose() * w.asDiagonal() * X;
    const Vector<double> step = J.ldlt().solve(-f);
    double s = 1;
    Vector<double> trial, ft;
    for (int k = 0; k < 60; ++k, s /= 2) {
      trial = r.lambda + s * step;
      ft = F(trial);
      if (ft.allFinite() && ft.norm() < (1 - 1e-4 * s) * f.norm()) break;
    }
    if (!ft.allFinite()) {
      r.status = status::diverged;
      r.stop_reason = stop_reason::non_finite;
      break;
    }
    if (!(ft.norm() < f.norm())) {  // no decrease along the Newton direction at rounding level
      r.status = status::stalled;
      r.stop_reason = stop_reason::line_search_failure;
      break;
    }
    r.lambda = trial;
    f = ft;
  }
  r.beta = beta_of(r.lambda);
  r.kkt_residual = f.norm();
  return r;
}

/// An interpolant with a status: singular when X has rank below N (then no β interpolates y in
/// general; beta is empty).
struct interpolant_result {
  Vector<double> beta;              ///< the interpolant (d entries); empty when singular
  double residual = 0;              ///< ‖Xᵀβ − y‖
  nnt::status status = status::ok;  ///< ok, or singular (no invertible system; beta empty)
};

/// The α → ∞ limit: argmin Σ β_i²/c_i s.t. Xᵀβ = y, β = C X (Xᵀ C X)⁻¹ y.
template <class DX, class DY>
interpolant_result weighted_min_l2(const Eigen::MatrixBase<DX>& X_, const Eigen::MatrixBase<DY>& y_,
                                   const Vector<double>& theta0 = {}) {
  const Matrix<double> X = X_;
  const Vector<double> y = y_;
  require_examples_and_targets(X, y);
  const Vector<double> c = detail::q_alpha_scales(X.rows(), 1.0, theta0);
  const Matrix<double> CX = c.asDiagonal() * X;
  const Eigen::FullPivLU<Matrix<double>> lu(X.transpose() * CX);
  interpolant_result r;
  if (!lu.isInvertible()) {
    r.status = status::singular;
    return r;
  }
  r.beta = CX * lu.solve(y);
  r.residual = (X.transpose() * r.beta - y).norm();
  return r;
}

/// The α → 0 limit, argmin ‖β‖₁ s.t. Xᵀβ = y, exactly: a linear program attains its optimum at a
/// basic solution, so every support of size N is solved (C(d, N) square systems; d ≤ 20).
template <class DX, class DY>
interpolant_result min_l1_interpolant(const Eigen::MatrixBase<DX>& X_,
                                      const Eigen::MatrixBase<DY>& y_) {
  const Matrix<double> X = X_;
  const Vector<double> y = y_;
  require_examples_and_targets(X, y);
  const Index d = X.rows(), N = X.cols();
  require_in_range<Index, Index>("X.rows()", d, N, 20);
  interpolant_result r;
  r.beta = Vector<double>::Zero(d);
  double best_norm = std::numeric_limits<double>::infinity();
  std::vector<Index> idx(static_cast<std::size_t>(N));
  for (Index i = 0; i < N; ++i) idx[std::size_t(i)] = i;
  Matrix<double> A(N, N);
  while (true) {
    for (Index k = 0; k < N; ++k) A.col(k) = X.row(idx[std::size_t(k)]).transpose();
    const Eigen::FullPivLU<Matrix<double>> lu(A);
    if (lu.isInvertible()) {
      const Vector<double> b = lu.solve(y);
      if (b.lpNorm<1>() < best_norm) {
        best_norm = b.lpNorm<1>();
        r.beta.setZero();
        for (Index k = 0; k < N; ++k) r.beta(idx[std::size_t(k)]) = b(k);
      }
    }
    Index k = N - 1;  // next support in lexicographic order
    while (k >= 0 && idx[std::size_t(k)] == d - N + k) --k;
    if (k < 0) break;
    ++idx[std::size_t(k)];
    for (Index m = k + 1; m < N; ++m) idx[std::size_t(m)] = idx[std::size_t(m - 1)] + 1;
  }
  if (!std::isfinite(best_norm)) {  // no invertible support: Xᵀ has rank below N
    r.beta.resize(0);
    r.status = status::singular;
    return r;
  }
  r.residual = (X.transpose() * r.beta - y).norm();
  return r;
}

}  // namespace nnt
