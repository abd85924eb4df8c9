// COURSE.md H2: the softmax Jacobian ∂sᵢ/∂xⱼ = sᵢ(δᵢⱼ − sⱼ), J = diag(s) − ssᵀ: symmetric PSD with
// rank n−1 and null vector 1. And softmax(x) = argmax over the simplex of xᵀp + H(p), whose maximum
// is logsumexp(x): solved here by entropic mirror ascent, not by calling softmax.
#include <nnt/core/random.hpp>
#include <nnt/mlp/loss.hpp>

#include <Eigen/Eigenvalues>
#include <unsupported/Eigen/AutoDiff>

#include "common/reproduce.hpp"

using nnt_examples::tol;

namespace {

// softmax written out independently of nnt (shifted by the max for stability), for AutoDiff
// scalars and long double.
template <class S>
nnt::Vector<S> softmax_by_hand(const nnt::Vector<S>& v) {
  const nnt::Vector<S> e = (v.array() - nnt::scalar_value(v.maxCoeff())).exp().matrix();
  return e / e.sum();
}

// Entropic mirror ascent on F(p) = xᵀp + H(p): p ← p ⊙ exp(η ∇F) normalised, ∇F = x − log p − 1.
Eigen::VectorXd mirror_step(const Eigen::VectorXd& p, const Eigen::VectorXd& x, double eta) {
  const Eigen::ArrayXd logp = p.array().log() + eta * (x.array() - p.array().log() - 1.0);
  const Eigen::VectorXd next = (logp - logp.maxCoeff()).exp().matrix();
  return next / next.sum();
}

}  // namespace

