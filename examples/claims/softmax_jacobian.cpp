// COURSE.md H2: the softmax Jacobian ∂sᵢ/∂xⱼ = sᵢ(δᵢⱼ − sⱼ), J = diag(s) − ssᵀ: symmetric PSD with
// rank n−1 and null vector 1. And softmax(x) = argmax over the simplex of xᵀp + H(p), whose maximum
// is logsumexp(x): solved here by entropic mirror ascent, not by calling softmax.
#include <nnt/core/random.hpp>
#include <nnt/mlp/loss.hpp>

#include <Eigen/Eigenvalues>
#include <unsupported/Eigen/AutoDiff>
#include <utility>

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

double max_abs(const Eigen::MatrixXd& M) { return M.cwiseAbs().maxCoeff<Eigen::PropagateNaN>(); }

}  // namespace

int main(int argc, char** argv) {
  const auto opt = nnt_examples::parse_options(
      argc, argv, "softmax Jacobian and softmax as entropic argmax (H2)");
  nnt_examples::claims claims("softmax_jacobian");
  using AD = Eigen::AutoDiffScalar<Eigen::VectorXd>;
  using nnt_examples::nan_max, nnt_examples::nan_min;
  const nnt::softmax_cross_entropy_loss ce{nnt::reduction::sum};
  nnt::random_generator rng(opt.seed_for(2));
  const int n = 6;
  auto by_hand = [](const nnt::Vector<long double>& v) { return softmax_by_hand(v); };
  double jac_ad = 0, jac_fd = 0, lib = 0, sym_ad = 0, sym_fd = 0, min_eig = 1e300, null = 0;
  double argmax = 0, value = 0;
  int rank_ok = 0, iterations_needed = 0, it = 0;
  for (double scale : {0.5, 3.0, 30.0}) {
    for (int trial = 0; trial < 20; ++trial) {
      Eigen::VectorXd x(n);
      rng.fill_normal(x, 0.0, scale);
      const Eigen::VectorXd s = ce.softmax(Eigen::MatrixXd(x)).col(0);
      const Eigen::MatrixXd J = Eigen::MatrixXd(s.asDiagonal()) - s * s.transpose();  // the claim
      // Independent 1: AutoDiff of softmax written out; the properties below are checked on it.
      nnt::Vector<AD> xa(n);
      for (int i = 0; i < n; ++i) xa(i) = AD(x(i), n, i);
      Eigen::MatrixXd Jad(n, n), Jfd(n, n);  // Jfd: long-double central differences, h = 1e-7
      for (int i = 0; i < n; ++i) Jad.row(i) = softmax_by_hand(xa)(i).derivatives().transpose();
      for (int j = 0; j < n; ++j) {
        const nnt::Vector<long double> xl = x.cast<long double>(), e = 1e-7L * xl.Unit(n, j);
        Jfd.col(j) = ((by_hand(xl + e) - by_hand(xl - e)) / 2e-7L).cast<double>();
      }
      jac_ad = nan_max(jac_ad, max_abs(J - Jad));
      jac_fd = nan_max(jac_fd, max_abs(J - Jfd));
      sym_ad = nan_max(sym_ad, max_abs(Jad - Jad.transpose()));
      sym_fd = nan_max(sym_fd, max_abs(Jfd - Jfd.transpose()));
      // nnt's softmax cross-entropy output Hessian is the same matrix (for one-hot targets).
      const Eigen::MatrixXd Y = Eigen::MatrixXd::Identity(n, n).col(trial % n);
      lib = nan_max(lib, max_abs(ce.example_hessian(Eigen::MatrixXd(x), Y, 0) - Jad));
      const Eigen::VectorXd ev = Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd>(Jad).eigenvalues();
      min_eig = nan_min(min_eig, ev(0));
      // Rank n−1: one eigenvalue < 1e-13, under the smallest nonzero one (≥ min s, interlacing)
      // and above rounding (1e-16). At scale 30 some sᵢ are < 1e-13: the claim uses scales ½ and 3.
      if (scale < 30.0) rank_ok += (ev.array().abs() < 1e-13).count() == 1;
      null = nan_max(null, max_abs(Jad * Eigen::VectorXd::Ones(n)));
      // Mirror ascent, η = ½: the log-iterates contract by 1 − η per step, ≈ 55 steps to rounding.
      Eigen::VectorXd p = Eigen::VectorXd::Constant(n, 1.0 / n), previous = 0 * p;
      for (it = 0; it < 2000 && max_abs(p - previous) >= 4e-16; ++it)
        previous = std::exchange(p, mirror_step(p, x, 0.5));
      iterations_needed = std::max(iterations_needed, it);
      argmax = nan_max(argmax, max_abs(p - s));
      const double entropy = -(p.array() > 0).select(p.array() * p.array().log(), 0.0).sum();
      const double lse = ce.logsumexp<double>(Eigen::VectorXd(x));
      value = nan_max(value, std::abs(x.dot(p) + entropy - lse) / std::max(1.0, std::abs(lse)));
    }
  }
  // Tolerances. AutoDiff and nnt differ from J by a few roundings of entries ≤ ¼ (≤ 2.2e-16; 1e-15
  // allowed); AutoDiff's Jᵢⱼ, Jⱼᵢ carry ≤ 3 roundings each: asymmetry ≤ 1.7e-16. Differences:
  // ε_L·max s/h ≈ 1.1e-12 rounding + h²|∂³s|/6 ≤ 2e-15 truncation (|∂³s| ≤ 1), ×10; asymmetry 2×.
  claims.check("H2-J=diag(s)-ssT-vs-autodiff", 0, jac_ad, tol::abs, 1e-15);
  claims.check("H2-J=diag(s)-ssT-vs-finite-differences", 0, jac_fd, tol::abs, 1e-11);
  claims.check("H2-nnt-softmax-CE-output-Hessian-equals-autodiff-J", 0, lib, tol::abs, 1e-15);
  claims.check("H2-J-symmetric-autodiff", 0, sym_ad, tol::abs, 2e-16);
  claims.check("H2-J-symmetric-finite-differences", 0, sym_fd, tol::abs, 2e-11);
  // PSD up to eigen-solver rounding (eps·‖J‖ ≤ 1e-16); J1 = s(1 − Σs) is n·eps at most.
  claims.check("H2-J-PSD-min-eigenvalue", 0, std::min(min_eig, 0.0), tol::abs, 1e-15);
  claims.check("H2-rank-n-1-trials-scale-0.5-and-3", 40, rank_ok, tol::abs, 0);
  claims.check("H2-null-vector-1", 0, null, tol::abs, n * 2.3e-16);
  // p from mirror ascent vs nnt's softmax: the fixed point in floating point is off by rounding of
  // log p (≤ ε·|log p|·p ≤ ε/e per entry); the value sums n terms ≤ |x|: ε·n relative. ×10–100.
  claims.check("H2-mirror-ascent-argmax-equals-softmax", 0, argmax, tol::abs, 1e-14);
  claims.check("H2-max-equals-logsumexp", 0, value, tol::abs, 1e-14);
  claims.report("mirror-ascent-iterations", iterations_needed,
                "max over 60 trials to a step change < 4e-16, eta = 0.5");

  Eigen::VectorXd x(n);  // plot: the mirror-ascent error per step for one x
  rng.fill_normal(x, 0.0, 3.0);
  const Eigen::VectorXd s = ce.softmax(Eigen::MatrixXd(x)).col(0);
  Eigen::VectorXd p = Eigen::VectorXd::Constant(n, 1.0 / n);
  std::vector<double> step, err;
  for (int it = 0; it < 60; ++it, p = mirror_step(p, x, 0.5)) {
    step.push_back(it);
    err.push_back(std::max(max_abs(p - s), 1e-17));
  }
  nnt_examples::write_plot(
      opt, "mirror_ascent", {"step", "max |p_t - softmax(x)|"}, {step, err},
      {"H2: entropic mirror ascent converges to softmax(x)", "step", "error", false, true});
  return claims.exit_code();
}
