// COURSE.md K3, the resolution-limited scaling law: a piecewise (multi)linear interpolant on a grid
// of N points of a smooth target in d dimensions has error O(h²), h = N^{−1/d}, so MSE ∝ N^{−4/d}:
// fitted log–log slopes −4, −2, −4/3 for d = 1, 2, 3 (± 0.1·4/d). With m points per axis the
// spacing is 1/(m − 1), so the local slope is −(4/d)·m/(m − 1): grids start at m = 16 (d ≤ 2) and
// 32 (d = 3) to keep that under 3%. The variance-limited law: variance_limited_scaling.
#include <nnt/core/random.hpp>

#include <algorithm>
#include <cmath>

#include "common/plot_table.hpp"
#include "common/reproduce.hpp"

using namespace nnt_examples;
using Matrix = Eigen::MatrixXd;

namespace {

// Resolution-limited part: multilinear interpolation on an m^d grid of [0, 1]^d.
double interpolation_mse(int d, int m, const Matrix& test) {
  auto f = [d](const double* x) {
    double s = 0;
    for (int i = 0; i < d; ++i) s += std::sin(3 * x[i] + i);
    return std::exp(0.5 * s);
  };
  const double h = 1.0 / (m - 1);
  double mse = 0;
  for (nnt::Index j = 0; j < test.cols(); ++j) {
    int cell[3];
    double frac[3], value = 0;
    for (int i = 0; i < d; ++i) {
      cell[i] = std::min(m - 2, int(test(i, j) / h));
      frac[i] = test(i, j) / h - cell[i];
    }
    for (int corner = 0; corner < (1 << d); ++corner) {
      double x[3], w = 1;
      for (int i = 0; i < d; ++i) {
        const int bit = (corner >> i) & 1;
        x[i] = (cell[i] + bit) * h;
        w *= bit ? frac[i] : 1 - frac[i];
      }
      value += w * f(x);
    }
    const double truth = f(&test.col(j).coeffRef(0));
    mse += (value - truth) * (value - truth) / double(test.cols());
  }
  return mse;
}

}  // namespace

int main(int argc, char** argv) {
  const auto opt = parse_options(argc, argv, "the resolution-limited scaling law (K3)");
  nnt_examples::claims claims("resolution_limited_scaling");
  const std::vector<std::vector<int>> points_per_axis{
      {16, 32, 64, 128, 256}, {16, 24, 32, 48, 64}, {32, 48, 64, 96, 128}};  // d = 1, 2, 3
  for (int d = 1; d <= 3; ++d) {
    Matrix test(d, 4000);
    nnt::random_generator(opt.seed_for(40 + std::uint64_t(d))).fill_uniform(test);
    std::vector<double> grid_n, grid_mse;
    for (int m : points_per_axis[d - 1]) {
      grid_n.push_back(std::pow(double(m), d));
      grid_mse.push_back(interpolation_mse(d, m, test));
    }
    claims.check("K3-resolution-limited-slope-d=" + std::to_string(d), -4.0 / d,
                 loglog_slope(grid_n, grid_mse), tol::abs, 0.1 * 4.0 / d);
    if (d == 2)
      write_plot(
          opt, "resolution_limited_d2", {"N", "MSE (d = 2)"}, {grid_n, grid_mse},
          linespoints("K3: grid interpolation, MSE ~ N^(-4/d), d = 2", "N", "MSE", axes::log_log));
  }
  return claims.exit_code();
}
