// COURSE.md H6: a gradient step is a proximal step, w − η∇f(w) = argmin_u f(w) + ∇f(w)ᵀ(u − w)
// + ‖u − w‖²/(2η). Checked for the loss of a small MLP (∇f by nnt's backprop) by minimising the
// model directly — golden-section search coordinate by coordinate, no derivative algebra — and on a
// quadratic, where for η ≤ 1/L the model majorises f (descent lemma) and for η > 2/L it does not.
#include <nnt/core/dense_operator.hpp>
#include <nnt/curvature/eigenpairs.hpp>
#include <nnt/curvature/lanczos.hpp>
#include <nnt/curvature/trace.hpp>
#include <nnt/mlp/derivatives.hpp>

#include "common/reproduce.hpp"

using nnt_examples::tol;

// Minimises a unimodal 1-D function on [lo, hi] by golden-section search to width 1e-11.
template <class F>
double golden_section(F&& phi, double lo, double hi) {
  const double r = (std::sqrt(5.0) - 1) / 2;
  double a = lo, b = hi, c = b - r * (b - a), d = a + r * (b - a);
  double fc = phi(c), fd = phi(d);
  while (b - a > 1e-11) {
    if (fc < fd) {
      b = d;
      d = c;
      fd = fc;
      c = b - r * (b - a);
      fc = phi(c);
    } else {
      a = c;
      c = d;
      fc = fd;
      d = a + r * (b - a);
      fd = phi(d);
    }
  }
  return (a + b) / 2;
}

int main(int argc, char** argv) {
  const auto opt =
      nnt_examples::parse_options(argc, argv, "gradient descent as a proximal step (H6)");
  nnt_examples::claims claims("gd_proximal");
  nnt::mlp<double> net({3, 8, 2}, nnt::activation::tanh(),
                       {.param = nnt::parameterization::standard});
  net.initialize(opt.seed_for(4));
  nnt::random_generator rng(opt.seed_for(5));
  Eigen::MatrixXd X(3, 16), Y(2, 16);
  rng.fill_normal(X);
  rng.fill_normal(Y);
  double worst = 0;
  for (double eta : {0.01, 0.1, 1.0}) {
    Eigen::VectorXd g;
    nnt::loss_and_gradient(net, nnt::mse_loss{}, X, Y, g);
    const Eigen::VectorXd w = net.parameters(), step = w - eta * g;
    // The model is separable: u_i minimises g_i (u_i − w_i) + (u_i − w_i)²/(2η).
    Eigen::VectorXd argmin(w.size());
    for (nnt::Index i = 0; i < w.size(); ++i) {
      auto phi = [&](double u) { return g(i) * (u - w(i)) + (u - w(i)) * (u - w(i)) / (2 * eta); };
      argmin(i) = golden_section(phi, w(i) - 10, w(i) + 10);
    }
    // Comparison-based search cannot resolve the minimiser of a quadratic better than where its
    // values differ by rounding: δ²/(2η) ≈ eps·ηg²/2, i.e. δ ≈ √eps·η|g| (plus the 1e-11 bracket).
    for (nnt::Index i = 0; i < w.size(); ++i)
      worst = nnt_examples::nan_max(
          worst, std::abs(argmin(i) - step(i)) / (1.5e-8 * eta * std::abs(g(i)) + 1e-11));
  }
  claims.check_at_most("H6-gd-step-equals-model-argmin-in-sqrt(eps)*eta*g-units", 4.0, worst);
  // ∇f is nnt's backprop: its derivatives along 5 random unit d against long-double central
  // differences of the loss (h = 1e-6: h²|f‴|/6 + ε_L|f|/h ≈ 2e-13 for |f‴|, |f| ≲ 1; tol 1e-11).
  Eigen::VectorXd g;
  nnt::loss_and_gradient(net, nnt::mse_loss{}, X, Y, g);
  nnt::mlp<long double> wide = net.cast<long double>();
  const nnt::Matrix<long double> Xl = X.cast<long double>(), Yl = Y.cast<long double>();
  auto loss = [&](const nnt::Vector<long double>& theta) {
    nnt::Vector<long double> ignored;
    wide.parameters() = theta;
    return nnt::loss_and_gradient(wide, nnt::mse_loss{}, Xl, Yl, ignored);
  };
  double fd_error = 0;
  for (int k = 0; k < 5; ++k) {
    Eigen::VectorXd d(g.size());
    rng.fill_normal(d);
    d.normalize();
    const nnt::Vector<long double> w = net.parameters().cast<long double>(),
                                   e = 1e-6L * d.cast<long double>();
    const double fd = double((loss(w + e) - loss(w - e)) / 2e-6L);
    fd_error = nnt_examples::nan_max(fd_error,
                                     std::abs(fd - g.dot(d)) / std::max(1.0, std::abs(g.dot(d))));
  }
  claims.check("H6-nnt-gradient-vs-central-differences", 0, fd_error, tol::abs, 1e-11);

  // Quadratic f = ½wᵀAw − bᵀw, L = λmax(A) by nnt: for η = 1/L, f(u) − model = ½dᵀ(A − L)d ≤ 0 up
  // to rounding of f (≈ 4ε|f|: tol 1e-14 relative to max(1, |f|)); violated for η = 2.5/L.
  const int n = 10;
  Eigen::MatrixXd G(n, n);
  rng.fill_normal(G);
  const Eigen::MatrixXd A = G * G.transpose() / n + 0.1 * Eigen::MatrixXd::Identity(n, n);
  Eigen::VectorXd b(n);
  rng.fill_normal(b);
  const double L = nnt::top_eigenpairs(nnt::dense_operator<double>(A), 1).values(0);
  auto f = [&](const Eigen::VectorXd& v) { return 0.5 * v.dot(A * v) - b.dot(v); };
  for (double factor : {1.0, 2.5}) {
    Eigen::VectorXd w(n);
    rng.fill_normal(w);
    double worst_gap = -1e300;  // max of f(u) − model(u) over 50 steps
    for (int it = 0; it < 50; ++it) {
      const Eigen::VectorXd grad = A * w - b, u = w - factor / L * grad;
      const double model = f(w) + grad.dot(u - w) + (u - w).squaredNorm() * L / (2 * factor);
      worst_gap = nnt_examples::nan_max(worst_gap, (f(u) - model) / std::max(1.0, std::abs(f(w))));
      w = u;
    }
    if (factor == 1.0)
      claims.check_at_most("H6-model-majorises-f-at-eta=1/L", 1e-14, worst_gap);
    else
      claims.check_that("H6-model-fails-to-majorise-at-eta=2.5/L", "f(u) > model(u) at some step",
                        "max f(u) - model(u) = " + nnt_examples::format_number(worst_gap),
                        worst_gap > 0);
  }
  return claims.exit_code();
}
