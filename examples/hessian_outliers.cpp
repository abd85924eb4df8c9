// COURSE.md N10: the loss Hessian = Gauss–Newton term JᵀH_ℓJ + residual term Σ ∂ℓ/∂z ∇²z; at
// initialisation of a wide net on C well-separated classes its top spectrum is a few outliers above
// a bulk; Gauss–Newton and the NTK share their nonzero eigenvalues (MSE: JᵀJ/N vs JJᵀ/N; softmax
// cross-entropy: JᵀH_ℓJ vs H_ℓ^{1/2}ΘH_ℓ^{1/2} with Θ = JJᵀ, H_ℓ = blocks diag(p) − ppᵀ).
// Wide net: matrix-free Lanczos (Spectra) on R-operator products; small net: dense identities.
#include <nnt/curvature/spectrum.hpp>
#include <nnt/mlp/derivatives.hpp>

#include <Eigen/Eigenvalues>

#include "common/reproduce.hpp"

using nnt_examples::tol;
using Matrix = Eigen::MatrixXd;

// A loss linear in the outputs, L = Σ G ⊙ Z: its Hessian in θ is exactly the residual term
// Σ_{a,i} G_{a,i} ∇²z_{a,i} (its output Hessian is zero).
struct linear_loss {
  Matrix G;
  template <class S> S value(const nnt::Matrix<S>& Z, const nnt::matrix_arg<S>&) const { return G.cwiseProduct(Z).sum(); }
  template <class S> S value_and_gradient(const nnt::Matrix<S>& Z, const nnt::matrix_arg<S>& Y, nnt::Matrix<S>& out) const {
    out = G;
    return value(Z, Y);
  }
  template <class S> void hessian_product(const nnt::Matrix<S>&, const nnt::matrix_arg<S>&, const nnt::matrix_arg<S>& V, nnt::Matrix<S>& out) const {
    out.setZero(V.rows(), V.cols());
  }
  template <class S> nnt::Matrix<S> output_hessian(const nnt::Matrix<S>& Z, const nnt::matrix_arg<S>&, nnt::Index) const {
    return nnt::Matrix<S>::Zero(Z.rows(), Z.rows());
  }
};

// Gaussian mixture: C classes in d dimensions, class means of norm ≈ separation, unit-norm noise.
void mixture(int C, int d, int per_class, double separation, nnt::random_generator& rng, Matrix& X, Matrix& Y) {
  Matrix mu(d, C);
  rng.fill_normal(mu, 0.0, separation / std::sqrt(double(d)));
  X.resize(d, C * per_class);
  Y.setZero(C, C * per_class);
  for (int a = 0; a < C * per_class; ++a) {
    Eigen::VectorXd z(d);
    rng.fill_normal(z, 0.0, 1.0 / std::sqrt(double(d)));
    X.col(a) = mu.col(a % C) + z;
    Y(a % C, a) = 1;
  }
}

Eigen::VectorXd descending_eigenvalues(const Matrix& A) {
  Eigen::VectorXd ev = Eigen::SelfAdjointEigenSolver<Matrix>(A, Eigen::EigenvaluesOnly).eigenvalues();
  return ev.reverse();
}

