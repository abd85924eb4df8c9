// Adversarial cases for nnt/curvature: Lanczos, the eigen-solvers, Hutchinson's trace and the SLQ
// density fed empty, tiny, huge and non-finite operators, bad start vectors and options out of
// range; the matrix-free MLP curvature operators fed wrong shapes.
#include <nnt/core/dense_operator.hpp>
#include <nnt/curvature/eigenpairs.hpp>
#include <nnt/curvature/lanczos.hpp>
#include <nnt/curvature/trace.hpp>
#include <nnt/mlp/derivatives.hpp>

#include "adversarial.hpp"

using namespace nnt_adversarial;
using Eigen::MatrixXd;
using Eigen::VectorXd;

namespace {
// An operator of 2⁴⁰ rows (8 TB per vector): every routine must refuse it before allocating.
struct huge_operator {
  using Scalar = double;
  nnt::Index rows() const { return nnt::Index(1) << 40; }
  void apply(const nnt::const_vector_ref<double>&, nnt::vector_ref<double> out) const {
    out.setZero();
  }
};
// The empty operator.
struct empty_operator {
  using Scalar = double;
  nnt::Index rows() const { return 0; }
  void apply(const nnt::const_vector_ref<double>&, nnt::vector_ref<double>) const {}
};

nnt::dense_operator<double> diagonal(int n) {
  return nnt::dense_operator<double>(VectorXd::LinSpaced(n, 1, n).asDiagonal().toDenseMatrix());
}
nnt::dense_operator<double> with_entry(int n, double value) {
  MatrixXd A = VectorXd::LinSpaced(n, 1, n).asDiagonal();
  A(0, n - 1) = A(n - 1, 0) = value;
  return nnt::dense_operator<double>(A);
}
}  // namespace

TEST_CASE("adversarial curvature: lanczos", "[adversarial]") {
  const auto A = diagonal(6);
  const VectorXd start = VectorXd::Ones(6);
  VectorXd start_nan = start;
  start_nan(3) = NaN;
  NNT_REFUSES(nnt::lanczos(A, VectorXd::Ones(5), 3), "start");
  NNT_REFUSES(nnt::lanczos(A, start_nan, 3), "start");
  NNT_REFUSES(nnt::lanczos(A, VectorXd::Zero(6), 3), "start.norm()");
  NNT_REFUSES(nnt::lanczos(A, start, 0), "steps");
  NNT_REFUSES(nnt::lanczos(A, start, -4), "steps");
  NNT_REFUSES(nnt::lanczos(empty_operator{}, VectorXd(0), 3), "op.rows()");
  // Non-finite operators come back as diverged, with only the finite columns kept.
  NNT_NOT_OK(nnt::lanczos(with_entry(6, NaN), start, 4));
  NNT_NOT_OK(nnt::lanczos(with_entry(6, Inf), start, 4));
  // 1e200·diag(1..6): ‖Aq‖² overflows, ‖Aq‖ does not. An overflowed norm() = inf made the
  // breakdown test claim an invariant subspace after one step; all 4 steps are real.
  const nnt::dense_operator<double> scaled(1e200 * diagonal(6).matrix());
  const auto huge_entries = nnt::lanczos(scaled, start, 4);
  CHECK(huge_entries.status == nnt::status::ok);
  CHECK(huge_entries.stop_reason == nnt::stop_reason::iteration_limit);
  CHECK(huge_entries.steps == 4);
  CHECK((huge_entries.alpha.allFinite() && huge_entries.beta.allFinite()));
  // A huge steps request is capped at n, not allocated.
  CHECK(nnt::lanczos(A, start, nnt::Index(1) << 50).steps <= 6);
  // A start vector of tiny norm is still a direction: the decomposition is exact.
  const auto tiny = nnt::lanczos(A, VectorXd::Constant(6, 1e-300), 6);
  CHECK(tiny.status == nnt::status::ok);
  CHECK(tiny.basis.allFinite());
}

