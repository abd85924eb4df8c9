// nnt/quadratic/quadratic_model.hpp — quadratic (second-order) models z_a(θ) = Φ_aᵀθ + (ε/2) θᵀΨ_aθ
// (COURSE.md D1; Roberts, Yaida & Hanin ch. 10–11) with the loss L(θ) = Σ_a ½(z_a − y_a)², from given
// Φ (P × N, column a = Φ(x_a)) and symmetric Ψ_a (P × P). For P ≤ N with Φ of rank P the minimiser
// is θ* = θ^F + εθ^I + O(ε²) with
//   θ^F = (ΦΦᵀ)⁻¹Φy,   θ^I = −(ΦΦᵀ)⁻¹ Σ_a [½Φ_a (θ^Fᵀ Ψ_a θ^F) + r_a Ψ_a θ^F],   r_a = Φ_aᵀθ^F − y_a
// (the notes print only the first term, the whole answer when the linear model interpolates, r = 0).
// minimize() finds θ* independently by Newton's method on L (exact gradient and Hessian).
// hessian_vector_product gives ∇²L v = Σ_a [∇z_a (∇z_aᵀv) + ε r_a Ψ_a v], ∇z_a = Φ_a + εΨ_aθ, and
// quadratic_objective presents L(θ) for given targets as an nnt::objective with that HVP, so the optimizers (GD, momentum, L-BFGS) and gradient-flow integrators train it.
#pragma once

#include "../core/error.hpp"
#include "../core/objective.hpp"
#include "../core/status.hpp"
#include "../core/types.hpp"

#include <Eigen/Cholesky>
#include <Eigen/LU>

#include <cmath>
#include <string>
#include <vector>

namespace nnt {

class quadratic_model {
 public:
  quadratic_model(Matrix<double> Phi, std::vector<Matrix<double>> Psi, double eps)
      : Phi_(std::move(Phi)), Psi_(std::move(Psi)), eps_(eps) {
    require_finite("Phi", Phi_);
    require_finite("eps", eps_);
    require_size("Psi.size()", Phi_.cols(), static_cast<Index>(Psi_.size()));
    for (std::size_t a = 0; a < Psi_.size(); ++a) {
      const std::string name = "Psi[" + std::to_string(a) + "]";
      require_shape(name, Phi_.rows(), Phi_.rows(), Psi_[a]);
      require_finite(name, Psi_[a]);
      if (!Psi_[a].isApprox(Psi_[a].transpose(), 1e-12))
        throw_invalid_argument(name, "a symmetric matrix", "an asymmetric one");
    }
  }

  Index parameters() const { return Phi_.rows(); }
  Index examples() const { return Phi_.cols(); }
  double eps() const { return eps_; }
  const Matrix<double>& Phi() const { return Phi_; }
  const std::vector<Matrix<double>>& Psi() const { return Psi_; }

  /// z_a(θ) for every example.
  Vector<double> outputs(const Vector<double>& theta) const {
    require_size("theta", parameters(), theta.size());
    Vector<double> z = Phi_.transpose() * theta;
    for (Index a = 0; a < examples(); ++a) z(a) += 0.5 * eps_ * theta.dot(Psi_[std::size_t(a)] * theta);
    return z;
  }

  /// L, ∇L and ∇²L at θ.
  double loss(const Vector<double>& theta, const Vector<double>& y, Vector<double>* gradient = nullptr,
              Matrix<double>* hessian = nullptr) const {
    require_size("y", examples(), y.size());
    const Vector<double> r = outputs(theta) - y;
    if (gradient) gradient->setZero(parameters());
    if (hessian) hessian->setZero(parameters(), parameters());
    for (Index a = 0; a < examples(); ++a) {
      const Vector<double> dz = output_gradient(a, theta);
      if (gradient) *gradient += r(a) * dz;
      if (hessian) *hessian += dz * dz.transpose() + (r(a) * eps_) * Psi_[std::size_t(a)];
    }
    return 0.5 * r.squaredNorm();
  }

  /// ∇²L(θ) v = Σ_a [∇z_a (∇z_aᵀv) + ε r_a Ψ_a v] without forming ∇²L.
  Vector<double> hessian_vector_product(const Vector<double>& theta, const Vector<double>& y,
                                        const Vector<double>& v) const {
    require_size("y", examples(), y.size());
    require_size("v", parameters(), v.size());
    const Vector<double> r = outputs(theta) - y;
    Vector<double> out = Vector<double>::Zero(parameters());
    for (Index a = 0; a < examples(); ++a) {
      const Vector<double> dz = output_gradient(a, theta);
      out += dz.dot(v) * dz + (eps_ * r(a)) * (Psi_[std::size_t(a)] * v);
    }
    return out;
  }

