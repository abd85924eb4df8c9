// COURSE.md H7: for convex G-Lipschitz f with ‖w₀ − w*‖ ≤ D and η = D/(G√T), the averaged iterate
// of (sub)gradient descent satisfies f(w̄_T) − f(w*) ≤ DG/√T. Checked on f(w) = ‖w‖₁/√d (G = 1,
// w* = 0) from ‖w₀‖ = D, and on the mean absolute residual (1/m)Σ|aᵢᵀw − bᵢ| (G = max‖aᵢ‖,
// f* from a long run with a decaying rate); the rate is tight: fitted log-log slope −½.
#include <nnt/core/random.hpp>

#include <Eigen/Core>

#include "common/reproduce.hpp"

using nnt_examples::tol;

namespace {
// Subgradient method with constant η for T steps; returns f at the average of w₀ … w_{T−1}.
template <class F, class Sub>
double averaged_gap(F&& f, Sub&& subgradient, const Eigen::VectorXd& w0, double eta, int T) {
  Eigen::VectorXd w = w0, sum = Eigen::VectorXd::Zero(w0.size());
  for (int t = 0; t < T; ++t) {
    sum += w;
    w -= eta * subgradient(w);
  }
  return f(sum / T);
}
}  // namespace

int main(int argc, char** argv) {
  const auto opt =
      nnt_examples::parse_options(argc, argv, "convex Lipschitz GD rate DG/sqrt(T) (H7)");
  nnt_examples::claims claims("convex_gd_rate");
  const int d = 5;
  const double D = 3.0;
  nnt::random_generator rng(7);
  Eigen::VectorXd w0(d);
  rng.fill_normal(w0);
  w0 *= D / w0.norm();
  auto l1 = [&](const Eigen::VectorXd& w) { return w.lpNorm<1>() / std::sqrt(double(d)); };
  auto l1_sub = [&](const Eigen::VectorXd& w) {
    return Eigen::VectorXd(w.array().sign() / std::sqrt(double(d)));
  };
  std::vector<double> Ts, gaps, bounds;
  double worst = 0;
  for (int T : {10, 30, 100, 300, 1000, 3000, 10000, 30000}) {
    const double G = 1.0, eta = D / (G * std::sqrt(double(T)));
    const double gap = averaged_gap(l1, l1_sub, w0, eta, T);
    Ts.push_back(T);
    gaps.push_back(gap);
    bounds.push_back(D * G / std::sqrt(double(T)));
    worst = std::max(worst, gap / bounds.back());
  }
  claims.check_at_most("H7-l1-gap-below-DG/sqrt(T)-max-ratio", 1.0, worst);
  // Rate: for ‖w‖₁ the averaged iterate's gap is Θ(D/√T) — slope −½ (±0.05, a fit over 3.5
  // decades).
  claims.check("H7-l1-fitted-slope", -0.5, nnt_examples::loglog_slope(Ts, gaps), tol::abs, 0.05);

  // Mean absolute residual of an overdetermined system (non-smooth, convex).
  const int m = 30;
  Eigen::MatrixXd A(m, d);
  rng.fill_normal(A);
  Eigen::VectorXd b(m);
  rng.fill_normal(b);
  auto mar = [&](const Eigen::VectorXd& w) { return (A * w - b).lpNorm<1>() / m; };
  auto mar_sub = [&](const Eigen::VectorXd& w) {
    return Eigen::VectorXd(A.transpose() * (A * w - b).array().sign().matrix() / m);
  };
  double G = 0;
  for (int i = 0; i < m; ++i) G = std::max(G, A.row(i).norm());
  // f* by a long run with η_t = 0.1/√(t+1), tracking the best value (error ≪ the gaps below).
  Eigen::VectorXd w = Eigen::VectorXd::Zero(d), best_w = w;
  double f_star = mar(w);
  for (int t = 0; t < 400000; ++t) {
    w -= 0.1 / std::sqrt(t + 1.0) * mar_sub(w);
    if (mar(w) < f_star) {
      f_star = mar(w);
      best_w = w;
    }
  }
  const double Dm = best_w.norm();  // w₀ = 0, so ‖w₀ − w*‖ = ‖w*‖
  double worst_m = 0;
  for (int T : {10, 100, 1000, 10000}) {
    const double gap =
        averaged_gap(mar, mar_sub, Eigen::VectorXd::Zero(d), Dm / (G * std::sqrt(double(T))), T) -
        f_star;
    worst_m = std::max(worst_m, gap / (Dm * G / std::sqrt(double(T))));
  }
  claims.check_at_most("H7-mean-abs-residual-gap-below-DG/sqrt(T)-max-ratio", 1.0, worst_m);
  nnt_examples::write_plot(opt, "averaged_gap", {"T", "f(w_bar_T) - f*", "DG/sqrt(T)"},
                           {Ts, gaps, bounds},
                           {.title = "H7: subgradient descent on ||w||_1/sqrt(d), averaged iterate",
                            .xlabel = "T",
                            .ylabel = "gap",
                            .logx = true,
                            .logy = true,
                            .extra = "set style data linespoints\n"});
  return claims.exit_code();
}
