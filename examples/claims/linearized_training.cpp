// COURSE.md N4: under GD on ½‖f − y‖² the infinite-width net's mean prediction is f_t(X*) =
// Θ(X*, X)Θ⁻¹(I − (I − ηΘ)^t)Y (f₀ = 0; checked against the recursion f ← f − ηΘ(f − y)); a GD-
// trained finite net tracks it, gap ∝ n^{−1/2} (centred: trained on Y + f₀(X), read as f_t − f₀).
// η < 2/λ_max: the recursion's residual changes by the spectral radius of I − ηΘ per step, < 1 at
// 1.9/λ_max, > 1 at 2.1/λ_max; a finite net's loss never rises at 1.9/λ_max(its Θ), does at 2.1.
#include <Eigen/Eigenvalues>
#include <nnt/dynamics/optimizers.hpp>
#include <nnt/kernels/empirical.hpp>
#include <nnt/kernels/nngp_ntk.hpp>
#include <nnt/kernels/regression.hpp>
#include <nnt/mlp/mlp_objective.hpp>

#include "common/reproduce.hpp"
#include "common/stats.hpp"

using namespace nnt_examples;
using Matrix = Eigen::MatrixXd;

int main(int argc, char** argv) {
  const auto opt = parse_options(argc, argv, "wide nets follow the linearised (NTK) dynamics (N4)");
  claims claims("linearized_training");
  Eigen::setNbThreads(1);  // 8 columns: Eigen's threaded GEMM only spins on a loaded machine
  const nnt::mlp_options init{2.0, 0.1, nnt::parameterization::ntk, true};
  const nnt::Index d = 4, N = 8, M = 16;
  nnt::random_generator rng(opt.seed_for(9));
  auto inputs = [&](nnt::Index count) {  // Gaussian directions on the sphere of radius 2
    Matrix A(d, count);
    rng.fill_normal(A);
    return Matrix(2.0 * A.colwise().normalized());
  };
  const Matrix X = inputs(N), Xs = inputs(M), Y = X.colwise().sum().array().sin().matrix();
  const int T = 300, W = 100;  // GD steps; the rate is measured over steps W..2W
  auto train = [&](nnt::Index width, std::uint64_t seed, double eta) {
    nnt::mlp<double> net({d, width, width, 1}, nnt::activation::relu(), init);
    net.initialize(seed);
    const Matrix f0 = net.forward(Xs);
    nnt::mlp_objective objective(net, nnt::mse_loss{nnt::reduction::sum}, X,
                                 Matrix(Y + net.forward(X)));
    const auto r = nnt::gradient_descent(objective, net.parameters(), eta,
                                         {.stop = {.max_iterations = T, .divergence_bound = 1e8}});
    net.set_parameters(r.theta);
    return std::pair{Matrix(net.forward(Xs) - f0), r.loss};
  };
  const auto kernel = nnt::kernel_of(nnt::mlp<double>({d, 1, 1, 1}, nnt::activation::relu(), init));
  const Matrix theta = nnt::kernel_gram(kernel, X).ntk, cross = nnt::kernel_gram(kernel, X, Xs).ntk;
  const Eigen::SelfAdjointEigenSolver<Matrix> eig(theta);
  const Eigen::VectorXd lambda = eig.eigenvalues();
  const double lambda_max = lambda(N - 1);
  // The GD recursion on the kernel model, f on X (1 × N) and on X* (1 × M), with ‖f − y‖ per step.
  auto recursion = [&](double eta, std::vector<double>& residual) {
    Matrix f = Matrix::Zero(1, N), fs = Matrix::Zero(1, M);
    for (int t = 0; t <= T; ++t) {
      const Matrix r = f - Y;
      residual.push_back(r.norm());
      if (t < T) f -= eta * r * theta, fs -= eta * r * cross;
    }
    return fs;
  };
  std::vector<double> res;  // ‖f − y‖ per step of the last recursion
  const Matrix reference = recursion(1.0 / lambda_max, res);
  const auto closed = nnt::infinite_width_training(theta, cross, Y, 1.0 / lambda_max, T,
                                                   nnt::training_mode::gradient_descent);
  // closed form: Θ⁻¹ costs κ(Θ)·ε, the recursion T·ε: 10(κ + T)ε relative.
  claims.check("N4-infinite-closed-form-vs-GD-recursion", 0,
               (closed.mean - reference).norm() / reference.norm(), tol::abs,
               10 * (lambda_max / lambda(0) + T) * 2.2e-16);
  for (double c : {1.9, 2.1}) {
    // ‖r_t‖² = Σ a_i² μ_i^{2t}, μ_i = 1 − ηλ_i: over steps W..2W the rate is ρ = max|μ_i| up to
    // ρ·ε/(2W), ε = (‖r₀‖/a₁)²(ρ₂/ρ)^{2W} from the other modes.
    const double eta = c / lambda_max;
    Eigen::ArrayXd mu = (1.0 - eta * lambda.array()).abs(),
                   a = eig.eigenvectors().transpose() * Y.transpose();
    Eigen::Index top = 0;
    const double rho = mu.maxCoeff(&top);
    mu(top) = 0;
    res.clear();
    recursion(eta, res);
    const double rate = std::pow(res[2 * W] / res[W], 1.0 / W);  // before the rounding floor
    const double mix = std::pow(res[0] / a(top), 2) * std::pow(mu.maxCoeff() / rho, 2 * W);
    claims.check("N4-infinite-eta=" + format_number(c) + "/lambda_max-rate=max|1-eta*lambda|", rho,
                 rate, tol::abs, rho * mix / (2 * W) + 1e-13);  // + rounding of the pow
  }
  nnt::mlp<double> probe({d, 512, 512, 1}, nnt::activation::relu(), init);
  probe.initialize(opt.seed_for(77));
  const double lambda_emp =
      Eigen::SelfAdjointEigenSolver<Matrix>(nnt::empirical_ntk(probe, X)).eigenvalues()(N - 1);
  const auto lo = train(512, opt.seed_for(77), 1.9 / lambda_emp).second,
             hi = train(512, opt.seed_for(77), 2.1 / lambda_emp).second;
  double rise_lo = std::ranges::max(lo) / lo[0], rise_hi = 0;  // finite net vs its own Θ
  for (std::size_t t = 1; t < hi.size(); ++t) rise_hi = nan_max(rise_hi, hi[t] / hi[t - 1]);
  // Linearised: L_T/L0 ≤ ρ^{2T} ≈ 1e-13 at 1.9; 1e-6 leaves room for the O(n^{-1/2}) drift of Θ.
  claims.check_that("N4-finite-eta=1.9/lambda_max-loss-never-rises-and-converges",
                    "max L/L0 <= 1, L_T < 1e-6 L0",
                    format_number(rise_lo) + ", " + format_number(lo.back() / lo[0]),
                    rise_lo <= 1 && lo.back() < 1e-6 * lo[0]);
  claims.check_that("N4-finite-eta=2.1/lambda_max-loss-rises", "some L_t > L_{t-1}",
                    format_number(rise_hi), rise_hi > 1);
  claims.report("finite-eta=2.1/lambda_max-final-loss-ratio", hi.back() / hi[0], "catapult (D2)");
  // Gap to the infinite prediction: slope per seed (independent nets at each width), mean ± 3 SE.
  const int seeds = opt.full ? 16 : 8;
  const std::vector<double> widths = {64, 128, 256, 512, 1024};
  std::vector<double> slopes, gap(widths.size(), 0.0);
  for (int s = 0; s < seeds; ++s) {
    std::vector<double> err;
    for (std::size_t i = 0; i < widths.size(); ++i) {
      const Matrix f = train(nnt::Index(widths[i]), opt.seed_for(40 + s), 1.0 / lambda_max).first;
      err.push_back((f - reference).norm() / reference.norm());  // RMS over the M test points
      gap[i] += err.back() / seeds;
    }
    slopes.push_back(loglog_slope(widths, err));
  }
  // 3 SE of the mean slope, the SE from the spread of the per-seed slopes (independent nets).
  claims.check("N4-gap-shrinks-like-width^-1/2", -0.5, mean(slopes), tol::abs,
               3 * standard_error(slopes));
  write_plot(opt, "linearized_gap", {"width n", "relative gap to the infinite-width prediction"},
             {widths, gap},
             {"N4: GD-trained nets vs. the NTK prediction", "width n", "relative gap", true, true,
              "set style data linespoints\n"});
  return claims.exit_code();
}
