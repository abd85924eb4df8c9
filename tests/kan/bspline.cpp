#include <nnt/kan/bspline.hpp>

#include <cmath>
#include <vector>

#include "support/testing.hpp"

using nnt::Index;
using nnt::Vector;

namespace {

// Cox–de Boor recursion written out directly (all bases, no local support): the reference.
double cox_de_boor(const std::vector<double>& t, Index i, Index k, double x) {
  if (k == 0) return (t[std::size_t(i)] <= x && x < t[std::size_t(i + 1)]) ? 1.0 : 0.0;
  double a = 0, b = 0;
  const double d1 = t[std::size_t(i + k)] - t[std::size_t(i)],
               d2 = t[std::size_t(i + k + 1)] - t[std::size_t(i + 1)];
  if (d1 > 0) a = (x - t[std::size_t(i)]) / d1 * cox_de_boor(t, i, k - 1, x);
  if (d2 > 0) b = (t[std::size_t(i + k + 1)] - x) / d2 * cox_de_boor(t, i + 1, k - 1, x);
  return a + b;
}

}  // namespace

TEST_CASE("B-spline bases: partition of unity on the grid, Cox–de Boor values", "[kan][bspline]") {
  for (Index k : {0, 1, 2, 3, 5}) {
    const nnt::bspline_basis b(-1.0, 2.0, 7, k);
    const auto t = b.knots();
    REQUIRE(Index(t.size()) == 7 + 2 * k + 1);
    std::vector<double> v(std::size_t(k + 1));
    for (int s = 0; s < 200; ++s) {
      const double x = -1.0 + 3.0 * (s + 0.37) / 200.0;
      const Index f = b.evaluate(x, v.data());
      double sum = 0;
      for (double e : v) sum += e;
      CHECK(std::abs(sum - 1.0) < 1e-14);  // rounding of k + 1 terms
      for (Index q = 0; q <= k; ++q)
        CHECK(std::abs(v[std::size_t(q)] - cox_de_boor(t, f + q, k, x)) < 1e-14);
    }
  }
  // a hand value: uniform cubic B-spline at the centre of its support is 2/3
  const nnt::bspline_basis b(0.0, 4.0, 4, 3);  // h = 1, knots −3 … 7
  double v[4];
  const Index f = b.evaluate(2.0, v);
  // x = 2 = t_5 starts span μ = 5: bases B_2..B_5; B_3 is centred at t_3 + 2 = 2
  CHECK(f == 2);
  CHECK(std::abs(v[1] - 2.0 / 3.0) < 1e-15);
  CHECK(std::abs(v[0] - 1.0 / 6.0) < 1e-15);
}

TEST_CASE("B-spline derivatives equal central differences; outside the grid all vanish",
          "[kan][bspline]") {
  const nnt::bspline_basis b(std::vector<double>{-1.0, -0.4, 0.1, 0.2, 0.9, 1.5},
                             3);  // non-uniform
  Vector<double> c(b.size());
  for (Index i = 0; i < c.size(); ++i) c(i) = std::sin(1.0 + double(i));
  double v[4], d[4];
  for (double x : {-1.9, -0.95, -0.3, 0.15, 0.5, 1.2, 1.9}) {
    const Index f = b.evaluate(x, v, d);
    double analytic = 0;
    for (int q = 0; q < 4; ++q) analytic += c(f + q) * d[q];
    const double h = 1e-6;
    const double fd = (b.spline(c, x + h) - b.spline(c, x - h)) / (2 * h);
    // central difference: truncation h²|s‴|/6 ≈ 1e-11, rounding ε|s|/h ≈ 1e-10
    CHECK(std::abs(analytic - fd) < 1e-8);
  }
  const auto t = b.knots();
  for (double x : {t.front() - 0.1, t.back() + 1e-9, 100.0}) {
    b.evaluate(x, v, d);
    for (int q = 0; q < 4; ++q) CHECK((v[q] == 0.0 && d[q] == 0.0));
  }
}

