// nnt/dynamics/experiments/diagonal_linear_net.hpp — implicit bias of diagonal linear networks
// (COURSE.md D4; Woodworth et al. 2020, "Kernel and rich regimes in overparametrized models").
// β = u⊙u − v⊙v, u₀ = v₀ = αθ₀ (β₀ = 0), gradient flow on L = ½‖Xᵀβ − y‖² (X is d × N, N < d):
//   u̇ = −2u ⊙ X r,  v̇ = 2v ⊙ X r,  r = Xᵀβ − y.
// Its limit minimises Q_α(β) = Σ_i c_i q(β_i/c_i), c_i = α²θ₀ᵢ², q(z) = 2 − √(4 + z²) + z asinh(z/2),
// subject to Xᵀβ = y. Independent solve (minimize_q_alpha): stationarity q′(β_i/c_i) = asinh(β_i/(2c_i))
// = (Xλ)_i gives β(λ) = 2c ⊙ sinh(Xλ); Newton on the dual, F(λ) = Xᵀβ(λ) − y = 0 with Jacobian
// Xᵀ diag(2c ⊙ cosh(Xλ)) X, damped by backtracking on ‖F‖; the KKT residual is ‖F‖.
// Limits: α → 0 gives the minimum-ℓ₁ interpolant, α → ∞ the minimum Σβ_i²/c_i one,
// β = C X (Xᵀ C X)⁻¹ y (weighted_min_l2).
#pragma once

#include "../../core/error.hpp"
#include "../../core/status.hpp"
#include "../../core/types.hpp"
#include "../integrators.hpp"

#include <Eigen/Cholesky>
#include <Eigen/LU>

#include <cmath>
#include <limits>
#include <vector>

namespace nnt {

namespace detail {
inline Vector<double> q_alpha_scales(Index d, double alpha, const Vector<double>& theta0) {
  require_finite("alpha", alpha);
  require_positive("alpha", alpha);
  const Vector<double> t0 = theta0.size() ? theta0 : Vector<double>::Ones(d);
  require_size("theta0", d, t0.size());
  for (Index i = 0; i < d; ++i)
    if (!(t0(i) > 0)) throw_invalid_argument("theta0(" + std::to_string(i) + ")", "a positive value", format_value(t0(i)));
  return (alpha * alpha) * t0.array().square().matrix();
}
}  // namespace detail

struct diagonal_net_result {
  Vector<double> beta;
  double t = 0;          ///< time reached
  double residual = 0;   ///< ‖Xᵀβ − y‖ at the end
  nnt::status status = status::not_converged;
};

/// Gradient flow of the diagonal linear net until ‖Xᵀβ − y‖ ≤ tolerance (DOPRI5, rtol = atol = 1e-12).
inline diagonal_net_result diagonal_net_gradient_flow(const Matrix<double>& X, const Vector<double>& y, double alpha,
                                                      const Vector<double>& theta0 = {}, double tolerance = 1e-10,
                                                      double t_max = 1e8) {
  require_examples_and_targets(X, y);
  const Index d = X.rows();
  const Vector<double> c = detail::q_alpha_scales(d, alpha, theta0);
  require_positive("tolerance", tolerance);
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
  std::vector<double> times{0.0};
  for (double t = 1e-3; t < t_max; t *= 1.5) times.push_back(t);
  times.push_back(t_max);
  diagonal_net_result r;
  dormand_prince_stepper<double> stepper(1e-12, 1e-12);
  auto stop_when_fitted = [&](const Vector<double>& s, double t) {
    const Vector<double> beta = s.head(d).cwiseAbs2() - s.tail(d).cwiseAbs2();
    r.t = t;
    return (X.transpose() * beta - y).norm() > tolerance;  // false stops
  };
  const auto ir = integrate_times(stepper, flow, state, times, 1e-3, stop_when_fitted, 10000000);
  r.beta = state.head(d).cwiseAbs2() - state.tail(d).cwiseAbs2();
  r.residual = (X.transpose() * r.beta - y).norm();
  r.status = ir.state != status::ok ? ir.state : (r.residual <= tolerance ? status::ok : status::not_converged);
  return r;
}

struct q_alpha_result {
  Vector<double> beta, lambda;
  double kkt_residual = 0;  ///< ‖Xᵀβ − y‖ with β = 2c ⊙ sinh(Xλ) (stationarity holds by construction)
  Index iterations = 0;
  nnt::status status = status::not_converged;
};

/// argmin Q_α(β) s.t. Xᵀβ = y by damped Newton on the dual.
inline q_alpha_result minimize_q_alpha(const Matrix<double>& X, const Vector<double>& y, double alpha,
                                       const Vector<double>& theta0 = {}, double tolerance = 1e-12,
                                       Index max_iterations = 500) {
  require_examples_and_targets(X, y);
  const Vector<double> c = detail::q_alpha_scales(X.rows(), alpha, theta0);
  q_alpha_result r;
  r.lambda = Vector<double>::Zero(X.cols());
  auto beta_of = [&](const Vector<double>& lambda) {
    return Vector<double>((2 * c.array() * (X * lambda).array().sinh()).matrix());
  };
  auto F = [&](const Vector<double>& lambda) { return Vector<double>(X.transpose() * beta_of(lambda) - y); };
  Vector<double> f = F(r.lambda);
  const double scale = std::max(1.0, y.norm());
  for (r.iterations = 0; r.iterations < max_iterations; ++r.iterations) {
    if (f.norm() <= tolerance * scale) {
      r.status = status::ok;
      break;
    }
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
      break;
    }
    r.lambda = trial;
    f = ft;
  }
  r.beta = beta_of(r.lambda);
  r.kkt_residual = f.norm();
  return r;
}

/// The α → ∞ limit: argmin Σ β_i²/c_i s.t. Xᵀβ = y, β = C X (Xᵀ C X)⁻¹ y.
inline Vector<double> weighted_min_l2(const Matrix<double>& X, const Vector<double>& y, const Vector<double>& theta0 = {}) {
  require_examples_and_targets(X, y);
  const Vector<double> c = detail::q_alpha_scales(X.rows(), 1.0, theta0);
  const Matrix<double> CX = c.asDiagonal() * X;
  return CX * (X.transpose() * CX).ldlt().solve(y);
}

/// The α → 0 limit, argmin ‖β‖₁ s.t. Xᵀβ = y, exactly: a linear program attains its optimum at a
/// basic solution, so enumerate the supports of size N (C(d, N) square solves). For the small
/// problems of tests and examples (d ≤ 20); larger ones need an LP solver.
inline Vector<double> min_l1_interpolant(const Matrix<double>& X, const Vector<double>& y) {
  require_examples_and_targets(X, y);
  const Index d = X.rows(), N = X.cols();
  require_in_range<Index, Index>("X.rows()", d, N, 20);
  Vector<double> best = Vector<double>::Zero(d);
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
        best.setZero();
        for (Index k = 0; k < N; ++k) best(idx[std::size_t(k)]) = b(k);
      }
    }
    Index k = N - 1;  // next support in lexicographic order
    while (k >= 0 && idx[std::size_t(k)] == d - N + k) --k;
    if (k < 0) break;
    ++idx[std::size_t(k)];
    for (Index m = k + 1; m < N; ++m) idx[std::size_t(m)] = idx[std::size_t(m - 1)] + 1;
  }
  return best;
}

}  // namespace nnt