TEST_CASE("adversarial curvature: top_eigenpairs and bottom_eigenpairs", "[adversarial]") {
  const auto A = diagonal(30);
  NNT_REFUSES(nnt::top_eigenpairs(A, 0), "k");
  NNT_REFUSES(nnt::top_eigenpairs(A, 30), "k");
  NNT_REFUSES(nnt::bottom_eigenpairs(A, -1), "k");
  NNT_REFUSES(nnt::top_eigenpairs(diagonal(1), 1), "op.rows()");
  NNT_REFUSES(nnt::top_eigenpairs(empty_operator{}, 1), "op.rows()");
  NNT_REFUSES(nnt::top_eigenpairs(A, 3, {.ncv = 3}), "ncv");
  NNT_REFUSES(nnt::top_eigenpairs(A, 3, {.ncv = 31}), "ncv");
  NNT_REFUSES(nnt::top_eigenpairs(A, 3, {.stop = {.max_iterations = 0}}), "stop.max_iterations");
  NNT_REFUSES(nnt::top_eigenpairs(A, 3, {.stop = {.tolerance = 0}}), "stop.tolerance");
  NNT_REFUSES(nnt::top_eigenpairs(A, 3, {.stop = {.tolerance = NaN}}), "stop.tolerance");
  NNT_REFUSES(nnt::top_eigenpairs(A, 3, {.stop = {.tolerance = -1e-3}}), "stop.tolerance");
  NNT_REFUSES(nnt::top_eigenpairs(huge_operator{}, 2), "ncv");
  NNT_NOT_OK(nnt::top_eigenpairs(with_entry(30, NaN), 3));
  NNT_NOT_OK(nnt::bottom_eigenpairs(with_entry(30, Inf), 3));
  // One restart cannot converge three clustered eigenvalues to 1e-14: not ok, never a lie.
  MatrixXd clustered = VectorXd::LinSpaced(30, 1, 30).asDiagonal();
  clustered.diagonal().tail(4) << 30, 30 + 1e-9, 30 + 2e-9, 30 + 3e-9;
  NNT_NOT_OK(nnt::top_eigenpairs(nnt::dense_operator<double>(clustered), 3,
                                 {.ncv = 5, .stop = {.max_iterations = 1, .tolerance = 1e-14}}));
  // An operator of scale 1e200: the residual check must not overflow (norm() gave inf there and
  // an honest result read as diverged). Eigenvalues 1e200·30, 29, 28 to the relative tolerance.
  // (Spectra squares norms: it returned eigenvalues 0 with success at 1e200, failed at 1e-200.)
  for (const double scale : {1e200, 1e-200}) {
    INFO("scale " << scale);
    const MatrixXd scaled = scale * MatrixXd(VectorXd::LinSpaced(30, 1, 30).asDiagonal());
    const auto big = nnt::top_eigenpairs(nnt::dense_operator<double>(scaled), 3);
    CHECK(big.status == nnt::status::ok);
    REQUIRE(big.values.size() == 3);
    CHECK(big.residuals.allFinite());
    for (int j = 0; j < 3; ++j) CHECK(std::abs(big.values(j) / (scale * (30 - j)) - 1) < 1e-12);
  }
}

TEST_CASE("adversarial curvature: hutchinson_trace", "[adversarial]") {
  const auto A = diagonal(8);
  NNT_REFUSES(nnt::hutchinson_trace(A, {.min_probes = 1}), "min_probes");
  NNT_REFUSES(nnt::hutchinson_trace(A, {.min_probes = 20, .stop = {.max_iterations = 10}}),
              "stop.max_iterations");
  NNT_REFUSES(nnt::hutchinson_trace(A, {.stop = {.max_iterations = 100, .tolerance = -1}}),
              "stop.tolerance");
  NNT_REFUSES(nnt::hutchinson_trace(A, {.absolute_tolerance = NaN}), "absolute_tolerance");
  NNT_REFUSES(nnt::hutchinson_trace(A, {.absolute_tolerance = -1}), "absolute_tolerance");
  NNT_REFUSES(nnt::hutchinson_trace(A, {.zero_resolution = Inf}), "zero_resolution");
  NNT_REFUSES(nnt::hutchinson_trace(empty_operator{}), "op.rows()");
  NNT_REFUSES(nnt::hutchinson_trace(huge_operator{}), "op.rows()");
  NNT_NOT_OK(nnt::hutchinson_trace(with_entry(8, NaN)));
  // A budget too small for the tolerance.
  NNT_NOT_OK(nnt::hutchinson_trace(
      with_entry(8, 3.0),
      {.min_probes = 2, .stop = {.max_iterations = 3, .tolerance = 1e-12}, .zero_resolution = 0}));
}

