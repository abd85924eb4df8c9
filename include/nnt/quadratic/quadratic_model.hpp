// nnt/quadratic/quadratic_model.hpp — quadratic models z_a(θ) = Φ_aᵀθ + (ε/2) θᵀΨ_aθ (COURSE.md
// D1; Roberts, Yaida & Hanin ch. 10–11) with L(θ) = Σ_a ½(z_a − y_a)², from Φ (P × N, column
// a = Φ(x_a)) and symmetric Ψ_a (P × P). For ΦΦᵀ invertible (P ≤ N, rank P) the minimiser is
// θ* = θ^F + εθ^I + O(ε²), r_a = Φ_aᵀθ^F − y_a,
//   θ^F = (ΦΦᵀ)⁻¹Φy,  θ^I = −(ΦΦᵀ)⁻¹ Σ_a [½Φ_a (θ^Fᵀ Ψ_a θ^F) + r_a Ψ_a θ^F]
// (the notes print only the first term). minimize() finds θ* independently by Newton's method;
// ∇²L v = Σ_a [∇z_a (∇z_aᵀv) + ε r_a Ψ_a v], ∇z_a = Φ_a + εΨ_aθ, and quadratic_objective presents L
// as an nnt::objective with that HVP for the optimizers and integrators.
#pragma once

#include "../core/concepts.hpp"
#include "../core/error.hpp"
#include "../core/status.hpp"
#include "../core/stopping.hpp"
#include "../core/types.hpp"

#include <Eigen/Cholesky>
#include <Eigen/LU>

#include <cmath>
#include <string>
#include <utility>
#include <vector>

namespace nnt {

/// A parameter vector with a status: singular when ΦΦᵀ is not invertible (θ then empty).
template <class S = double>
struct quadratic_solution {
  Vector<S> theta;                  ///< the solution (P entries), empty when singular
  nnt::status status = status::ok;  ///< ok or singular
};

/// Options of quadratic_model::minimize.
struct newton_options {
  /// ok when ‖∇L‖ ≤ tolerance·max(1, ‖y‖), at most max_iterations Newton steps (each halved until
  /// L does not increase, at most 50 times).
  solver_stopping stop = {.max_iterations = 100, .tolerance = 1e-14};
};

/// What quadratic_model::minimize returns: the last iterate, its gradient norm, how the run ended.
template <class S = double>
struct quadratic_minimum {
  Vector<S> theta;       ///< the last Newton iterate (P entries)
  S gradient_norm = 0;   ///< ‖∇L‖ at theta, the quantity the tolerance test compares
  Index iterations = 0;  ///< Newton steps taken
  /// ok (tolerance met), not_converged (max_iterations used up), diverged (L became non-finite)
  /// or stalled (50 halvings of the Newton step never decreased L; theta is the last iterate).
  nnt::status status = status::not_converged;
  nnt::stop_reason stop_reason =
      stop_reason::none;  ///< tolerance, iteration_limit, non_finite, line_search_failure
};

/// z_a(θ) = Φ_aᵀθ + (ε/2) θᵀΨ_aθ with L(θ) = Σ_a ½(z_a − y_a)² (owns copies of Φ and Ψ): outputs,
/// loss with gradient and Hessian, HVPs, the perturbative θ^F + εθ^I and a Newton minimiser.
template <class S = double>
class quadratic_model {
 public:
  /// Φ (P × N, finite), Ψ (N symmetric P × P matrices, finite), ε finite.
  quadratic_model(Matrix<S> Phi, std::vector<Matrix<S>> Psi, S eps)
      : Phi_(std::move(Phi)), Psi_(std::move(Psi)), eps_(eps) {
    require_finite("Phi", Phi_);
    require_finite("eps", eps_);
    require_size("Psi.size()", Phi_.cols(), static_cast<Index>(Psi_.size()));
    for (std::size_t a = 0; a < Psi_.size(); ++a) {
      const std::string name = "Psi[" + std::to_string(a) + "]";
      require_shape(name, Phi_.rows(), Phi_.rows(), Psi_[a]);
      require_finite(name, Psi_[a]);
      if (!Psi_[a].isApprox(Psi_[a].transpose(), S(1e-12)))
        throw_invalid_argument(name, "a symmetric matrix", "an asymmetric one");
    }
  }

