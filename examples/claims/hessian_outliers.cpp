// COURSE.md N10: the loss Hessian = Gauss–Newton term JᵀH_ℓJ + residual term Σ ∂ℓ/∂z ∇²z;
// Gauss–Newton and the NTK share their nonzero eigenvalues (MSE: JᵀJ/N vs JJᵀ/N; softmax
// cross-entropy: JᵀH_ℓJ vs H_ℓ^{1/2}ΘH_ℓ^{1/2}, H_ℓ = blocks (diag(p) − ppᵀ)/N). GN's eigenvalues
// come from Lanczos on the matrix-free R-operator, Θ from the GEMM-structured empirical NTK and
// H_ℓ from the softmax by hand: no shared Jacobian. N10 gives no outlier count at initialisation
// (C3), so the top spectrum of a wide net on C classes is reported, not claimed.
#include <nnt/curvature/eigenpairs.hpp>
#include <nnt/curvature/lanczos.hpp>
#include <nnt/kernels/empirical.hpp>
#include <nnt/mlp/derivatives.hpp>

#include "common/random_draws.hpp"
#include "common/reproduce.hpp"
#include "common/symmetric_eigen.hpp"

using namespace nnt_examples;
using Matrix = Eigen::MatrixXd;

// C Gaussian classes in R^d (means of norm ≈ separation, noise of unit norm): X, one-hot Y.
std::pair<Matrix, Matrix> mixture(int C, int d, int per_class, double separation,
                                  nnt::random_generator& rng) {
  const Matrix mu = gaussian_matrix(rng, d, C, separation / std::sqrt(double(d)));
  Matrix X(d, C * per_class), Y = Matrix::Zero(C, C * per_class);
  for (int a = 0; a < C * per_class; ++a) {
    X.col(a) = mu.col(a % C) + gaussian_vector(rng, d, 1.0 / std::sqrt(double(d)));
    Y(a % C, a) = 1;
  }
  return {X, Y};
}

// Top q eigenvalues of H_ℓ^{1/2} Θ H_ℓ^{1/2}, H_ℓ from the softmax of the logits (mean CE: 1/N).
Eigen::VectorXd ntk_side(const nnt::mlp<double>& net, const Matrix& X, Eigen::Index q) {
  const Matrix Z = net.forward(X), theta = nnt::empirical_ntk(net, X);
  const Eigen::Index C = Z.rows(), N = Z.cols();
  Matrix Hhalf = Matrix::Zero(C * N, C * N);
  for (Eigen::Index a = 0; a < N; ++a) {
    Eigen::VectorXd p = (Z.col(a).array() - Z.col(a).maxCoeff()).exp().matrix();
    p /= p.sum();
    const Matrix Ha = (Matrix(p.asDiagonal()) - p * p.transpose()) / double(N);
    Hhalf.block(a * C, a * C, C, C) = psd_sqrt(Ha);
  }
  return descending_eigenvalues(Hhalf * theta * Hhalf).head(q);
}

// Top q of GN = JᵀH_ℓJ by Lanczos; a solver that fails its own residual test stops the example.
Eigen::VectorXd gn_side(const nnt::mlp<double>& net, const Matrix& X, const Matrix& Y,
                        Eigen::Index q, std::uint64_t seed) {
  const auto top = nnt::top_eigenpairs(
      nnt::gauss_newton_operator(net, nnt::softmax_cross_entropy_loss{}, X, Y), q, {.seed = seed});
  if (top.status != nnt::status::ok || top.values.size() != q)
    throw std::runtime_error("guard: GN Lanczos: " + std::string(to_string(top.status)));
  return top.values;
}

