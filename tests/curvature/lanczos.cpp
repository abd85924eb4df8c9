#include <nnt/core/dense_operator.hpp>
#include <nnt/curvature/lanczos.hpp>

#include <Eigen/Eigenvalues>

#include <limits>

#include "support/spectra_test.hpp"
#include "support/testing.hpp"

using nnt_test::mixed_spectrum;
using nnt_test::with_spectrum;

TEST_CASE("lanczos: the basis is orthonormal and tridiagonalises A", "[lanczos]") {
  const Eigen::MatrixXd A = with_spectrum(mixed_spectrum(80), 6);
  const nnt::dense_operator<double> op(A);
  const auto lz = nnt::lanczos(op, Eigen::VectorXd::Ones(80), 30);
  REQUIRE(lz.steps == 30);
  CHECK(lz.status == nnt::status::ok);
  CHECK(lz.stop_reason == nnt::stop_reason::iteration_limit);
  const Eigen::MatrixXd& Q = lz.basis;
  CHECK((Q.transpose() * Q - Eigen::MatrixXd::Identity(30, 30)).norm() < 1e-13);
  Eigen::MatrixXd T = Eigen::MatrixXd::Zero(30, 30);
  T.diagonal() = lz.alpha;
  T.diagonal(1) = lz.beta;
  T.diagonal(-1) = lz.beta;
  CHECK((Q.transpose() * A * Q - T).norm() < 1e-12 * A.norm());
  // A 3-dimensional invariant subspace stops the iteration early, with that reason.
  const nnt::dense_operator<double> small(
      Eigen::VectorXd::LinSpaced(3, 1.0, 3.0).asDiagonal().toDenseMatrix());
  const auto early = nnt::lanczos(small, Eigen::VectorXd::Ones(3), 10);
  CHECK(early.steps == 3);
  const auto invariant = nnt::lanczos(nnt::dense_operator<double>(Eigen::MatrixXd::Identity(5, 5)),
                                      Eigen::VectorXd::Ones(5), 4);
  CHECK(invariant.steps == 1);
  CHECK(invariant.stop_reason == nnt::stop_reason::invariant_subspace);
  // A tiny operator (norm 1e-10 ≪ 64ε) is not an invariant subspace: breakdown is relative to ‖A‖.
  const Eigen::VectorXd tiny_diagonal = 1e-10 * Eigen::VectorXd::LinSpaced(8, 1.0, 8.0);
  const auto tiny =
      nnt::lanczos(nnt::dense_operator<double>(tiny_diagonal.asDiagonal().toDenseMatrix()),
                   Eigen::VectorXd::Ones(8), 8);
  CHECK(tiny.steps == 8);
  Eigen::MatrixXd Tt = Eigen::MatrixXd::Zero(8, 8);
  Tt.diagonal() = tiny.alpha;
  Tt.diagonal(1) = tiny.beta;
  Tt.diagonal(-1) = tiny.beta;
  // 8 steps on 8 distinct eigenvalues: T's spectrum is A's, to rounding (1e-13 relative)
  const Eigen::VectorXd ritz = Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd>(Tt).eigenvalues();
  CHECK((ritz - tiny_diagonal).cwiseAbs().maxCoeff() < 1e-13 * 8e-10);
}

TEST_CASE("lanczos: a non-finite operator ends with a status", "[lanczos]") {
  Eigen::MatrixXd A = Eigen::MatrixXd::Identity(6, 6);
  A(2, 2) = std::numeric_limits<double>::infinity();
  const auto lz = nnt::lanczos(nnt::dense_operator<double>(A), Eigen::VectorXd::Ones(6), 4);
  CHECK(lz.status == nnt::status::diverged);
  CHECK(lz.stop_reason == nnt::stop_reason::non_finite);
  CHECK(lz.alpha.allFinite());
}