int main(int argc, char** argv) {
  const auto opt = nnt_examples::parse_options(argc, argv, "Hessian outliers, Gauss-Newton and the NTK (N10)");
  nnt_examples::claims claims("hessian_outliers");
  nnt::random_generator rng(10);

  // ---- small net: dense identities -------------------------------------------------------------
  {
    const int C = 3, d = 5, per = 10, N = C * per;
    Matrix X, Y;
    mixture(C, d, per, 3.0, rng, X, Y);
    nnt::mlp<double> net({d, 16, C}, nnt::activation::tanh());
    net.initialize(rng);
    const nnt::softmax_cross_entropy_loss ce;
    const Matrix H = nnt::hessian(net, ce, X, Y);
    const Matrix GN = nnt::gauss_newton(net, ce, X, Y);  // via the per-example Jacobian
    Matrix G;
    ce.value_and_gradient(net.forward(X), Y, G);
    const Matrix R = nnt::hessian(net, linear_loss{G}, X, Y);
    claims.check("N10-Hessian=GN+residual", 0, (H - GN - R).norm() / H.norm(), tol::abs, 1e-13);

    // GN vs H_ℓ^{1/2} Θ H_ℓ^{1/2}: Θ = JJᵀ (kN × kN), H_ℓ block diagonal (with the loss's 1/N).
    const Matrix J = nnt::per_example_jacobian(net, X);
    const Matrix Z = net.forward(X);
    Matrix Hhalf = Matrix::Zero(C * N, C * N);
    for (int a = 0; a < N; ++a) {
      Eigen::SelfAdjointEigenSolver<Matrix> es(ce.output_hessian(Z, Y, a));
      const Eigen::VectorXd root = es.eigenvalues().cwiseMax(0.0).cwiseSqrt();
      Hhalf.block(a * C, a * C, C, C) = es.eigenvectors() * root.asDiagonal() * es.eigenvectors().transpose();
    }
    const Eigen::VectorXd ev_gn = descending_eigenvalues(GN);
    const Eigen::VectorXd ev_ntk = descending_eigenvalues(Hhalf * J * J.transpose() * Hhalf);
    // rank ≤ N(C − 1) = 60 (each diag(p) − ppᵀ has rank C − 1); compare those eigenvalues, to
    // rounding relative to the largest (1e-12).
    const int r = N * (C - 1);
    claims.check("N10-CE-GN-vs-Hl^1/2-Theta-Hl^1/2-eigenvalues", 0,
                 (ev_gn.head(r) - ev_ntk.head(r)).cwiseAbs().maxCoeff() / ev_gn(0), tol::abs, 1e-12);
    claims.check("N10-CE-GN-rank<=N(C-1)", 0, std::abs(ev_gn(r)) / ev_gn(0), tol::abs, 1e-12);
    // MSE: GN = JᵀJ/N shares its nonzero eigenvalues with Θ/N = JJᵀ/N.
    const Matrix GN_mse = nnt::gauss_newton(net, nnt::mse_loss{}, X, Y);
    const Eigen::VectorXd a = descending_eigenvalues(GN_mse), b = descending_eigenvalues(J * J.transpose() / N);
    const int m = int(std::min(a.size(), b.size()));
    claims.check("N10-MSE-GN-vs-Theta/N-eigenvalues", 0, (a.head(m) - b.head(m)).cwiseAbs().maxCoeff() / a(0), tol::abs, 1e-12);
  }

  // ---- wide net: matrix-free Lanczos -----------------------------------------------------------
  const int C = 4, d = 20, per = opt.full ? 250 : 100, width = 256;
  Matrix X, Y;
  mixture(C, d, per, 10.0, rng, X, Y);
  nnt::mlp<double> net({d, width, width, C}, nnt::activation::relu(), {nnt::parameterization::standard, 2.0, 0.0, true});
  net.initialize(rng);
  const nnt::softmax_cross_entropy_loss ce;
  const nnt::hessian_operator H(net, ce, X, Y);
  const nnt::gauss_newton_operator GN(net, ce, X, Y);
  const int k = 3 * C;
  const auto top_h = nnt::top_eigenpairs(H, k);
  const auto top_gn = nnt::top_eigenpairs(GN, k);
  claims.check_that("N10-Lanczos-converged", "status ok for H and GN",
                    std::string(nnt::to_string(top_h.state)) + ", " + std::string(nnt::to_string(top_gn.state)),
                    top_h.state == nnt::status::ok && top_gn.state == nnt::status::ok);
  claims.report("parameters", double(net.parameter_count()), "wide net 20-256-256-4, ReLU, He init, N = " + std::to_string(C * per));
  claims.report("Lanczos-HVPs-top-12-of-H", double(top_h.operator_applications), "Spectra, tolerance 1e-10");
  // Outliers: the largest ratio λ_j / λ_{j+1} among the top 3C eigenvalues of GN marks the gap.
  int count = 0;
  double best_ratio = 0;
  for (int j = 0; j + 1 < top_gn.values.size(); ++j) {
    const double ratio = top_gn.values(j) / top_gn.values(j + 1);
    if (ratio > best_ratio) { best_ratio = ratio; count = j + 1; }
  }
  claims.check_that("N10-outliers-separated-from-bulk", "gap ratio > 3 in the top 3C of GN",
                    nnt_examples::format_number(best_ratio) + " after " + std::to_string(count) + " eigenvalues", best_ratio > 3);
  claims.report("outlier-count-GN", count, "eigenvalues above the largest gap, C = 4 classes (COURSE.md N10 says C; see the note)");
  claims.report("top-eigenvalue-H", top_h.values(0),
                "Gauss-Newton top: " + nnt_examples::format_number(top_gn.values(0)) + " (the residual term barely moves the outliers)");

  std::vector<double> index, vh, vg;
  for (int j = 0; j < k; ++j) {
    index.push_back(j + 1);
    vh.push_back(top_h.values(j));
    vg.push_back(top_gn.values(j));
  }
  nnt_examples::write_plot(opt, "top_eigenvalues", {"index", "Hessian", "Gauss-Newton"}, {index, vh, vg},
                           {.title = "N10: top eigenvalues at init, 4 classes", .xlabel = "index", .ylabel = "eigenvalue", .logy = true,
                            .extra = "set style data linespoints\n"});
  nnt::density_options dopt;
  dopt.probes = 4;
  dopt.lanczos_steps = 60;
  const auto density = nnt::spectral_density(H, dopt);
  std::vector<double> grid(density.grid.data(), density.grid.data() + density.grid.size());
  std::vector<double> dens;
  for (nnt::Index i = 0; i < density.density.size(); ++i) dens.push_back(std::max(density.density(i), 1e-8));
  nnt_examples::write_plot(opt, "hessian_density", {"eigenvalue", "SLQ density"}, {grid, dens},
                           {.title = "N10: Hessian spectral density (stochastic Lanczos quadrature)", .xlabel = "eigenvalue",
                            .ylabel = "density", .logy = true});
  return claims.exit_code();
}