int main(int argc, char** argv) {
  const auto opt = parse_options(argc, argv, "Hessian outliers, Gauss-Newton and the NTK (N10)");
  claims claims("hessian_outliers");
  nnt::random_generator rng(opt.seed_for(10));
  const nnt::softmax_cross_entropy_loss ce;
  // Lanczos: recomputed residual ‖Av − λv‖ ≤ 10·1e-10·|λ| bounds |λ̂ − λ| (Weyl); dense rounding
  // adds ~1e-14·λ_max: 2e-9 relative to the top eigenvalue.
  const double lanczos_tol = 2e-9;
  auto rel_gap = [](const Eigen::VectorXd& a, const Eigen::VectorXd& b) {
    return (a - b).cwiseAbs().maxCoeff<Eigen::PropagateNaN>() / a(0);
  };

  {  // Small net: dense Hessian identities and the GN ↔ NTK spectra.
    const int C = 3, d = 5, per = 10, N = C * per, r = N * (C - 1);
    const auto [X, Y] = mixture(C, d, per, 3.0, rng);
    nnt::mlp<double> net({d, 16, C}, nnt::activation::tanh(),
                         {.param = nnt::parameterization::standard});
    net.initialize(rng);
    const Matrix H = nnt::hessian(net, ce, X, Y), GN = nnt::gauss_newton(net, ce, X, Y);
    Matrix G;  // ∂ℓ/∂z; the residual term is Σ G ⊙ ∇²z
    ce.value_and_gradient(net.forward(X), Y, G);
    const Matrix R = nnt::output_hessian(net, X, G);
    // three dense P × P matrices summed: rounding ~ P·ε ≈ 3e-14 relative (P = 147).
    claims.check("N10-Hessian=GN+residual", 0, (H - GN - R).norm() / H.norm(), tol::abs, 1e-13);
    claims.check("N10-CE-GN-vs-Hl^1/2-Theta-Hl^1/2-eigenvalues", 0,
                 rel_gap(gn_side(net, X, Y, 12, opt.seed_for(1)), ntk_side(net, X, 12)), tol::abs,
                 lanczos_tol);
    // each diag(p) − ppᵀ has rank C − 1; eigenvalue r + 1 is rounding (~P·ε relative).
    const Eigen::VectorXd gn = descending_eigenvalues(GN);
    claims.check("N10-CE-GN-rank<=N(C-1)", 0, std::abs(gn(r)) / gn(0), tol::abs, 1e-12);
    // MSE: GN = JᵀJ/N shares its nonzero eigenvalues with Θ/N (Θ from the structured NTK); both
    // dense eigensolvers: rounding ~ P·ε relative to the largest, 1e-12.
    const Eigen::VectorXd a = descending_eigenvalues(nnt::gauss_newton(net, nnt::mse_loss{}, X, Y)),
                          b = descending_eigenvalues(nnt::empirical_ntk(net, X) / N);
    claims.check("N10-MSE-GN-vs-Theta/N-eigenvalues", 0, rel_gap(a.head(b.size()), b), tol::abs,
                 1e-12);
  }
  // Wide net: the same identity at P ≈ 20k, N = 240 (Θ is 960 × 960).
  const int C = 4, d = 20, per = opt.full ? 250 : 60, width = 128, k = 3 * C;
  const auto [X, Y] = mixture(C, d, per, 10.0, rng);
  nnt::mlp<double> net({d, width, width, C}, nnt::activation::relu(),
                       {2.0, 0.0, nnt::parameterization::standard, true});
  net.initialize(rng);
  const Eigen::VectorXd top_gn = gn_side(net, X, Y, k, opt.seed_for(2));
  claims.check("N10-CE-GN-vs-Hl^1/2-Theta-Hl^1/2-top-12-wide-net", 0,
               rel_gap(top_gn, ntk_side(net, X, k)), tol::abs, lanczos_tol);
  // Outliers (C3: reported): the largest ratio λ_j/λ_{j+1} in the top 3C of GN marks the gap.
  Eigen::Index j = 0;
  const double ratio = top_gn.head(k - 1).cwiseQuotient(top_gn.tail(k - 1)).maxCoeff(&j);
  claims.report("outlier-count-GN", double(j + 1),
                "above the largest gap lambda_j/lambda_j+1 = " + format_number(ratio) +
                    " in the top 3C, C = 4; N10 gives no count at init (C3 reports it)");
  const Eigen::VectorXd index = Eigen::VectorXd::LinSpaced(k, 1, k);
  write_plot(opt, "top_eigenvalues", {"index", "Gauss-Newton"},
             {{index.data(), index.data() + k}, {top_gn.data(), top_gn.data() + k}},
             {"N10: top GN eigenvalues at init, 4 classes", "index", "eigenvalue", false, true,
              "set style data linespoints\n"});
  const nnt::hessian_operator H(net, ce, X, Y);
  const auto density =
      nnt::spectral_density(H, {.probes = 4, .lanczos_steps = 60, .seed = opt.seed_for(4)});
  std::vector<double> grid(density.grid.begin(), density.grid.end()), dens;
  for (double v : density.density) dens.push_back(std::max(v, 1e-8));
  write_plot(opt, "hessian_density", {"eigenvalue", "SLQ density"}, {grid, dens},
             {"N10: Hessian spectral density (SLQ)", "eigenvalue", "density", false, true});
  return claims.exit_code();
}
