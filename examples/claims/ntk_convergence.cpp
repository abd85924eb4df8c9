// COURSE.md N3: Θ(x, x′) = Σ_θ ∂z(x)/∂θ ∂z(x′)/∂θ. The empirical NTK of a finite network (nnt's
// structured form, checked here against the dense J Jᵀ) converges to the infinite-width recursion
// Θ^{(l+1)} = K^{(l+1)} + C_w E[σ′σ′] Θ^{(l)} as the width grows (NTK parameterisation; relative
// error ∝ 1/√n, fitted slope −½ ± 0.15), and the infinite NTK is positive definite for distinct
// normalised inputs.
#include <nnt/kernels/empirical.hpp>
#include <nnt/kernels/nngp_ntk.hpp>
#include <nnt/mlp/derivatives.hpp>

#include <Eigen/Eigenvalues>

#include "common/reproduce.hpp"

using nnt_examples::tol;

int main(int argc, char** argv) {
  const auto opt =
      nnt_examples::parse_options(argc, argv, "empirical NTK -> infinite-width NTK (N3)");
  nnt_examples::claims claims("ntk_convergence");
  const nnt::Index d = 5, N = 8;
  nnt::random_generator rng(3);
  Eigen::MatrixXd X(d, N);
  rng.fill_normal(X);
  X.colwise().normalize();
  X *= std::sqrt(double(d));
  const nnt::mlp_options options{2.0, 0.1, nnt::parameterization::ntk, true};

  // Structured form vs. the dense Jacobian product.
  nnt::mlp<double> small({d, 40, 40, 1}, nnt::activation::relu(), options);
  small.initialize(5);
  const Eigen::MatrixXd J = nnt::per_example_jacobian(small, X);
  const Eigen::MatrixXd dense = J * J.transpose();
  claims.check(
      "N3-structured-equals-JJt", 0.0,
      (nnt::empirical_ntk(small, X) - dense).cwiseAbs().maxCoeff() / dense.cwiseAbs().maxCoeff(),
      tol::abs, 1e-13);

  const auto infinite = nnt::ntk_gram(nnt::kernel_of(small), X);
  const Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> eig(infinite);
  claims.check_that("N3-infinite-NTK-positive-definite", "lambda_min > 0",
                    "lambda_min = " + nnt_examples::format_number(eig.eigenvalues()(0)),
                    eig.eigenvalues()(0) > 0);
  claims.report("infinite-NTK-condition-number", eig.eigenvalues()(N - 1) / eig.eigenvalues()(0),
                "8 normalised inputs, ReLU depth 3");

  const int seeds = opt.full ? 64 : 16;
  std::vector<double> widths, errors;
  for (nnt::Index n : {64, 128, 256, 512, 1024, 2048}) {
    nnt::mlp<double> net({d, n, n, 1}, nnt::activation::relu(), options);
    double err = 0;
    for (int s = 0; s < seeds; ++s) {
      net.initialize(nnt::stream_seed(11, std::uint64_t(n * 100 + s)));
      err += (nnt::empirical_ntk(net, X) - infinite).norm() / infinite.norm() / seeds;
    }
    widths.push_back(double(n));
    errors.push_back(err);
  }
  claims.check("N3-relative-error-slope", -0.5, nnt_examples::loglog_slope(widths, errors),
               tol::abs, 0.15);
  claims.report("relative-error-width-2048", errors.back(),
                "||Theta_emp - Theta_inf||_F / ||Theta_inf||_F, mean over seeds");
  nnt_examples::write_plot(opt, "ntk_convergence", {"width n", "relative Frobenius error"},
                           {widths, errors},
                           {.title = "N3: empirical NTK -> infinite NTK (ReLU, 2 hidden layers)",
                            .xlabel = "width n",
                            .ylabel = "relative error",
                            .logx = true,
                            .logy = true,
                            .extra = "set style data linespoints\n"});
  return claims.exit_code();
}