int main(int argc, char** argv) {
  const auto opt = nnt_examples::parse_options(
      argc, argv, "softmax Jacobian and softmax as entropic argmax (H2)");
  nnt_examples::claims claims("softmax_jacobian");
  using AD = Eigen::AutoDiffScalar<Eigen::VectorXd>;
  const nnt::softmax_cross_entropy_loss ce{nnt::reduction::sum};
  nnt::random_generator rng(2);
  const int n = 6;

  double jac_ad = 0, jac_fd = 0, lib = 0, sym = 0, min_eig = 1e300, null = 0, argmax = 0, value = 0;
  int rank_ok = 0, iterations_needed = 0;
  for (double scale : {0.5, 3.0, 30.0}) {
    for (int trial = 0; trial < 20; ++trial) {
      Eigen::VectorXd x(n);
      rng.fill_normal(x, 0.0, scale);
      const Eigen::VectorXd s = ce.softmax(Eigen::MatrixXd(x)).col(0);
      const Eigen::MatrixXd J = Eigen::MatrixXd(s.asDiagonal()) - s * s.transpose();  // the claim
      // Independent 1: AutoDiff of softmax written out.
      nnt::Vector<AD> xa(n);
      for (int i = 0; i < n; ++i) xa(i) = AD(x(i), n, i);
      Eigen::MatrixXd Jad(n, n);
      for (int i = 0; i < n; ++i) Jad.row(i) = softmax_by_hand(xa)(i).derivatives().transpose();
      jac_ad = std::max(jac_ad, (J - Jad).cwiseAbs().maxCoeff());
      // Independent 2: long-double central differences of softmax (h = 1e-7: error ≈ 1e-12).
      for (int j = 0; j < n; ++j) {
        nnt::Vector<long double> xp = x.cast<long double>(), xm = xp;
        xp(j) += 1e-7L;
        xm(j) -= 1e-7L;
        const nnt::Vector<long double> col = (softmax_by_hand(xp) - softmax_by_hand(xm)) / 2e-7L;
        jac_fd = std::max(jac_fd, (col.cast<double>() - J.col(j)).cwiseAbs().maxCoeff());
      }
      // nnt's softmax cross-entropy output Hessian is the same matrix (for one-hot targets).
      const Eigen::MatrixXd Y = Eigen::MatrixXd::Identity(n, n).col(trial % n);
      lib = std::max(lib, (ce.example_hessian(Eigen::MatrixXd(x), Y, 0) - J).cwiseAbs().maxCoeff());
      sym = std::max(sym, (J - J.transpose()).cwiseAbs().maxCoeff());
      const Eigen::VectorXd ev = Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd>(J).eigenvalues();
      min_eig = std::min(min_eig, ev(0));
      // Rank n−1: one eigenvalue below 1e-13, far under the smallest true nonzero one (≥ min s²)
      // and far above rounding (1e-16). At scale 30 some sᵢ are below 1e-13 themselves (J is
      // numerically rank-deficient beyond the null vector): the claim uses scales 0.5 and 3.
      if (scale < 30.0) rank_ok += (ev.array().abs() < 1e-13).count() == 1;
      null = std::max(null, (J * Eigen::VectorXd::Ones(n)).cwiseAbs().maxCoeff());
      // Mirror ascent, η = ½: the log-iterates contract by 1 − η per step, 200 steps reach
      // rounding.
      Eigen::VectorXd p = Eigen::VectorXd::Constant(n, 1.0 / n), previous = p;
      int it = 0;
      for (; it < 2000; ++it, previous = p) {
        p = mirror_step(p, x, 0.5);
        if ((p - previous).cwiseAbs().maxCoeff() < 4e-16) break;
      }
      iterations_needed = std::max(iterations_needed, it);
      argmax = std::max(argmax, (p - s).cwiseAbs().maxCoeff());
      const double entropy = -(p.array() > 0).select(p.array() * p.array().log(), 0.0).sum();
      const double lse = ce.logsumexp<double>(Eigen::VectorXd(x));
      value = std::max(value, std::abs(x.dot(p) + entropy - lse) / std::max(1.0, std::abs(lse)));
    }
  }
  // Tolerances: J and its references differ by rounding (1e-15); FD error ≈ 1e-12.
  claims.check("H2-J=diag(s)-ssT-vs-autodiff", 0, jac_ad, tol::abs, 1e-15);
  claims.check("H2-J=diag(s)-ssT-vs-finite-differences", 0, jac_fd, tol::abs, 1e-10);
  claims.check("H2-nnt-softmax-CE-output-Hessian-equals-J", 0, lib, tol::abs, 1e-16);
  claims.check("H2-J-symmetric", 0, sym, tol::abs, 0);
  // PSD up to eigen-solver rounding (eps·‖J‖ ≤ 1e-16); J1 = s(1 − Σs) is n·eps at most.
  claims.check("H2-J-PSD-min-eigenvalue", 0, std::min(min_eig, 0.0), tol::abs, 1e-15);
  claims.check("H2-rank-n-1-trials-scale-0.5-and-3", 40, rank_ok, tol::abs, 0);
  claims.check("H2-null-vector-1", 0, null, tol::abs, n * 2.3e-16);
  claims.check("H2-mirror-ascent-argmax-equals-softmax", 0, argmax, tol::abs, 1e-14);
  claims.check("H2-max-equals-logsumexp", 0, value, tol::abs, 1e-14);
  claims.report("mirror-ascent-iterations", iterations_needed,
                "max over 60 trials to a step change < 4e-16, eta = 0.5");

  // Plot: mirror-ascent error per step for one x.
  Eigen::VectorXd x(n);
  rng.fill_normal(x, 0.0, 3.0);
  const Eigen::VectorXd s = ce.softmax(Eigen::MatrixXd(x)).col(0);
  Eigen::VectorXd p = Eigen::VectorXd::Constant(n, 1.0 / n);
  std::vector<double> step, err;
  for (int it = 0; it < 60; ++it, p = mirror_step(p, x, 0.5)) {
    step.push_back(it);
    err.push_back(std::max((p - s).cwiseAbs().maxCoeff(), 1e-17));
  }
  nnt_examples::write_plot(opt, "mirror_ascent", {"step", "max |p_t - softmax(x)|"}, {step, err},
                           {.title = "H2: entropic mirror ascent converges to softmax(x)",
                            .xlabel = "step",
                            .ylabel = "error",
                            .logy = true});
  return claims.exit_code();
}