TEST_CASE("lanczos: SLQ density integrates to 1 and reproduces the spectrum's moments",
          "[lanczos]") {
  const nnt::Index n = 200;
  const Eigen::VectorXd lambda = mixed_spectrum(n);
  const Eigen::MatrixXd A = with_spectrum(lambda, 7);
  const nnt::dense_operator<double> op(A);
  const nnt::density_options o{.probes = 30, .lanczos_steps = 20};
  const auto d = nnt::spectral_density(op, o);
  REQUIRE(d.status == nnt::status::ok);
  // Rectangle rule on a grid of spacing ≈ 0.2σ integrates the Gaussians to ~1e-15.
  const double h = d.grid(1) - d.grid(0);
  CHECK(std::abs(d.density.sum() * h - 1.0) < 1e-6);
  CHECK((d.weights.colwise().sum().array() - 1.0).abs().maxCoeff() < 1e-12);
  // Moments p = 1..4: each probe's Gauss rule equals q₁ᵀAᵖq₁ exactly (degree ≤ 2m − 1), checked
  // on probe 0 against the dense matrix power; the probe average estimates tr(Aᵖ)/n within 4 SE.
  nnt::random_generator rng(o.seed);
  Eigen::VectorXd z(n);
  rng.fill_rademacher(z);
  const Eigen::VectorXd q = z / z.norm();
  Eigen::MatrixXd Ap = Eigen::MatrixXd::Identity(n, n);
  for (int p = 1; p <= 4; ++p) {
    Ap = Ap * A;
    INFO("moment " << p);
    const double rule = (d.weights.col(0).array() * d.nodes.col(0).array().pow(p)).sum();
    CHECK(std::abs(rule - q.dot(Ap * q)) < 1e-10 * std::pow(20.0, p));
    Eigen::ArrayXd per_probe =
        (d.weights.array() * d.nodes.array().pow(p)).colwise().sum().transpose();
    const double mean = per_probe.mean();
    const double se = std::sqrt((per_probe - mean).square().sum() / (o.probes - 1) / o.probes);
    CHECK(std::abs(mean - lambda.array().pow(p).mean()) < 4 * se + 1e-12);
  }
  // The trace estimate n·mean q₁ᵀAq₁ with its error bar: tr A within 4 SE.
  CHECK(d.trace_standard_error > 0);
  CHECK(std::abs(d.trace - lambda.sum()) < 4 * d.trace_standard_error);
}

TEST_CASE("lanczos: spectral masses come from the raw nodes, not the broadened curve",
          "[lanczos]") {
  // 65% of the eigenvalues at exactly 0, 10% negative, 25% positive: a Hessian-like spectrum. The
  // nodes resolve the zero cluster (one Ritz value carries its weight), so the masses match the
  // counts within their standard errors over the probes; the broadened density would smear it.
  const nnt::Index n = 200;
  Eigen::VectorXd lambda = Eigen::VectorXd::Zero(n);
  for (nnt::Index i = 0; i < 20; ++i) lambda(i) = -0.5 - 0.01 * double(i);
  for (nnt::Index i = 150; i < n; ++i) lambda(i) = 1.0 + 0.1 * double(i - 150);
  const nnt::dense_operator<double> op(with_spectrum(lambda, 9));
  const auto d = nnt::spectral_density(op, {.probes = 40, .lanczos_steps = 40});
  REQUIRE(d.status == nnt::status::ok);
  CHECK(std::abs(d.near_zero_mass.mass - 0.65) < 4 * d.near_zero_mass.standard_error + 1e-12);
  CHECK(std::abs(d.negative_mass.mass - 0.10) < 4 * d.negative_mass.standard_error + 1e-12);
  CHECK(d.near_zero_mass.standard_error < 0.05);
  const auto all = nnt::spectral_mass(d, -std::numeric_limits<double>::infinity(),
                                      std::numeric_limits<double>::infinity());
  CHECK(all.mass == Approx(1.0).epsilon(1e-12));
  // The broadened curve near 0 (± the half-width the masses use) holds far less than 65%.
  const double h = d.grid(1) - d.grid(0);
  double curve = 0;
  for (nnt::Index i = 0; i < d.grid.size(); ++i)
    if (std::abs(d.grid(i)) <= d.zero_width) curve += d.density(i) * h;
  CHECK(curve < 0.2);
}

TEST_CASE("lanczos: float operators run in float", "[lanczos]") {
  const nnt::dense_operator<float> op(with_spectrum<float>(mixed_spectrum(60), 3));
  const auto lz = nnt::lanczos(op, Eigen::VectorXf::Ones(60), 10);
  CHECK((lz.basis.transpose() * lz.basis - Eigen::MatrixXf::Identity(10, 10)).norm() < 1e-5f);
}

TEST_CASE("lanczos: bad input throws clear messages", "[lanczos]") {
  const nnt::dense_operator<double> op(Eigen::MatrixXd::Identity(10, 10));
  NNT_CHECK_INVALID(nnt::lanczos(op, Eigen::VectorXd::Zero(10), 3),
                    "start.norm(): expected a positive value, got 0");
  NNT_CHECK_INVALID(nnt::lanczos(op, Eigen::VectorXd::Ones(9), 3),
                    "start: expected 10 entries, got 9");
  NNT_CHECK_INVALID(nnt::spectral_density(op, {.probes = 0}), "probes: expected at least 1, got 0");
  NNT_CHECK_INVALID(nnt::spectral_density(op, {.sigma = std::numeric_limits<double>::infinity()}),
                    "sigma: expected a finite value, got inf");
  const auto d = nnt::spectral_density(op);
  NNT_CHECK_INVALID(nnt::spectral_mass(d, 1.0, 0.0), "hi: expected a value ≥ lo = 1, got 0");
}
