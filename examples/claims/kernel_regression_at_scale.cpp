// COURSE.md K3 at scale: NTK regression (ReLU, depth 3, C_w = 2, C_b = 0.1, λ = 1e-5·tr Θ/N) of
// the teacher exp(v·x/√d), |v| = 1.5, on the sphere ‖x‖² = d = 4, by three routes: the dense
// Cholesky solve (N ≤ 2000; --full ≤ 16000), PCG on the matrix-free kernel_operator with a
// rank-300 RPCholesky preconditioner, and Nyström with RPCholesky centres (M = 400).
// N = 250 … 4000 (--full: … 10⁵), largest first so the first PCG run's peak memory is its own.
// Claims: PCG's residual recomputed with the stored Gram meets CG's tolerance, so its α lies
// within tol·‖Y‖/λ of the dense solution; PCG's peak memory stays below a quarter of one Gram;
// Nyström at M = N equals the exact predictions, and its distance to them falls as M grows.
// Reported: learning-curve exponents, test errors, times and peak memory per N.
#include <nnt/core/random.hpp>
#include <nnt/kernels/large_scale.hpp>
#include <nnt/kernels/nngp_ntk.hpp>
#include <nnt/kernels/nystrom.hpp>
#include <nnt/kernels/regression.hpp>

#include <algorithm>
#include <chrono>
#include <limits>

#include "common/fits.hpp"
#include "common/peak_memory.hpp"
#include "common/plot_table.hpp"
#include "common/reproduce.hpp"

using namespace nnt_examples;
using Matrix = Eigen::MatrixXd;

namespace {

const nnt::Index d = 4, n_test = 1000;
const double ridge = 1e-5;          // λ relative to tr Θ / N
const double cg_tolerance = 1e-10;  // CG stops at ‖r‖ ≤ cg_tolerance·‖Yᵀ‖
const auto net = nnt::fully_connected_kernel(nnt::activation::relu(),
                                             {.hidden_layers = 2, .C_w = 2.0, .C_b = 0.1});

struct data_set {
  Matrix X, Y;
};
data_set sphere_teacher(nnt::Index n, const Eigen::VectorXd& v, nnt::random_generator rng) {
  Matrix X(d, n);
  rng.fill_normal(X);
  X = X.colwise().normalized() * std::sqrt(double(d));
  return {X, (v.transpose() * X / std::sqrt(double(d))).array().exp().matrix()};
}

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}
double relative_distance(const Matrix& a, const Matrix& b) { return (a - b).norm() / b.norm(); }

}  // namespace

