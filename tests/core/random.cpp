#include <nnt/core/random.hpp>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

#include "support/testing.hpp"

// Reference values come from tests/reference/random_reference.py, an independent Python
// implementation of std::mt19937_64 and of the transforms documented in random.hpp.

TEST_CASE("random: the engine is the standard's mt19937_64", "[random]") {
  // [rand.predef]: the 10000th output of a default-constructed mt19937_64 is 9981545732273789042.
  nnt::random_generator g(5489);
  for (int i = 0; i < 9999; ++i) g.bits();
  CHECK(g.bits() == 9981545732273789042ULL);
}

TEST_CASE("random: fixed values for seed 42", "[random]") {
  nnt::random_generator u(42);
  CHECK(u.uniform() == 0.755155532954539);
  CHECK(u.uniform() == 0.6390313938546974);
  CHECK(u.uniform() == 0.7521452007480266);

  // The normal transform calls log and sqrt: allow a few ulps for a different libm.
  nnt::random_generator n(42);
  const double normals[] = {1.2938204232729367, 0.7049882664208599, 0.3979773961837887,
                            -0.5740948067202614, 1.118555052457478};
  for (double expected : normals) CHECK(n.normal() == Approx(expected).epsilon(1e-15));

  nnt::random_generator r(42);
  const std::string signs =
      "-++-+-++-+---++++-+--+++-+++-++-+-+++++-+++++-+++---+-+-+-----++---+-+";
  std::string drawn;
  for (std::size_t i = 0; i < signs.size(); ++i) drawn += r.rademacher() > 0 ? '+' : '-';
  CHECK(drawn == signs);  // 70 draws cross the 64-bit buffer boundary

  CHECK(nnt::stream_seed(42, 0) == 5592132763777985307ULL);
  CHECK(nnt::stream_seed(42, 1) == 9129838320742759465ULL);
  CHECK(nnt::stream_seed(42, 2) == 2139811525164838579ULL);
  CHECK(nnt::random_generator::for_task(42, 7).uniform() == 0.45279766057877957);
}

TEST_CASE("random: same seed, same numbers; streams differ", "[random]") {
  nnt::random_generator a(7), b(7), c(8);
  Eigen::MatrixXd x(4, 5), y(4, 5), z(4, 5);
  a.fill_normal(x);
  b.fill_normal(y);
  c.fill_normal(z);
  CHECK(x == y);
  CHECK(x != z);
  CHECK(nnt::stream_seed(7, 0) != nnt::stream_seed(7, 1));
  CHECK(nnt::stream_seed(7, 1) != nnt::stream_seed(8, 1));
}

TEST_CASE("random: fills walk the matrix in column-major order", "[random]") {
  nnt::random_generator a(3), b(3);
  Eigen::MatrixXd m(3, 2);
  a.fill_uniform(m, -1.0, 2.0);
  for (nnt::Index j = 0; j < 2; ++j)
    for (nnt::Index i = 0; i < 3; ++i) CHECK(m(i, j) == -1.0 + 3.0 * b.uniform());
  // Writable expressions (blocks) and other Scalars work.
  Eigen::MatrixXf f = Eigen::MatrixXf::Zero(4, 4);
  a.fill_rademacher(f.block(1, 1, 2, 2));
  CHECK(f.block(1, 1, 2, 2).cwiseAbs().minCoeff() == 1.0f);
  CHECK(f.row(0).squaredNorm() == 0.0f);
  auto g = nnt::normal_matrix<long double>(2, 3, a, 0.5);
  CHECK(g.rows() == 2);
  CHECK(g.cols() == 3);
}

TEST_CASE("random: moments agree within their standard errors", "[random]") {
  // n = 200000 draws; each check allows 5 standard errors (two-sided p ≈ 6e-7), and the seed is
  // fixed, so the test is deterministic.
  const int n = 200000;
  nnt::random_generator g(2024);
  std::vector<double> x(n);

  auto mean_of = [&](auto f) {
    double s = 0;
    for (double v : x) s += f(v);
    return s / n;
  };

  for (double& v : x) v = g.normal();
  // E z = 0 (sd 1), E z² = 1 (sd √2), E z⁴ = 3 (sd √96), E z³ = 0 (sd √15).
  CHECK(std::abs(mean_of([](double v) { return v; })) < 5 * 1.0 / std::sqrt(n));
  CHECK(std::abs(mean_of([](double v) { return v * v; }) - 1) < 5 * std::sqrt(2.0 / n));
  CHECK(std::abs(mean_of([](double v) { return v * v * v; })) < 5 * std::sqrt(15.0 / n));
  CHECK(std::abs(mean_of([](double v) { return v * v * v * v; }) - 3) < 5 * std::sqrt(96.0 / n));
  // Tail mass P(|z| > 3) = 0.0026997960632601866.
  const double p3 = 0.0026997960632601866;
  CHECK(std::abs(mean_of([](double v) { return std::abs(v) > 3 ? 1.0 : 0.0; }) - p3) <
        5 * std::sqrt(p3 * (1 - p3) / n));

  for (double& v : x) v = g.uniform();
  // E u = 1/2 (sd 1/√12), E u² = 1/3 (sd √(4/45)).
  CHECK(std::abs(mean_of([](double v) { return v; }) - 0.5) < 5 * std::sqrt(1.0 / 12 / n));
  CHECK(std::abs(mean_of([](double v) { return v * v; }) - 1.0 / 3) < 5 * std::sqrt(4.0 / 45 / n));
  CHECK(*std::min_element(x.begin(), x.end()) >= 0.0);
  CHECK(*std::max_element(x.begin(), x.end()) < 1.0);

  for (double& v : x) v = g.rademacher();
  CHECK(std::abs(mean_of([](double v) { return v; })) < 5 / std::sqrt(n));
  CHECK(mean_of([](double v) { return v * v; }) == 1.0);
  // Consecutive signs are uncorrelated (lag-1 product has mean 0, sd 1).
  double lag = 0;
  for (int i = 1; i < n; ++i) lag += x[i] * x[i - 1];
  CHECK(std::abs(lag / (n - 1)) < 5 / std::sqrt(n - 1));
}

