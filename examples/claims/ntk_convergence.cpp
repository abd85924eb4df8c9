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
#include "common/stats.hpp"

using nnt_examples::tol;

int main(int argc, char** argv) {
  const auto opt =
      nnt_examples::parse_options(argc, argv, "empirical NTK -> infinite-width NTK (N3)");
  nnt_examples::claims claims("ntk_convergence");
  const nnt::Index d = 5, N = 8;
  nnt::random_generator rng(opt.seed_for(3));
  Eigen::MatrixXd X(d, N);
  rng.fill_normal(X);
  X.colwise().normalize();
  X *= std::sqrt(double(d));
  const nnt::mlp_options options{2.0, 0.1, nnt::parameterization::ntk, true};

  // Structured form vs. the dense Jacobian product.
  nnt::mlp<double> small({d, 40, 40, 1}, nnt::activation::relu(), options);
  small.initialize(opt.seed_for(5));
  const Eigen::MatrixXd J = nnt::per_example_jacobian(small, X);
  const Eigen::MatrixXd dense = J * J.transpose();
  claims.check("N3-structured-equals-JJt", 0.0,
               (nnt::empirical_ntk(small, X) - dense).cwiseAbs().maxCoeff<Eigen::PropagateNaN>() /
                   dense.cwiseAbs().maxCoeff<Eigen::PropagateNaN>(),
               tol::abs, 1e-13);

  const auto infinite = nnt::ntk_gram(nnt::kernel_of(small), X);
  // PD for distinct normalised inputs, also on hard sets: a near-duplicate (x₀ turned by 1e-6 rad)
  // and 200 points in R^5. λ_min must clear the eigensolver's backward error, 10·N·ε·λ_max.
  auto on_sphere = [&](Eigen::MatrixXd A) {
    return Eigen::MatrixXd(std::sqrt(double(d)) * A.colwise().normalized());
  };
  Eigen::MatrixXd near(d, N + 1), many(d, 200), turn(d, 1);
  rng.fill_normal(turn);
  turn -= X.col(0) * X.col(0).dot(turn.col(0)) / double(d);  // ⟂ x₀
  near << X, on_sphere(X.col(0) + 1e-6 * std::sqrt(double(d)) * turn.normalized());
  rng.fill_normal(many);
  for (const auto& [name, inputs] : {std::pair{"8-inputs", X}, std::pair{"near-duplicate", near},
                                     std::pair{"200-inputs", on_sphere(many)}}) {
    const Eigen::VectorXd lambda =
        Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd>(nnt::ntk_gram(nnt::kernel_of(small), inputs))
            .eigenvalues();
    const double floor = 10 * double(inputs.cols()) * 2.2e-16 * lambda.maxCoeff();
    claims.check_that(std::string("N3-infinite-NTK-positive-definite-") + name,
                      "lambda_min > " + nnt_examples::format_number(floor),
                      nnt_examples::format_number(lambda.minCoeff()), lambda.minCoeff() > floor);
  }

  // Relative error ∝ n^{−1/2}: a slope per seed (independent nets at every width), mean ± 3 SE.
  const int seeds = opt.full ? 64 : 16;
  const std::vector<double> widths = {64, 128, 256, 512, 1024, 2048};
  std::vector<double> errors(widths.size(), 0.0), slopes;
  for (int s = 0; s < seeds; ++s) {
    std::vector<double> err;
    for (std::size_t i = 0; i < widths.size(); ++i) {
      const auto n = nnt::Index(widths[i]);
      nnt::mlp<double> net({d, n, n, 1}, nnt::activation::relu(), options);
      net.initialize(nnt::stream_seed(opt.seed_for(11), std::uint64_t(n * 100 + s)));
      err.push_back((nnt::empirical_ntk(net, X) - infinite).norm() / infinite.norm());
      errors[i] += err.back() / seeds;
    }
    slopes.push_back(nnt_examples::loglog_slope(widths, err));
  }
  claims.check("N3-relative-error-slope", -0.5, nnt_examples::mean(slopes), tol::abs,
               3 * nnt_examples::standard_error(slopes));  // SE over seeds
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