TEST_CASE("least squares fit and grid refinement keep the spline", "[kan][bspline]") {
  const nnt::bspline_basis coarse(-1.0, 1.0, 5, 3);
  Vector<double> c(coarse.size());
  for (Index i = 0; i < c.size(); ++i) c(i) = std::cos(0.7 * double(i));
  // nested grids (10 = 2·5 intervals): the refit is exact to rounding
  const auto nested = nnt::bspline_refit(coarse, c, nnt::bspline_basis(-1.0, 1.0, 10, 3));
  CHECK(nested.max_residual < 1e-13);
  // a least-squares cubic fit of a smooth function: the RMS residual falls like h⁴, so halving h
  // divides it by 2⁴ = 16 asymptotically (measured 22.7 at G 14 → 28, 19.2 at 20 → 40)
  auto smooth_fit = [](Index G) {
    const nnt::bspline_basis b(-1.0, 1.0, G, 3);
    Vector<double> x(800), y(800);
    for (Index m = 0; m < 800; ++m) {
      x(m) = -1.0 + 2.0 * (double(m) + 0.5) / 800.0;
      y(m) = std::exp(std::sin(3 * x(m)));
    }
    return nnt::bspline_fit(b, x, y).rms_residual;
  };
  const double ratio = smooth_fit(20) / smooth_fit(40);
  CHECK(ratio > 13);
  CHECK(ratio < 24);
}

TEST_CASE("B-spline bad input", "[kan][bspline]") {
  NNT_CHECK_INVALID(nnt::bspline_basis(0.0, 1.0, 0, 3),
                    "G: expected a value in [1, 16777216], got 0");
  NNT_CHECK_INVALID(nnt::bspline_basis(0.0, 1.0, 4, -1), "k: expected a value in [0, 15], got -1");
  NNT_CHECK_INVALID(nnt::bspline_basis(1.0, 1.0, 4, 3), "b: expected a value above a = 1, got 1");
  NNT_CHECK_INVALID(nnt::bspline_basis(std::vector<double>{0.0, 0.5, 0.5}, 3),
                    "grid[2]: expected a value above grid[1] = 0.5, got 0.5");
  NNT_CHECK_INVALID(nnt::bspline_basis(std::nan(""), 1.0, 4, 3),
                    "a: expected a finite value, got nan");
  const nnt::bspline_basis b(0.0, 1.0, 4, 3);
  Vector<double> x(3), y(2);
  x.setZero();
  y.setZero();
  NNT_CHECK_INVALID(nnt::bspline_fit(b, x, y), "y: expected 3 entries, got 2");
}

TEST_CASE("uniform grids: polynomial pieces equal de Boor on a non-uniform-flagged grid",
          "[kan][bspline]") {
  // The same knots given as an explicit list that is uniform only up to 1e-9 take the de Boor path.
  for (nnt::Index k : {1, 2, 3, 5, 7}) {
    const nnt::bspline_basis fast(-1.0, 1.0, 6, k);
    std::vector<double> g;
    for (int i = 0; i <= 6; ++i) g.push_back(-1.0 + i / 3.0 + (i == 3 ? 1e-9 : 0.0));
    const nnt::bspline_basis slow(g, k);
    std::vector<double> a(std::size_t(k + 1)), b(std::size_t(k + 1)), da(std::size_t(k + 1)),
        db(std::size_t(k + 1));
    double worst = 0;
    for (int s = 0; s < 300; ++s) {
      const double x = -2.5 + 5.0 * (s + 0.5) / 300.0;
      REQUIRE(fast.evaluate(x, a.data(), da.data()) == slow.evaluate(x, b.data(), db.data()));
      for (nnt::Index q = 0; q <= k; ++q)
        worst = std::max({worst, std::abs(a[std::size_t(q)] - b[std::size_t(q)]),
                          std::abs(da[std::size_t(q)] - db[std::size_t(q)]) / 10});
    }
    // the 1e-9 knot shift moves values by ~1e-8; the piece coefficients are exact to ~1e-13
    CHECK(worst < 1e-7);
  }
}

TEST_CASE("B-spline grids whose knots are degenerate in double are refused", "[bspline]") {
  // a range whose extension overflows, and knots closer than 1e-12 of their magnitude
  NNT_CHECK_INVALID(
      nnt::bspline_basis(-1e308, 1e308, 4, 3),
      "grid: expected a range whose k-fold extension is finite, got [-1e+308, 1e+308]");
  NNT_CHECK_INVALID(nnt::bspline_basis(1.0, 1.0 + 1e-15, 5, 3),
                    "grid: expected knots separated by more than 1e-12 of their magnitude, got a "
                    "spacing of 2.220446049250313e-16 at 1");
  CHECK_NOTHROW(nnt::bspline_basis(1e6, 1e6 + 1e-3, 5, 3));  // 2e-4 apart at 1e6: fine
}