TEST_CASE("random: per-task streams are uncorrelated", "[random]") {
  // Correlation of paired draws from streams 0 and 1: mean 0, sd 1/√n.
  const int n = 100000;
  auto s0 = nnt::random_generator::for_task(11, 0);
  auto s1 = nnt::random_generator::for_task(11, 1);
  double c = 0;
  for (int i = 0; i < n; ++i) c += s0.normal() * s1.normal();
  CHECK(std::abs(c / n) < 5 / std::sqrt(n));
}

TEST_CASE("random: bad input throws with a clear message", "[random]") {
  nnt::random_generator g(1);
  Eigen::VectorXd v(3);
  NNT_CHECK_INVALID(g.uniform(1.0, 1.0), "hi: expected a value greater than lo = 1, got 1");
  NNT_CHECK_INVALID(g.uniform(std::nan(""), 1.0), "lo: expected a finite value, got nan");
  NNT_CHECK_INVALID(g.fill_uniform(v, 2.0, 1.0), "hi: expected a value greater than lo = 2, got 1");
  NNT_CHECK_INVALID(g.normal(0.0, -1.0), "stddev: expected a non-negative value, got -1");
  NNT_CHECK_INVALID(g.fill_normal(v, 0.0, std::numeric_limits<double>::infinity()),
                    "stddev: expected a finite value, got inf");
  NNT_CHECK_INVALID(nnt::normal_matrix<double>(-1, 2, g), "rows: expected at least 0, got -1");
  // A rejected call draws nothing: the stream continues as if it never happened.
  nnt::random_generator fresh(1);
  CHECK(g.uniform() == fresh.uniform());
}

TEST_CASE("random: uniform integers are unbiased and in range", "[random]") {
  // 7 bins, 70000 draws: each count is Binomial(70000, 1/7), sd = √(70000·(1/7)(6/7)) = 92.6; 5 sd.
  nnt::random_generator g(11);
  std::array<int, 7> counts{};
  for (int i = 0; i < 70000; ++i) ++counts[std::size_t(g.uniform_index(7))];
  for (int c : counts) CHECK(std::abs(c - 10000) < 5 * 92.6);
  CHECK(g.uniform_index(1) == 0);
  NNT_CHECK_INVALID(g.uniform_index(0), "n: expected at least 1, got 0");
  // The largest ranges: rejection keeps x % n unbiased and never loops forever.
  CHECK(g.uniform_index(std::numeric_limits<std::uint64_t>::max()) <
        std::numeric_limits<std::uint64_t>::max());
}

TEST_CASE("random: uniform(lo, hi) stays finite and inside [lo, hi) for ranges that overflow",
          "[random]") {
  nnt::random_generator g(5);
  const double big = std::numeric_limits<double>::max();
  double lowest = big, highest = -big;
  for (int i = 0; i < 1000; ++i) {
    const double v = g.uniform(-big, big);
    CHECK(std::isfinite(v));
    lowest = std::min(lowest, v);
    highest = std::max(highest, v);
  }
  CHECK(lowest < -0.9 * big);  // the draws cover the range (P(miss) = 0.95^1000)
  CHECK(highest > 0.9 * big);
  CHECK(g.uniform(1.0, std::nextafter(1.0, 2.0)) == 1.0);  // a one-ulp interval: only lo
}

TEST_CASE("random: Fisher–Yates shuffles are permutations, reproducible per seed", "[random]") {
  std::vector<int> a(50), b;
  for (int i = 0; i < 50; ++i) a[std::size_t(i)] = i;
  b = a;
  nnt::random_generator ga(3), gb(3);
  nnt::shuffle(a, ga);
  nnt::shuffle(b, gb);
  CHECK(a == b);
  std::vector<int> sorted = a;
  std::sort(sorted.begin(), sorted.end());
  for (int i = 0; i < 50; ++i) CHECK(sorted[std::size_t(i)] == i);
  int fixed = 0;
  for (int i = 0; i < 50; ++i) fixed += a[std::size_t(i)] == i;
  CHECK(fixed < 10);  // E = 1 fixed point for a uniform permutation
}

TEST_CASE("random: fill_uniform stays below hi after rounding to float", "[random]") {
  // [1 − 2⁻²², 1 − 2⁻³⁰): float spacing below 1 is 2⁻²⁴, so every double draw in [1 − 2⁻²⁵, hi)
  // (≈ 1/8 of them) rounds to 1.0f > hi unless fill_uniform guards the Scalar's rounding.
  const double lo = 1 - std::ldexp(1.0, -22), hi = 1 - std::ldexp(1.0, -30);
  nnt::random_generator g(11);
  Eigen::VectorXf v(2000);
  g.fill_uniform(v, lo, hi);
  CHECK(double(v.maxCoeff()) < hi);
  CHECK(double(v.minCoeff()) >= lo);
  CHECK(v.maxCoeff() == std::nextafter(1.0f, 0.0f));  // the guard's value is reached
}
