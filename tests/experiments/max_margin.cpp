#include <nnt/core/random.hpp>
#include <nnt/experiments/max_margin.hpp>

#include <cmath>

#include "support/testing.hpp"

using nnt::Index;
using nnt::Matrix;
using nnt::Vector;

namespace {

// Separable through the origin, symmetric under x → −x (balanced support-vector duals).
void symmetric_data(Index half, std::uint64_t seed, Matrix<double>& X, Vector<double>& y) {
  nnt::random_generator rng(seed);
  X.resize(2, 2 * half);
  y.resize(2 * half);
  const double c = std::cos(0.7), s = std::sin(0.7);
  for (Index n = 0; n < half;) {
    const double a = rng.uniform(-2.0, 2.0), b = rng.uniform(-2.0, 2.0), m = a * c + b * s;
    if (std::abs(m) < 0.3) continue;
    X(0, n) = a;
    X(1, n) = b;
    y(n) = m > 0 ? 1.0 : -1.0;
    X.col(n + half) = -X.col(n);
    y(n + half) = -y(n);
    ++n;
  }
}

}  // namespace

TEST_CASE("hard-margin SVM: a hand-solved case and optimality against random directions",
          "[experiments][max_margin]") {
  Matrix<double> X(2, 2);
  X << 2, 0, 0, 2;  // x₁ = (2, 0) with y = +1, x₂ = (0, 2) with y = −1: ŵ = (½, −½)
  Vector<double> y(2);
  y << 1, -1;
  const auto svm = nnt::hard_margin_svm(X, y);
  REQUIRE(svm.status == nnt::status::ok);
  CHECK(std::abs(svm.w(0) - 0.5) < 1e-12);
  CHECK(std::abs(svm.w(1) + 0.5) < 1e-12);

  symmetric_data(15, 3, X, y);
  const auto r = nnt::hard_margin_svm(X, y);
  REQUIRE(r.status == nnt::status::ok);
  CHECK(r.kkt_residual < 1e-10);
  // no unit direction separates with a larger margin than ŵ/‖ŵ‖ (margin 1/‖ŵ‖)
  nnt::random_generator rng(4);
  double best = 0;
  for (int k = 0; k < 20000; ++k) {
    const double phi = rng.uniform(0.0, 6.283185307179586);
    double margin = 1e300;
    for (Index n = 0; n < X.cols(); ++n)
      margin = std::min(margin, y(n) * (std::cos(phi) * X(0, n) + std::sin(phi) * X(1, n)));
    best = std::max(best, margin);
  }
  CHECK(best <= 1 / r.w.norm() + 1e-12);
  CHECK(best > 0.999 / r.w.norm());  // and the sampled directions come close to it

  Matrix<double> bad(1, 2);
  bad << 1, 2;
  Vector<double> yb(2);
  yb << 1, -1;  // both on the positive half-line with opposite labels: not separable through 0
  // the dual grows without bound (linearly in the sweeps): never ok
  const auto nb =
      nnt::hard_margin_svm(bad, yb, {.stop = {.max_iterations = 1000, .tolerance = 1e-12}});
  CHECK(nb.status != nnt::status::ok);
  CHECK(nb.kkt_residual > 0.1);
}

TEST_CASE("logistic GD: first step in closed form; direction converges to the SVM's",
          "[experiments][max_margin]") {
  Matrix<double> X;
  Vector<double> y;
  symmetric_data(15, 3, X, y);
  // from w₀ = 0 every σ(−m) is ½: w₁ = (η/2N) Σ y_n x_n
  const auto one = nnt::logistic_gd_max_margin(X, y, 0.7, 1);
  const Vector<double> expected = 0.7 / (2.0 * double(X.cols())) * (X * y);
  CHECK((one.w - expected).norm() < 1e-15);

  const auto r = nnt::logistic_gd_max_margin(X, y, 1.0, 100000, 1);
  REQUIRE(r.status == nnt::status::ok);
  REQUIRE(r.t.size() == 6);  // t = 1, 10, …, 10⁵
  // angle ≈ ‖ρ_⊥‖/(‖ŵ‖ log t): angle·log t nearly constant from 10³ to 10⁵ while the angle falls
  const double early = r.angle[3] * std::log(1e3), late = r.angle[5] * std::log(1e5);
  CHECK(r.angle[5] < 0.7 * r.angle[3]);
  CHECK(late / early > 0.8);
  CHECK(late / early < 1.25);
  for (std::size_t i = 1; i < r.loss.size(); ++i) CHECK(r.loss[i] < r.loss[i - 1]);
  // w_t − ŵ log t settles (bounded ρ_t): its growth per decade shrinks
  CHECK(r.offset[5] - r.offset[4] < r.offset[4] - r.offset[3]);
  CHECK(r.offset[5] - r.offset[4] < 0.1 * r.offset[5]);
}

TEST_CASE("max-margin experiment: bad input", "[experiments][max_margin]") {
  Matrix<double> X(2, 2);
  X << 1, 0, 0, 1;
  Vector<double> y(2);
  y << 1, 0.5;
  NNT_CHECK_INVALID(nnt::hard_margin_svm(X, y), "y(1): expected a label +1 or -1, got 0.5");
  y << 1, -1;
  NNT_CHECK_INVALID(nnt::logistic_gd_max_margin(X, y, -1.0, 10),
                    "eta: expected a positive value, got -1");
  X.col(1).setZero();
  NNT_CHECK_INVALID(nnt::hard_margin_svm(X, y), "X.col(1): expected a nonzero example, got zero");
}
