// nnt/experiments/max_margin.hpp — implicit bias of gradient descent on separable data (COURSE.md
// D5; Soudry et al. 2018): on L(w) = (1/N) Σ_n log(1 + exp(−y_n wᵀx_n)), GD from w₀ = 0 at a fixed
// rate η has ‖w_t‖ → ∞ and w_t = ŵ log t + ρ_t with ρ_t bounded for generic data, ŵ the hard-margin
// SVM argmin ‖w‖² s.t. y_n wᵀx_n ≥ 1 (through the origin); the angle to ŵ closes like ‖ρ_⊥‖/(‖ŵ‖
// log t). hard_margin_svm: exact coordinate ascent on the dual max Σα − ½‖Σ α_n y_n x_n‖², α ≥ 0,
// with its KKT residual (non-separable data make the dual unbounded: not_converged or diverged,
// never ok). The GD is dynamics/optimizers.hpp's gradient_descent; the logistic functions are
// core/scalar_math.hpp's.
#pragma once

#include "../core/error.hpp"
#include "../core/scalar_math.hpp"
#include "../core/status.hpp"
#include "../core/stopping.hpp"
#include "../core/types.hpp"
#include "../dynamics/optimizers.hpp"

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

namespace nnt {

namespace detail {
template <class DX, class DY>
void require_labelled(const Eigen::MatrixBase<DX>& X, const Eigen::MatrixBase<DY>& y) {
  require_at_least<Index>("X.cols()", X.cols(), 1);
  require_size("y", X.cols(), y.size());
  require_finite("X", X);
  for (Index n = 0; n < y.size(); ++n)
    if (y(n) != 1.0 && y(n) != -1.0)
      throw_invalid_argument("y(" + std::to_string(n) + ")", "a label +1 or -1",
                             format_value(y(n)));
  for (Index n = 0; n < X.cols(); ++n)
    if (!(X.col(n).squaredNorm() > 0))
      throw_invalid_argument("X.col(" + std::to_string(n) + ")", "a nonzero example", "zero");
}
}  // namespace detail

/// Options of hard_margin_svm(): the KKT stopping test of the dual coordinate ascent.
struct svm_options {
  /// ok when the KKT residual ≤ tolerance·max(1, max α); at most max_iterations sweeps over the
  /// data.
  solver_stopping stop = {.max_iterations = 1000000, .tolerance = 1e-12};
};

/// The outcome of hard_margin_svm(): the primal ŵ, the dual α and how the ascent ended.
struct svm_result {
  Vector<double> w;         ///< ŵ (minimum norm with all margins ≥ 1)
  Vector<double> alpha;     ///< dual variables, ŵ = Σ α_n y_n x_n
  double kkt_residual = 0;  ///< max over n of margin violation and α_n |y_n ŵᵀx_n − 1|
  Index sweeps = 0;         ///< full passes over the N examples, ≤ stop.max_iterations
  nnt::status status =
      status::not_converged;  ///< diverged once some α exceeds 1e12 (not separable)
  /// tolerance (ok), divergence_bound (diverged) or iteration_limit (not_converged).
  nnt::stop_reason stop_reason = stop_reason::none;
};

/// Hard-margin SVM through the origin for X (d × N) with labels ±1.
template <class DX, class DY>
svm_result hard_margin_svm(const Eigen::MatrixBase<DX>& X_, const Eigen::MatrixBase<DY>& y_,
                           const svm_options& o = {}) {
  const Matrix<double> X = X_;
  const Vector<double> y = y_;
  detail::require_labelled(X, y);
  require_stopping(o.stop);
  require_positive("stop.tolerance", o.stop.tolerance);
  const double tolerance = o.stop.tolerance;
  const Index max_sweeps = o.stop.max_iterations;
  const Index N = X.cols();
  svm_result r;
  r.alpha = Vector<double>::Zero(N);
  r.w = Vector<double>::Zero(X.rows());
  const Vector<double> sq = X.colwise().squaredNorm().transpose();
  auto residual = [&] {
    double worst = 0;
    for (Index n = 0; n < N; ++n) {
      const double m = y(n) * r.w.dot(X.col(n));
      worst = std::max({worst, 1 - m, r.alpha(n) * std::abs(m - 1)});
    }
    return worst;
  };
  for (r.sweeps = 1; r.sweeps <= max_sweeps; ++r.sweeps) {
    for (Index n = 0; n < N; ++n) {  // exact maximisation of the dual in α_n
      const double m = y(n) * r.w.dot(X.col(n));
      const double next = std::max(0.0, r.alpha(n) + (1 - m) / sq(n));
      r.w += (next - r.alpha(n)) * y(n) * X.col(n);
      r.alpha(n) = next;
    }
    r.kkt_residual = residual();
    if (!(r.alpha.maxCoeff() < 1e12)) {
      r.status = status::diverged;  // the dual grows without bound: not separable through 0
      r.stop_reason = stop_reason::divergence_bound;
      return r;
    }
    if (r.kkt_residual <= tolerance * std::max(1.0, r.alpha.maxCoeff())) {
      r.status = status::ok;
      r.stop_reason = stop_reason::tolerance;
      return r;
    }
  }
  r.sweeps = max_sweeps;
  r.stop_reason = stop_reason::iteration_limit;
  return r;
}

/// The GD trajectory of logistic_gd_max_margin() measured against the hard-margin SVM ŵ.
struct max_margin_result {
  std::vector<double> t;       ///< recorded steps (logarithmically spaced)
  std::vector<double> angle;   ///< angle (radians) between w_t and ŵ
  std::vector<double> norm;    ///< ‖w_t‖
  std::vector<double> offset;  ///< ‖w_t − ŵ log t‖ (bounded when the theorem's ρ_t is)
  std::vector<double> loss;    ///< L(w_t)
  Vector<double> w;            ///< final iterate
  svm_result svm;              ///< hard_margin_svm(X, y), which defines ŵ
  /// svm.status when that is not ok (then nothing is recorded), else the GD's status.
  nnt::status status = status::ok;
};

/// The mean logistic loss L(w) = (1/N) Σ_n log(1 + exp(−y_n wᵀx_n)) as an nnt::objective.
template <class S = double>
class logistic_objective {
 public:
  /// Z has the columns y_n x_n (at least one, finite; else nnt::invalid_argument, as is a w of
  /// another size than Z's rows).
  explicit logistic_objective(Matrix<S> Z) : Z_(std::move(Z)) {
    require_at_least<Index>("Z.cols()", Z_.cols(), 1);
    require_finite("Z", Z_);
  }
  /// L(w).
  S value(const Vector<S>& w) const {
    require_size("w", Z_.rows(), w.size());
    return (Z_.transpose() * w).unaryExpr([](S m) { return math::log1p_exp(S(-m)); }).mean();
  }
  /// L(w), and ∇L = −(1/N) Σ_n σ(−m_n) y_n x_n, m_n = y_n wᵀx_n, into gradient.
  S value_and_gradient(const Vector<S>& w, Vector<S>& gradient) const {
    require_size("w", Z_.rows(), w.size());
    const Vector<S> m = Z_.transpose() * w;
    gradient.noalias() =
        -(Z_ * m.unaryExpr([](S v) { return math::logistic(S(-v)); })) / S(Z_.cols());
    return m.unaryExpr([](S v) { return math::log1p_exp(S(-v)); }).mean();
  }

