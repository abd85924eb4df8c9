// Benchmarks of nnt/curvature on MLP Hessians (R-operator products, double):
//   top-1 eigenvalue by Spectra (restarted Lanczos) for ≈10k and ≈100k parameters: counters
//   `hvps` (operator applications, including the residual check) and `rel_error` against a
//   reference from a long fully-reorthogonalised Lanczos run (300 steps) on the same operator;
//   the baseline time (nnt/baseline) is that long run.
//   Hutchinson trace (200 probes at most, relative SE reported) and SLQ density (10 probes × 60
//   steps): time and HVPs.
// `bench_curvature --dump-hessian FILE [width]` instead writes the dense Hessian of the width-96
// problem (float64, row-major, preceded by its int64 size) and prints nnt's top eigenvalue and HVP
// count, for bench/compare/curvature_dense.py to check against LAPACK's dense eigensolver.
#include <nnt/curvature/eigenpairs.hpp>
#include <nnt/curvature/lanczos.hpp>
#include <nnt/curvature/trace.hpp>
#include <nnt/mlp/derivatives.hpp>

#include <Eigen/Eigenvalues>

#include <cstdio>
#include <cstring>
#include <fstream>

#include "common/bench_main.hpp"

namespace {

using Hop = nnt::hessian_operator<double, nnt::mse_loss>;

Hop make_hessian(nnt::Index width) {
  nnt::mlp<double> net({20, width, width, 1}, nnt::activation::tanh(),
                       {1.5, 0.1, nnt::parameterization::standard, true});
  net.initialize(1);
  nnt::random_generator rng(2);
  Eigen::MatrixXd X(20, 256), Y(1, 256);
  rng.fill_normal(X);
  rng.fill_normal(Y);
  return Hop(net, nnt::mse_loss{}, X, Y);
}

double long_lanczos_top(const Hop& H, int steps) {
  Eigen::VectorXd start = Eigen::VectorXd::Ones(H.rows());
  const auto lz = nnt::lanczos(H, start, steps);
  Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> es;
  es.computeFromTridiagonal(lz.alpha, lz.beta, Eigen::EigenvaluesOnly);
  return es.eigenvalues()(es.eigenvalues().size() - 1);
}

void BM_top_eigenvalue(benchmark::State& state) {
  const Hop H = make_hessian(state.range(0));
  double reference = 0, value = 0;
  nnt::Index hvps = 0;
  // residual ≤ 1e-6·|λ|; the eigenvalue error is ~ residual²/gap, far smaller
  const nnt::eigen_options o{.stop = {.max_iterations = 1000, .tolerance = 1e-6}};
  nnt_bench::paired(
      state,
      [&] {
        const auto r = nnt::top_eigenpairs(H, 1, o);
        value = r.values(0);
        hvps = r.operator_applications;
      },
      [&] { reference = long_lanczos_top(H, 300); });
  state.counters["parameters"] = double(H.rows());
  state.counters["hvps"] = double(hvps);
  state.counters["rel_error"] = std::abs(value - reference) / std::abs(reference);
}

void BM_hutchinson(benchmark::State& state) {
  const Hop H = make_hessian(state.range(0));
  nnt::trace_result r;
  // the MSE Hessian of a tanh net at init is indefinite, tr H small vs its spread: 200 probes
  const nnt::trace_options o{.stop = {.max_iterations = 200, .tolerance = 1e-2},
                             .zero_resolution = 0};
  for (auto _ : state) r = nnt::hutchinson_trace(H, o);
  state.counters["hvps"] = double(r.probes);
  state.counters["rel_se"] = r.standard_error / std::abs(r.estimate);
}

void BM_slq_density(benchmark::State& state) {
  const Hop H = make_hessian(state.range(0));
  nnt::density_options o;
  o.probes = 10;
  o.lanczos_steps = 60;
  for (auto _ : state) benchmark::DoNotOptimize(nnt::spectral_density(H, o).density.data());
  state.counters["hvps"] = 600;
}

BENCHMARK(BM_top_eigenvalue)
    ->Arg(96)
    ->Arg(300)
    ->UseManualTime()
    ->Unit(benchmark::kMillisecond)
    ->Iterations(3);
BENCHMARK(BM_hutchinson)->Arg(96)->Unit(benchmark::kMillisecond)->Iterations(3);
BENCHMARK(BM_slq_density)->Arg(96)->Unit(benchmark::kMillisecond)->Iterations(3);

int dump_hessian(const char* path, nnt::Index width) {
  const Hop H = make_hessian(width);
  const nnt::Index P = H.rows();
  const auto top = nnt::top_eigenpairs(H, 1, {.stop = {.max_iterations = 1000, .tolerance = 1e-6}});
  std::ofstream out(path, std::ios::binary);
  const std::int64_t n = P;
  out.write(reinterpret_cast<const char*>(&n), sizeof n);
  Eigen::VectorXd e = Eigen::VectorXd::Zero(P), column(P);
  for (nnt::Index j = 0; j < P; ++j) {  // column j of the symmetric H = row j
    e(j) = 1;
    H.apply(e, column);
    e(j) = 0;
    out.write(reinterpret_cast<const char*>(column.data()), std::streamsize(P * sizeof(double)));
  }
  std::printf("parameters %lld\nnnt_top_eigenvalue %.17g\nnnt_hvps %lld\nstatus %s\n",
              static_cast<long long>(P), top.values(0),
              static_cast<long long>(top.operator_applications),
              std::string(nnt::to_string(top.status)).c_str());
  return out ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc >= 3 && std::strcmp(argv[1], "--dump-hessian") == 0)
    return dump_hessian(argv[2], argc >= 4 ? std::atoi(argv[3]) : 96);
  return nnt_bench::run(argc, argv);
}
