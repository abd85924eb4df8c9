// nnt/dynamics/experiments/max_margin.hpp — implicit bias of gradient descent on separable data
// (COURSE.md D5; Soudry, Hoffer, Nacson, Gunasekar & Srebro 2018). Logistic loss
// L(w) = (1/N) Σ_n log(1 + exp(−y_n wᵀx_n)), GD from w₀ = 0 with a fixed rate η:
// ‖w_t‖ → ∞ and w_t = ŵ log t + ρ_t with ρ_t bounded for generic data, where ŵ is the hard-margin
// SVM solution argmin ‖w‖² s.t. y_n wᵀx_n ≥ 1 (through the origin); hence the angle between w_t and
// ŵ closes like ‖ρ_⊥‖/(‖ŵ‖ log t). The size of ρ_⊥ grows with the spread of the support vectors'
// dual weights, so on unbalanced data the 1/log t regime starts late.
// hard_margin_svm solves the dual max Σα − ½‖Σ α_n y_n x_n‖², α ≥ 0, by exact coordinate ascent
// and reports its KKT residual; data not separable through the origin make the dual unbounded: the
// run ends not_converged (or diverged once some α exceeds 1e12), never ok.
#pragma once

#include "../../core/error.hpp"
#include "../../core/status.hpp"
#include "../../core/types.hpp"

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

namespace nnt {

namespace detail {
inline void require_labelled(const Matrix<double>& X, const Vector<double>& y) {
  require_at_least<Index>("X.cols()", X.cols(), 1);
  require_size("y", X.cols(), y.size());
  require_finite("X", X);
  for (Index n = 0; n < y.size(); ++n)
    if (y(n) != 1.0 && y(n) != -1.0)
      throw_invalid_argument("y(" + std::to_string(n) + ")", "a label +1 or -1", format_value(y(n)));
  for (Index n = 0; n < X.cols(); ++n)
    if (!(X.col(n).squaredNorm() > 0))
      throw_invalid_argument("X.col(" + std::to_string(n) + ")", "a nonzero example", "zero");
}
}  // namespace detail

struct svm_result {
  Vector<double> w;          ///< ŵ (minimum norm with all margins ≥ 1)
  Vector<double> alpha;      ///< dual variables, ŵ = Σ α_n y_n x_n
  double kkt_residual = 0;   ///< max over n of margin violation and α_n |y_n ŵᵀx_n − 1|
  Index sweeps = 0;
  nnt::status status = status::not_converged;
};

/// Hard-margin SVM through the origin for X (d × N) with labels ±1.
inline svm_result hard_margin_svm(const Matrix<double>& X, const Vector<double>& y, double tolerance = 1e-12,
                                  Index max_sweeps = 1000000) {
  detail::require_labelled(X, y);
  require_positive("tolerance", tolerance);
  require_at_least<Index>("max_sweeps", max_sweeps, 1);
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
      return r;
    }
    if (r.kkt_residual <= tolerance * std::max(1.0, r.alpha.maxCoeff())) {
      r.status = status::ok;
      break;
    }
  }
  return r;
}

struct max_margin_result {
  std::vector<double> t;         ///< recorded steps (logarithmically spaced)
  std::vector<double> angle;     ///< angle (radians) between w_t and ŵ
  std::vector<double> norm;      ///< ‖w_t‖
  std::vector<double> offset;    ///< ‖w_t − ŵ log t‖ (bounded when the theorem's ρ_t is)
  std::vector<double> loss;      ///< L(w_t)
  Vector<double> w;              ///< final iterate
  svm_result svm;
  nnt::status status = status::ok;
};

/// GD with rate eta for `steps` steps on the mean logistic loss, recording at about
/// `records_per_decade` logarithmically spaced steps per decade.
inline max_margin_result logistic_gd_max_margin(const Matrix<double>& X, const Vector<double>& y, double eta,
                                                Index steps, Index records_per_decade = 10) {
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
  const Index N = X.cols();
  const Vector<double> u = r.svm.w.normalized();
  const Matrix<double> Z = X * y.asDiagonal();  // columns y_n x_n
  Vector<double> w = Vector<double>::Zero(X.rows()), margins(N), s(N);
  // σ(−m) = 1/(1 + e^m) and log(1 + e^{−m}), both without overflow
  auto sigma_minus = [](double m) { return m > 0 ? std::exp(-m) / (1 + std::exp(-m)) : 1 / (1 + std::exp(m)); };
  auto softplus_minus = [](double m) { return m > 0 ? std::log1p(std::exp(-m)) : -m + std::log1p(std::exp(m)); };
  double next_record = 1;
  for (Index t = 1; t <= steps; ++t) {
    margins.noalias() = Z.transpose() * w;
    s = margins.unaryExpr(sigma_minus);
    w.noalias() += (eta / double(N)) * (Z * s);  // w ← w − η∇L
    if (!w.allFinite()) {
      r.status = status::diverged;
      break;
    }
    if (double(t) >= next_record || t == steps) {
      margins.noalias() = Z.transpose() * w;
      r.t.push_back(double(t));
      const double along = w.dot(u);  // atan2 keeps small angles accurate (acos would not)
      r.angle.push_back(std::atan2((w - along * u).norm(), along));
      r.norm.push_back(w.norm());
      r.offset.push_back((w - r.svm.w * std::log(double(t))).norm());
      r.loss.push_back(margins.unaryExpr(softplus_minus).mean());
      while (next_record <= double(t)) next_record *= std::pow(10.0, 1.0 / double(records_per_decade));
    }
  }
  r.w = w;
  return r;
}

}  // namespace nnt
