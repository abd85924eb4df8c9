// COURSE.md N10: the loss Hessian = Gauss–Newton term JᵀH_ℓJ + residual term Σ ∂ℓ/∂z ∇²z; at
// initialisation of a wide net on C well-separated classes its top spectrum is a few outliers above
// a bulk; Gauss–Newton and the NTK share their nonzero eigenvalues (MSE: JᵀJ/N vs JJᵀ/N; softmax
// cross-entropy: JᵀH_ℓJ vs H_ℓ^{1/2}ΘH_ℓ^{1/2} with Θ = JJᵀ, H_ℓ = blocks diag(p) − ppᵀ).
// Wide net: matrix-free Lanczos (Spectra) on R-operator products; small net: dense identities.
#include <nnt/curvature/eigenpairs.hpp>
#include <nnt/curvature/lanczos.hpp>
#include <nnt/mlp/derivatives.hpp>

#include "common/random_draws.hpp"
#include "common/reproduce.hpp"
#include "common/symmetric_eigen.hpp"

using nnt_examples::descending_eigenvalues;
using nnt_examples::format_number;
using nnt_examples::tol;
using Matrix = Eigen::MatrixXd;

// C Gaussian classes in R^d (means of norm ≈ separation, noise of unit norm): X, one-hot Y.
std::pair<Matrix, Matrix> mixture(int C, int d, int per_class, double separation,
                                  nnt::random_generator& rng) {
  const Matrix mu = nnt_examples::gaussian_matrix(rng, d, C, separation / std::sqrt(double(d)));
  Matrix X(d, C * per_class), Y = Matrix::Zero(C, C * per_class);
  for (int a = 0; a < C * per_class; ++a) {
    X.col(a) = mu.col(a % C) + nnt_examples::gaussian_vector(rng, d, 1.0 / std::sqrt(double(d)));
    Y(a % C, a) = 1;
  }
  return {X, Y};
}