  /// P, the number of parameters (rows of Φ; each Ψ_a is P × P).
  Index parameters() const { return Phi_.rows(); }
  /// N, the number of examples (columns of Φ, entries of y).
  Index examples() const { return Phi_.cols(); }
  /// ε, the strength of the quadratic term.
  S eps() const { return eps_; }
  /// Φ (P × N); column a is Φ_a = ∇z_a(0).
  const Matrix<S>& Phi() const { return Phi_; }
  /// Ψ_a for a = 0..N−1 (symmetric P × P), so that ∇²z_a = εΨ_a.
  const std::vector<Matrix<S>>& Psi() const { return Psi_; }

  /// z_a(θ) for every example. θ is an iterate, not data: a non-finite θ (a diverged optimiser's)
  /// is evaluated and gives non-finite outputs and loss, which the optimisers report as diverged.
  Vector<S> outputs(const const_vector_ref<S>& theta) const {
    require_size("theta", parameters(), theta.size());
    Vector<S> z = Phi_.transpose() * theta;
    for (Index a = 0; a < examples(); ++a)
      z(a) += S(0.5) * eps_ * theta.dot(Psi_[std::size_t(a)] * theta);
    return z;
  }

  /// L, ∇L and ∇²L at θ.
  S loss(const const_vector_ref<S>& theta, const const_vector_ref<S>& y,
         Vector<S>* gradient = nullptr, Matrix<S>* hessian = nullptr) const {
    require_size("y", examples(), y.size());
    require_finite("y", y);
    const Vector<S> r = outputs(theta) - y;
    if (gradient) gradient->setZero(parameters());
    if (hessian) hessian->setZero(parameters(), parameters());
    for (Index a = 0; a < examples(); ++a) {
      const Vector<S> dz = output_gradient(a, theta);
      if (gradient) *gradient += r(a) * dz;
      if (hessian) *hessian += dz * dz.transpose() + (r(a) * eps_) * Psi_[std::size_t(a)];
    }
    return S(0.5) * r.squaredNorm();
  }

  /// ∇²L(θ) v without forming ∇²L.
  Vector<S> hessian_vector_product(const const_vector_ref<S>& theta, const const_vector_ref<S>& y,
                                   const const_vector_ref<S>& v) const {
    require_size("y", examples(), y.size());
    require_finite("y", y);
    require_size("v", parameters(), v.size());
    require_finite("v", v);
    const Vector<S> r = outputs(theta) - y;
    Vector<S> out = Vector<S>::Zero(parameters());
    for (Index a = 0; a < examples(); ++a) {
      const Vector<S> dz = output_gradient(a, theta);
      out += dz.dot(v) * dz + (eps_ * r(a)) * (Psi_[std::size_t(a)] * v);
    }
    return out;
  }

  /// θ^F; singular unless ΦΦᵀ is invertible (P ≤ N and rank P).
  quadratic_solution<S> theta_F(const const_vector_ref<S>& y) const {
    require_size("y", examples(), y.size());
    require_finite("y", y);
    const auto lu = gram_lu();
    if (!lu.isInvertible()) return {Vector<S>(), status::singular};
    return {lu.solve(Phi_ * y), status::ok};
  }

  /// θ^I, the first-order correction (both terms); singular like θ^F.
  quadratic_solution<S> theta_I(const const_vector_ref<S>& y) const { return correction(y, true); }

  /// The printed formula: only −(ΦΦᵀ)⁻¹ Σ_a ½Φ_a (θ^Fᵀ Ψ_a θ^F).
  quadratic_solution<S> theta_I_printed(const const_vector_ref<S>& y) const {
    return correction(y, false);
  }

