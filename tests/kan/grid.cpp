#include <nnt/kan/grid.hpp>

#include "kan_test_support.hpp"
#include "support/testing.hpp"

using namespace kan_test;

TEST_CASE("KAN grid refinement and grid update keep the function", "[kan]") {
  problem p = make_problem({2, 3, 1});
  // uniform grids over each layer's input range (ε = 1): every input inside its grid
  nnt::update_grids(p.net, p.X, {.eps = 1.0});
  const Matrix<double> before = p.net.forward(p.X);
  const auto twice = nnt::refine_grid(p.net, 8);  // 4 → 8 uniform intervals: nested spline spaces
  CHECK(twice.residual < 1e-12);
  CHECK((twice.net.forward(p.X) - before).cwiseAbs().maxCoeff() < 1e-10);
  const auto finer = nnt::refine_grid(p.net, 13);  // not nested: O(h⁴) refit error
  CHECK(finer.residual < 1e-2);
  nnt::kan<double> moved = p.net;
  const double refit = nnt::update_grids(moved, p.X);
  CHECK(refit < 1e-6);  // G + k coefficients fitted to 6 samples: exact up to the tiny ridge
  CHECK((moved.forward(p.X) - before).cwiseAbs().maxCoeff() < 1e-6);
}

TEST_CASE("KAN grid update refuses an empty batch and bad blends", "[kan]") {
  problem p = make_problem({2, 3, 1});
  NNT_CHECK_INVALID(nnt::update_grids(p.net, Matrix<double>(2, 0)),
                    "X.cols(): expected at least 1, got 0");
  NNT_CHECK_INVALID(nnt::update_grids(p.net, p.X, {.eps = 2.0}),
                    "eps: expected a value in [0, 1], got 2");
  NNT_CHECK_INVALID(nnt::refine_grid(p.net, 0), "G_new: expected a value in [1, 16777216], got 0");
}