  /// θ^F (requires ΦΦᵀ invertible, i.e. P ≤ N and rank P).
  Vector<double> theta_F(const Vector<double>& y) const {
    require_size("y", examples(), y.size());
    return gram_lu().solve(Phi_ * y);
  }

  /// θ^I, the first-order correction (both terms).
  Vector<double> theta_I(const Vector<double>& y) const {
    const Vector<double> tF = theta_F(y);
    const Vector<double> r = Phi_.transpose() * tF - y;
    Vector<double> s = Vector<double>::Zero(parameters());
    for (Index a = 0; a < examples(); ++a) {
      const Vector<double> Pt = Psi_[std::size_t(a)] * tF;
      s += 0.5 * tF.dot(Pt) * Phi_.col(a) + r(a) * Pt;
    }
    return -gram_lu().solve(s);
  }

  /// The printed formula: only −(ΦΦᵀ)⁻¹ Σ_a ½Φ_a (θ^Fᵀ Ψ_a θ^F).
  Vector<double> theta_I_printed(const Vector<double>& y) const {
    const Vector<double> tF = theta_F(y);
    Vector<double> s = Vector<double>::Zero(parameters());
    for (Index a = 0; a < examples(); ++a) s += 0.5 * tF.dot(Psi_[std::size_t(a)] * tF) * Phi_.col(a);
    return -gram_lu().solve(s);
  }

  struct minimum {
    Vector<double> theta;
    double gradient_norm = 0;
    Index iterations = 0;
    nnt::status status = status::not_converged;
  };

  /// argmin L by Newton's method from θ₀ (damped by halving until L decreases).
  minimum minimize(const Vector<double>& y, const Vector<double>& theta0, double tolerance = 1e-14,
                   Index max_iterations = 100) const {
    require_size("theta0", parameters(), theta0.size());
    minimum m;
    m.theta = theta0;
    Vector<double> g;
    Matrix<double> H;
    double L = loss(m.theta, y, &g, &H);
    for (m.iterations = 0; m.iterations < max_iterations; ++m.iterations) {
      m.gradient_norm = g.norm();
      if (m.gradient_norm <= tolerance * std::max(1.0, y.norm())) {
        m.status = status::ok;
        break;
      }
      const Vector<double> step = H.ldlt().solve(-g);
      double s = 1, Ln = L;
      Vector<double> trial;
      for (int k = 0; k < 50; ++k, s /= 2) {
        trial = m.theta + s * step;
        Ln = loss(trial, y);
        if (Ln <= L) break;
      }
      if (!std::isfinite(Ln)) {
        m.status = status::diverged;
        break;
      }
      m.theta = trial;
      L = loss(m.theta, y, &g, &H);
    }
    return m;
  }

 private:
  // ∇z_a(θ) = Φ_a + εΨ_aθ
  Vector<double> output_gradient(Index a, const Vector<double>& theta) const {
    return Phi_.col(a) + eps_ * (Psi_[std::size_t(a)] * theta);
  }

  Eigen::FullPivLU<Matrix<double>> gram_lu() const {
    Eigen::FullPivLU<Matrix<double>> lu(Phi_ * Phi_.transpose());
    if (!lu.isInvertible())
      throw_invalid_argument("Phi", "rank P = " + std::to_string(parameters()) + " (P <= N) for theta_F and theta_I",
                             "rank " + std::to_string(lu.rank()));
    return lu;
  }

  Matrix<double> Phi_;
  std::vector<Matrix<double>> Psi_;
  double eps_;
};

/// L(θ) = Σ_a ½(z_a(θ) − y_a)² of a quadratic_model as an nnt::objective (holds a reference to
/// the model, which must outlive it).
class quadratic_objective {
 public:
  quadratic_objective(const quadratic_model& model, Vector<double> y) : model_(model), y_(std::move(y)) {
    require_size("y", model_.examples(), y_.size());
    require_finite("y", y_);
  }
  Index dimension() const { return model_.parameters(); }
  double value(const Vector<double>& theta) const { return model_.loss(theta, y_); }
  double value_and_gradient(const Vector<double>& theta, Vector<double>& gradient) const {
    return model_.loss(theta, y_, &gradient);
  }
  void hvp(const Vector<double>& theta, const Vector<double>& v, Vector<double>& out) const {
    out = model_.hessian_vector_product(theta, y_, v);
  }

 private:
  const quadratic_model& model_;
  Vector<double> y_;
};

static_assert(objective_with_hvp<quadratic_objective>);

}  // namespace nnt
