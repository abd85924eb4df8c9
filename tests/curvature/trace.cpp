#include <nnt/core/dense_operator.hpp>
#include <nnt/curvature/trace.hpp>

#include "support/spectra_test.hpp"
#include "support/testing.hpp"

using nnt_test::with_spectrum;

TEST_CASE("trace: Hutchinson's estimate lies within 4 standard errors of the trace", "[trace]") {
  const nnt::Index n = 120;
  const Eigen::MatrixXd A = with_spectrum(Eigen::VectorXd::LinSpaced(n, -1.0, 5.0), 5);
  const nnt::dense_operator<double> op(A);
  const nnt::trace_options o{.stop = {.max_iterations = 10000, .tolerance = 5e-3}};
  const auto r = nnt::hutchinson_trace(op, o);
  REQUIRE(r.status == nnt::status::ok);
  CHECK(r.stop_reason == nnt::stop_reason::tolerance);
  CHECK(std::abs(r.estimate - A.trace()) < 4 * r.standard_error);
  CHECK(r.standard_error <= 5e-3 * std::abs(r.estimate));
  CHECK(r.probes >= o.min_probes);
  // The Rademacher estimator's variance is 2 Σ_{i≠j} A_ij²; the reported standard error estimates
  // its square root / √m (within 35% for ≥ 100 probes, the sampling spread of a standard
  // deviation).
  const double off = A.squaredNorm() - A.diagonal().squaredNorm();
  const double predicted = std::sqrt(2 * off / double(r.probes));
  CHECK(r.standard_error == Approx(predicted).epsilon(0.35));
  const auto short_run = nnt::hutchinson_trace(
      op, {.stop = {.max_iterations = 12, .tolerance = 1e-9}, .zero_resolution = 0});
  CHECK(short_run.status == nnt::status::not_converged);
  CHECK(short_run.stop_reason == nnt::stop_reason::iteration_limit);
  // A diagonal operator has zero variance: Rademacher probes give its trace exactly.
  const nnt::dense_operator<double> diag(
      Eigen::VectorXd::LinSpaced(10, 1.0, 10.0).asDiagonal().toDenseMatrix());
  CHECK(nnt::hutchinson_trace(diag).estimate == Approx(55.0).epsilon(1e-14));
}

TEST_CASE("trace: the default rule stops on traceless indefinite operators", "[trace]") {
  // tr A = 0 exactly: the relative test SE ≤ 1e-2|mean| can never pass, so the run must end by the
  // zero-resolution rule, after ~100 probes (SE ≤ 0.1·rms), with the true trace within 4 SE.
  const nnt::Index n = 100;
  Eigen::VectorXd lambda = Eigen::VectorXd::LinSpaced(n, -3.0, 3.0);
  const Eigen::MatrixXd A = with_spectrum(lambda, 8);
  for (std::uint64_t seed : {1u, 2u, 3u, 4u, 5u}) {
    const auto r = nnt::hutchinson_trace(nnt::dense_operator<double>(A), {.seed = seed});
    INFO("seed " << seed);
    CHECK(r.status == nnt::status::ok);
    CHECK(r.stop_reason == nnt::stop_reason::zero_within_error);
    CHECK(r.probes <= 400);
    CHECK(std::abs(r.estimate) < 4 * r.standard_error);
  }
}

TEST_CASE("trace: float operators give float-accurate estimates", "[trace]") {
  const nnt::dense_operator<float> diag(
      Eigen::VectorXf::LinSpaced(10, 1.0f, 10.0f).asDiagonal().toDenseMatrix());
  CHECK(nnt::hutchinson_trace(diag).estimate == Approx(55.0).epsilon(1e-6));
}

TEST_CASE("trace: bad input throws clear messages", "[trace]") {
  const nnt::dense_operator<double> op(Eigen::MatrixXd::Identity(10, 10));
  NNT_CHECK_INVALID(nnt::hutchinson_trace(op, {.min_probes = 1}),
                    "min_probes: expected at least 2, got 1");
  NNT_CHECK_INVALID(nnt::hutchinson_trace(op, {.zero_resolution = -1}),
                    "zero_resolution: expected a non-negative value, got -1");
  NNT_CHECK_INVALID(nnt::hutchinson_trace(op, {.stop = {.max_iterations = 5}}),
                    "stop.max_iterations: expected at least 10, got 5");
}