int main(int argc, char** argv) {
  const auto opt =
      nnt_examples::parse_options(argc, argv, "Hessian outliers, Gauss-Newton and the NTK (N10)");
  nnt_examples::claims claims("hessian_outliers");
  nnt::random_generator rng(10);
  const nnt::softmax_cross_entropy_loss ce;

  {  // Small net: dense identities.
    const int C = 3, d = 5, per = 10, N = C * per, r = N * (C - 1);
    const auto [X, Y] = mixture(C, d, per, 3.0, rng);
    nnt::mlp<double> net({d, 16, C}, nnt::activation::tanh(),
                         {.param = nnt::parameterization::standard});
    net.initialize(rng);
    const Matrix H = nnt::hessian(net, ce, X, Y), GN = nnt::gauss_newton(net, ce, X, Y);
    Matrix G;  // ∂ℓ/∂z; the residual term is Σ G ⊙ ∇²z
    ce.value_and_gradient(net.forward(X), Y, G);
    const Matrix R = nnt::output_hessian(net, X, G);
    claims.check("N10-Hessian=GN+residual", 0, (H - GN - R).norm() / H.norm(), tol::abs, 1e-13);

    // GN vs H_ℓ^{1/2} Θ H_ℓ^{1/2}: Θ = JJᵀ (kN × kN), H_ℓ block diagonal (with the loss's 1/N).
    const Matrix J = nnt::per_example_jacobian(net, X), Z = net.forward(X);
    Matrix Hhalf = Matrix::Zero(C * N, C * N);
    for (int a = 0; a < N; ++a)
      Hhalf.block(a * C, a * C, C, C) = nnt_examples::psd_sqrt(ce.example_hessian(Z, Y, a));
    const Eigen::VectorXd gn = descending_eigenvalues(GN);
    const Eigen::VectorXd ntk = descending_eigenvalues(Hhalf * J * J.transpose() * Hhalf);
    // rank ≤ N(C − 1) = 60 (each diag(p) − ppᵀ has rank C − 1); compare those eigenvalues, to
    // rounding relative to the largest (1e-12).
    claims.check("N10-CE-GN-vs-Hl^1/2-Theta-Hl^1/2-eigenvalues", 0,
                 (gn.head(r) - ntk.head(r)).cwiseAbs().maxCoeff() / gn(0), tol::abs, 1e-12);
    claims.check("N10-CE-GN-rank<=N(C-1)", 0, std::abs(gn(r)) / gn(0), tol::abs, 1e-12);
    // MSE: GN = JᵀJ/N shares its nonzero eigenvalues with Θ/N = JJᵀ/N.
    const Eigen::VectorXd a = descending_eigenvalues(nnt::gauss_newton(net, nnt::mse_loss{}, X, Y)),
                          b = descending_eigenvalues(J * J.transpose() / N);
    const int m = int(std::min(a.size(), b.size()));
    claims.check("N10-MSE-GN-vs-Theta/N-eigenvalues", 0,
                 (a.head(m) - b.head(m)).cwiseAbs().maxCoeff() / a(0), tol::abs, 1e-12);
  }
  // Wide net: matrix-free Lanczos.
  const int C = 4, d = 20, per = opt.full ? 250 : 100, width = 256, k = 3 * C;
  const auto [X, Y] = mixture(C, d, per, 10.0, rng);
  nnt::mlp<double> net({d, width, width, C}, nnt::activation::relu(),
                       {2.0, 0.0, nnt::parameterization::standard, true});
  net.initialize(rng);
  const nnt::hessian_operator H(net, ce, X, Y);
  const auto top_h = nnt::top_eigenpairs(H, k);
  const auto top_gn = nnt::top_eigenpairs(nnt::gauss_newton_operator(net, ce, X, Y), k);
  claims.check_that(
      "N10-Lanczos-converged", "status ok for H and GN",
      std::string(to_string(top_h.status)) + ", " + std::string(to_string(top_gn.status)),
      top_h.status == nnt::status::ok && top_gn.status == nnt::status::ok);
  claims.report("parameters", double(net.parameter_count()),
                "wide net 20-256-256-4, ReLU, He init, N = " + std::to_string(C * per));
  claims.report("Lanczos-HVPs-top-12-of-H", double(top_h.operator_applications),
                "Spectra, tolerance 1e-10");
  // Outliers: the largest ratio λ_j / λ_{j+1} among the top 3C eigenvalues of GN marks the gap.
  const Eigen::VectorXd& v = top_gn.values;
  Eigen::Index j = 0;  // the largest ratio is λ_{j+1}/λ_{j+2} (1-based): j + 1 outliers
  const double best_ratio = v.head(v.size() - 1).cwiseQuotient(v.tail(v.size() - 1)).maxCoeff(&j);
  claims.check_that("N10-outliers-separated-from-bulk", "gap ratio > 3 in the top 3C of GN",
                    format_number(best_ratio) + " after " + std::to_string(j + 1) + " eigenvalues",
                    best_ratio > 3);
  claims.report(
      "outlier-count-GN", double(j + 1),
      "eigenvalues above the largest gap, C = 4 classes (COURSE.md N10 says C; see the note)");
  claims.report("top-eigenvalue-H", top_h.values(0),
                "Gauss-Newton top: " + format_number(top_gn.values(0)) +
                    " (the residual term barely moves the outliers)");
  std::vector<double> index;
  for (int j = 1; j <= k; ++j) index.push_back(j);
  nnt_examples::write_plot(opt, "top_eigenvalues", {"index", "Hessian", "Gauss-Newton"},
                           {index,
                            {top_h.values.data(), top_h.values.data() + k},
                            {top_gn.values.data(), top_gn.values.data() + k}},
                           {.title = "N10: top eigenvalues at init, 4 classes",
                            .xlabel = "index",
                            .ylabel = "eigenvalue",
                            .logy = true,
                            .extra = "set style data linespoints\n"});
  const auto density = nnt::spectral_density(H, {.probes = 4, .lanczos_steps = 60});
  std::vector<double> grid(density.grid.begin(), density.grid.end()), dens;
  for (double v : density.density) dens.push_back(std::max(v, 1e-8));
  nnt_examples::write_plot(
      opt, "hessian_density", {"eigenvalue", "SLQ density"}, {grid, dens},
      {.title = "N10: Hessian spectral density (stochastic Lanczos quadrature)",
       .xlabel = "eigenvalue",
       .ylabel = "density",
       .logy = true});
  return claims.exit_code();
}