int main(int argc, char** argv) {
  const auto opt = parse_options(argc, argv, "kernel regression at scale: exact, PCG, Nyström");
  claims claims("kernel_regression_at_scale");
  Eigen::VectorXd v(d);
  nnt::random_generator(opt.seed_for(41)).fill_normal(v);
  v *= 1.5 / v.norm();
  const auto test = sphere_teacher(n_test, v, nnt::random_generator(opt.seed_for(42)));
  const nnt::Index n_exact = opt.full ? 16000 : 2000;
  std::vector<double> ns =
      opt.full ? std::vector<double>{100000, 32000, 16000, 8000, 4000, 2000, 1000, 500, 250}
               : std::vector<double>{4000, 2000, 1000, 500, 250};
  plot_table t({"N", "exact", "PCG", "Nystrom M=400"}),
      cost({"N", "exact s", "PCG s", "Nystrom s"});
  for (double Nd : ns) {
    const auto N = nnt::Index(Nd);
    const auto [X, Y] =
        sphere_teacher(N, v, nnt::random_generator(opt.seed_for(43 + std::uint64_t(N))));
    const memory_probe memory;
    auto t0 = std::chrono::steady_clock::now();
    const nnt::kernel_operator<double> K(net, X);
    const auto pcg = nnt::kernel_ridge_pcg(K, Y,
                                           {.ridge = ridge,
                                            .relative = true,
                                            .preconditioner_rank = std::min<nnt::Index>(300, N),
                                            .tolerance = cg_tolerance});
    if (pcg.status != nnt::status::ok) {  // guard: CG stalled or the kernel overflowed
      claims.check_that("guard-PCG-status", "ok", std::string(to_string(pcg.status)), false);
      return claims.exit_code();
    }
    const Matrix f_pcg =
        nnt::kernel_ridge_predict(pcg, nnt::kernel_cross_operator<double>(net, test.X, X));
    const double pcg_s = seconds_since(t0), pcg_bytes = memory.peak_growth();
    // A Gram is 8N² bytes (the dense route holds 2–3); PCG needs the rank-k factor and the
    // preconditioner's eigenvectors (16Nk bytes), X, the diagonals and per-thread tiles.
    if (Nd == ns.front()) {  // later runs reuse pages the allocator kept: their growth means little
      claims.report("PCG-peak-memory-MB-at-largest-N", pcg_bytes / 1e6,
                    memory.exact() ? "Gram: 8N^2 bytes" : "an upper bound (peak not resettable)");
      claims.report("PCG-iterations-at-largest-N", double(pcg.iterations), "rank-300 RPCholesky");
      claims.check_at_most("PCG-peak-memory-below-Gram/4-N=" + std::to_string(N), 2 * Nd * Nd,
                           pcg_bytes);
    }
    t0 = std::chrono::steady_clock::now();
    const nnt::nystrom_options nys{.centres = std::min<nnt::Index>(400, N),
                                   .selection = nnt::centre_selection::rp_cholesky,
                                   .ridge = ridge,
                                   .relative = true,
                                   .tolerance = 1e-10};
    const auto nystrom = nnt::nystrom_ridge_fit(net, X, Y, nys);
    const Matrix f_nys = nnt::nystrom_predict(nystrom, net, test.X);
    const double nys_s = seconds_since(t0);
    double exact_mse = NAN, exact_s = NAN;
    if (N <= n_exact) {
      t0 = std::chrono::steady_clock::now();
      Matrix A = nnt::ntk_gram(net, X);
      const auto exact = nnt::kernel_ridge_fit(A, Y, {.ridge = pcg.ridge, .allow_jitter = false});
      if (exact.status != nnt::status::ok) {  // guard: Θ + λI must factor as it is
        claims.check_that("guard-dense-status", "ok", std::string(to_string(exact.status)), false);
        return claims.exit_code();
      }
      const Matrix f_exact = nnt::kernel_ridge_predict(exact, nnt::ntk_gram(net, X, test.X));
      exact_s = seconds_since(t0);
      exact_mse = (f_exact - test.Y).squaredNorm() / n_test;
      // CG stops at ‖r‖ ≤ cg_tolerance·‖Yᵀ‖ (its residual from the operator); recomputed with
      // the stored Gram, r gains the rounding of A·α, ≈ √N·ε·‖A‖‖α‖ (4× allowed). Then
      // ‖α − α*‖ = ‖A⁻¹r‖ ≤ ‖r‖/λ, plus the dense solve's own error: 10·κ·ε·‖α*‖, κ ≤ tr A/λ.
      A.diagonal().array() += pcg.ridge;
      const double eps = std::numeric_limits<double>::epsilon(), kappa = A.trace() / pcg.ridge;
      const double r_bound =
          1.01 * cg_tolerance * Y.norm() + 4 * std::sqrt(Nd) * eps * A.norm() * exact.alpha.norm();
      claims.check_at_most("PCG-residual-with-the-stored-Gram-N=" + std::to_string(N), r_bound,
                           (Y.transpose() - A * pcg.alpha).norm());
      claims.check_at_most("PCG-within-tolerance/lambda-of-exact-N=" + std::to_string(N),
                           r_bound / pcg.ridge + 10 * kappa * eps * exact.alpha.norm(),
                           (pcg.alpha - exact.alpha).norm());
      if (N == 250) {  // at M = N Nyström is the exact solve; both carry κ·ε ≲ 1e-9 relative
        auto all = nys;
        all.centres = N;
        all.selection = nnt::centre_selection::uniform;  // every point (RPCholesky may stop early)
        const Matrix f_all =
            nnt::nystrom_predict(nnt::nystrom_ridge_fit(net, X, Y, all), net, test.X);
        claims.check_at_most("Nystrom-M=N-equals-exact-N=250", 1e-7,
                             relative_distance(f_all, f_exact));
      }
      if (N == 2000) {
        std::vector<double> distance;
        for (nnt::Index M : {50, 200, 800}) {
          auto m = nys;
          m.centres = M;
          distance.push_back(relative_distance(
              nnt::nystrom_predict(nnt::nystrom_ridge_fit(net, X, Y, m), net, test.X), f_exact));
        }
        claims.check_that("Nystrom-distance-to-exact-falls-with-M=50,200,800-N=2000", "decreasing",
                          format_number(distance[0]) + " > " + format_number(distance[1]) + " > " +
                              format_number(distance[2]),
                          distance[0] > distance[1] && distance[1] > distance[2]);
      }
    }
    t.add_row({Nd, exact_mse, (f_pcg - test.Y).squaredNorm() / n_test,
               (f_nys - test.Y).squaredNorm() / n_test});
    cost.add_row({Nd, exact_s, pcg_s, nys_s});
  }
  std::vector<double> exact_n, exact_mse;
  for (std::size_t i = 0; i < ns.size(); ++i)
    if (!std::isnan(t[1][i])) exact_n.push_back(ns[i]), exact_mse.push_back(t[1][i]);
  claims.report("exact-learning-curve-exponent", loglog_slope(exact_n, exact_mse),
                "fitted slope of the exact solve's test MSE vs N");
  claims.report("PCG-learning-curve-exponent", loglog_slope(ns, t[2]), "over every N");
  claims.report("Nystrom-M=400-over-PCG-test-MSE-at-largest-N", t[3][0] / t[2][0],
                "M fixed while N grows: Nystrom stops improving");
  const auto at = std::size_t(std::find(ns.begin(), ns.end(), double(n_exact)) - ns.begin());
  claims.report("PCG-over-exact-time-at-N=" + std::to_string(n_exact), cost[2][at] / cost[1][at],
                "the matrix-free route trades time for O(N k) memory");
  t.write(opt, "kernel_regression_at_scale",
          linespoints("K3 at scale: NTK regression test MSE", "N", "test MSE", axes::log_log));
  cost.write(opt, "kernel_regression_at_scale_cost",
             linespoints("time per N", "N", "seconds", axes::log_log));
  return claims.exit_code();
}