TEST_CASE("adversarial curvature: spectral_density and spectral_mass", "[adversarial]") {
  const auto A = diagonal(8);
  NNT_REFUSES(nnt::spectral_density(A, {.probes = 0}), "probes");
  NNT_REFUSES(nnt::spectral_density(A, {.lanczos_steps = 0}), "lanczos_steps");
  NNT_REFUSES(nnt::spectral_density(A, {.grid_points = 1}), "grid_points");
  NNT_REFUSES(nnt::spectral_density(A, {.grid_points = nnt::Index(1) << 30}), "grid_points");
  NNT_REFUSES(nnt::spectral_density(A, {.sigma = Inf}), "sigma");
  NNT_REFUSES(nnt::spectral_density(A, {.sigma = -1}), "sigma");
  NNT_REFUSES(nnt::spectral_density(A, {.zero_width = NaN}), "zero_width");
  NNT_REFUSES(nnt::spectral_density(empty_operator{}), "op.rows()");
  NNT_REFUSES(nnt::spectral_density(huge_operator{}, {.lanczos_steps = 1}), "op.rows()");
  NNT_REFUSES(nnt::spectral_density(A, {.probes = nnt::Index(1) << 40}), "probes");
  NNT_NOT_OK(nnt::spectral_density(with_entry(8, NaN)));
  const auto d = nnt::spectral_density(A, {.probes = 3});
  NNT_REFUSES(nnt::spectral_mass(d, NaN, 1.0), "lo");
  NNT_REFUSES(nnt::spectral_mass(d, 0.0, NaN), "hi");
  NNT_REFUSES(nnt::spectral_mass(d, 2.0, 1.0), "hi");
  CHECK(nnt::spectral_mass(d, -Inf, Inf).mass == Approx(1.0).epsilon(1e-12));
  NNT_REFUSES(nnt::spectral_mass(nnt::density_result<double>{}, 0.0, 1.0), "d.nodes.cols()");
}

TEST_CASE("adversarial curvature: matrix-free MLP operators refuse wrong shapes", "[adversarial]") {
  nnt::mlp<double> net({3, 4, 2}, nnt::activation::tanh());
  net.initialize(1);
  const nnt::mse_loss mse;
  const MatrixXd X = MatrixXd::Ones(3, 5), Y = MatrixXd::Zero(2, 5);
  MatrixXd Xnan = X;
  Xnan(0, 0) = NaN;
  NNT_REFUSES((nnt::hessian_operator<double, nnt::mse_loss>(net, mse, Xnan, Y)), "X");
  NNT_REFUSES((nnt::hessian_operator<double, nnt::mse_loss>(net, mse, X, MatrixXd::Zero(2, 4))),
              "Y");
  NNT_REFUSES(
      (nnt::gauss_newton_operator<double, nnt::mse_loss>(net, mse, MatrixXd::Ones(4, 5), Y)), "X");
  // The operators feed Lanczos and Spectra: a diverged θ shows up as their status.
  VectorXd theta = net.parameters();
  theta(0) = NaN;
  net.set_parameters(theta);
  const nnt::hessian_operator<double, nnt::mse_loss> H(net, mse, X, Y);
  NNT_NOT_OK(nnt::lanczos(H, VectorXd::Ones(net.parameter_count()), 5));
  NNT_NOT_OK(nnt::top_eigenpairs(H, 2));
  NNT_NOT_OK(nnt::hutchinson_trace(H));
}

TEST_CASE("adversarial curvature: the Spectra adaptor forwards sizes and counts applications",
          "[adversarial]") {
  const MatrixXd A = MatrixXd::Identity(3, 3) * 2;
  const nnt::dense_operator<double> op(A);
  const nnt::spectra_operator<nnt::dense_operator<double>> s(op);
  CHECK(s.rows() == 3);
  CHECK(s.cols() == 3);
  double x[3] = {1, 2, 3}, y[3] = {};
  s.perform_op(x, y);
  CHECK(y[2] == 6);
  CHECK(s.applications() == 1);
}