  /// argmin L by Newton's method from θ₀ (each step halved until L does not increase).
  quadratic_minimum<S> minimize(const const_vector_ref<S>& y, const const_vector_ref<S>& theta0,
                                const newton_options& o = {}) const {
    require_size("y", examples(), y.size());
    require_finite("y", y);
    require_size("theta0", parameters(), theta0.size());
    require_finite("theta0", theta0);
    require_stopping(o.stop);
    quadratic_minimum<S> m;
    m.theta = theta0;
    Vector<S> g;
    Matrix<S> H;
    S L = loss(m.theta, y, &g, &H);
    m.stop_reason = stop_reason::iteration_limit;
    for (m.iterations = 0;; ++m.iterations) {
      m.gradient_norm = g.norm();
      if (m.gradient_norm <= S(o.stop.tolerance) * std::max(S(1), S(y.norm()))) {
        m.status = status::ok;
        m.stop_reason = stop_reason::tolerance;
        break;
      }
      if (m.iterations >= o.stop.max_iterations) break;
      const Vector<S> step = H.ldlt().solve(-g);
      S s = 1, Ln = L;
      Vector<S> trial;
      bool decreased = false;
      for (int k = 0; k < 50 && !decreased; ++k, s /= 2) {
        trial = m.theta + s * step;
        Ln = loss(trial, y);
        decreased = Ln <= L;
      }
      if (!std::isfinite(static_cast<long double>(scalar_value(Ln)))) {
        m.status = status::diverged;
        m.stop_reason = stop_reason::non_finite;
        break;
      }
      // An indefinite ∇²L (ε ≠ 0 far from θ*) can make the Newton direction an ascent direction:
      // keep the last iterate that decreased L rather than accept a step that increases it.
      if (!decreased) {
        m.status = status::stalled;
        m.stop_reason = stop_reason::line_search_failure;
        break;
      }
      m.theta = trial;
      L = loss(m.theta, y, &g, &H);
    }
    return m;
  }

 private:
  // ∇z_a(θ) = Φ_a + εΨ_aθ
  Vector<S> output_gradient(Index a, const const_vector_ref<S>& theta) const {
    return Phi_.col(a) + eps_ * (Psi_[std::size_t(a)] * theta);
  }

  Eigen::FullPivLU<Matrix<S>> gram_lu() const {
    return Eigen::FullPivLU<Matrix<S>>(Phi_ * Phi_.transpose());
  }

  quadratic_solution<S> correction(const const_vector_ref<S>& y, bool with_residual_term) const {
    const auto F = theta_F(y);
    if (F.status != status::ok) return F;
    const Vector<S>& tF = F.theta;
    const Vector<S> r = Phi_.transpose() * tF - y;
    Vector<S> s = Vector<S>::Zero(parameters());
    for (Index a = 0; a < examples(); ++a) {
      const Vector<S> Pt = Psi_[std::size_t(a)] * tF;
      s += S(0.5) * tF.dot(Pt) * Phi_.col(a);
      if (with_residual_term) s += r(a) * Pt;
    }
    return {-gram_lu().solve(s), status::ok};
  }

  Matrix<S> Phi_;
  std::vector<Matrix<S>> Psi_;
  S eps_;
};

/// L(θ) = Σ_a ½(z_a(θ) − y_a)² of a quadratic_model as an nnt::objective with an HVP (holds a
/// reference to the model, which must outlive it).
template <class S = double>
class quadratic_objective {
 public:
  /// Keeps a reference to model and a copy of the targets y; throws nnt::invalid_argument unless y
  /// has N = model.examples() finite entries.
  quadratic_objective(const quadratic_model<S>& model, const vector_arg<S>& y)
      : model_(model), y_(y) {
    require_size("y", model_.examples(), y_.size());
    require_finite("y", y_);
  }
  /// P, the number of parameters θ has.
  Index dimension() const { return model_.parameters(); }
  /// L(θ).
  S value(const Vector<S>& theta) const { return model_.loss(theta, y_); }
  /// L(θ), and ∇L(θ) into gradient.
  S value_and_gradient(const Vector<S>& theta, Vector<S>& gradient) const {
    return model_.loss(theta, y_, &gradient);
  }
  /// out = ∇²L(θ) v.
  void hvp(const Vector<S>& theta, const Vector<S>& v, Vector<S>& out) const {
    out = model_.hessian_vector_product(theta, y_, v);
  }

 private:
  const quadratic_model<S>& model_;
  Vector<S> y_;
};

}  // namespace nnt