 private:
  Matrix<S> Z_;
};

/// GD (gradient_descent) with rate eta for `steps` steps on the mean logistic loss from w = 0,
/// recording at about `records_per_decade` logarithmically spaced steps per decade.
template <class DX, class DY>
max_margin_result logistic_gd_max_margin(const Eigen::MatrixBase<DX>& X_,
                                         const Eigen::MatrixBase<DY>& y_, double eta, Index steps,
                                         Index records_per_decade = 10) {
  const Matrix<double> X = X_;
  const Vector<double> y = y_;
  detail::require_labelled(X, y);
  require_finite("eta", eta);
  require_positive("eta", eta);
  require_at_least<Index>("steps", steps, 1);
  require_at_least<Index>("records_per_decade", records_per_decade, 1);
  max_margin_result r;
  r.svm = hard_margin_svm(X, y);
  if (r.svm.status != status::ok) {
    r.status = r.svm.status;
    return r;
  }
  const Vector<double> u = r.svm.w.normalized();
  logistic_objective<double> f(X * y.asDiagonal());  // columns y_n x_n
  double next_record = 1;
  auto observe = [&](const optimizer_state<double>& s) {
    const double t = double(s.iteration);
    if (s.iteration >= 1 && (t >= next_record || s.iteration == steps)) {
      r.t.push_back(t);
      const Vector<double>& w = s.theta;
      const double along = w.dot(u);  // atan2 keeps small angles accurate (acos would not)
      r.angle.push_back(std::atan2((w - along * u).norm(), along));
      r.norm.push_back(w.norm());
      r.offset.push_back((w - r.svm.w * std::log(t)).norm());
      r.loss.push_back(s.loss);
      while (next_record <= t) next_record *= std::pow(10.0, 1.0 / double(records_per_decade));
    }
    return true;
  };
  const auto gd = gradient_descent(
      f, Vector<double>::Zero(X.rows()), eta,
      {.stop = {.max_iterations = steps}, .record_every = steps, .observer = observe});
  r.w = gd.theta;
  r.status = gd.status;
  return r;
}

}  // namespace nnt
