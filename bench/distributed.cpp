// bench/distributed.cpp — strong scaling of nnt/distributed/ (run it under mpirun: scripts/bench
// does, on 1, 2 and 4 ranks). Each benchmark times the distributed computation on all ranks (the
// slowest rank's time) and, in the same run, the single-process route on rank 0 while the other
// ranks sleep: nnt/baseline < 1 means the distributed route is faster.
//   BM_distributed_kernel_ridge/N: distributed_kernel_gram + ScaLAPACK p?potrf/p?potrs against
//     ntk_gram + Eigen's LLT; counters: Gram and factor+solve seconds, this rank's peak memory
//     growth against N²·8/ranks (mem/(N^2*8/P), the largest over ranks), |α − α_LLT|/|α_LLT|.
//   BM_distributed_pcg/N: kernel_ridge_pcg on a distributed_kernel_operator against the same on a
//     single-process kernel_operator (RPCholesky rank 500, λ = 1e-3·tr K/N, tolerance 1e-8).
// ReLU NTK, d = 100, depth 5, inputs N(0, I).
#include <nnt/distributed/kernel_operator.hpp>
#include <nnt/distributed/kernel_ridge.hpp>
#include <nnt/distributed/process_grid.hpp>
#include <nnt/kernels/kernel_operator.hpp>
#include <nnt/kernels/large_scale.hpp>
#include <nnt/kernels/nngp_ntk.hpp>

#include <benchmark/benchmark.h>
#include <mpi.h>

#include <Eigen/Cholesky>

#include <chrono>
#include <cmath>
#include <cstring>
#include <thread>
#include <vector>

#include "../examples/common/peak_memory.hpp"
#include "common/bench_main.hpp"

namespace {

int world_rank() { return nnt::detail::mpi_rank(MPI_COMM_WORLD); }
int world_size() { return nnt::detail::mpi_size(MPI_COMM_WORLD); }

// A barrier that sleeps instead of spinning, so that idle ranks leave the cores to rank 0's
// single-process baseline.
void idle_barrier() {
  MPI_Request req;
  MPI_Ibarrier(MPI_COMM_WORLD, &req);
  int done = 0;
  while (!done) {
    MPI_Test(&req, &done, MPI_STATUS_IGNORE);
    if (!done) std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
}

double max_over_ranks(double x) {
  MPI_Allreduce(MPI_IN_PLACE, &x, 1, MPI_DOUBLE, MPI_MAX, MPI_COMM_WORLD);
  return x;
}

template <class F>
double seconds_of(F&& f) {
  const auto t0 = std::chrono::steady_clock::now();
  f();
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

nnt::kernel_network relu_net(int depth) {
  return nnt::fully_connected_kernel(nnt::activation::relu(),
                                     {.hidden_layers = depth - 1, .C_w = 2.0, .C_b = 0.0});
}

struct problem {
  Eigen::MatrixXd X, Y;
  explicit problem(nnt::Index n) : X(100, n), Y(1, n) {
    nnt::random_generator rng(3);  // the same on every rank
    rng.fill_normal(X);
    for (nnt::Index a = 0; a < n; ++a) Y(0, a) = std::sin(X(0, a)) + X(1, a) * X(2, a);
  }
};

void BM_distributed_kernel_ridge(benchmark::State& state) {
  const nnt::Index n = state.range(0);
  const problem p(n);
  const auto net = relu_net(5);
  const nnt::process_grid grid;
  const int threads = nnt_bench::thread_count();
  const nnt::distributed_kernel_ridge_options o{
      .ridge = 1e-3, .relative = true, .allow_jitter = false, .block = 128, .threads = threads};
  nnt::distributed_kernel_ridge_model<double> m;
  double total = 0, gram = 0, memory = 0, baseline = 0;
  Eigen::MatrixXd alpha;
  for (auto _ : state) {
    MPI_Barrier(MPI_COMM_WORLD);
    gram = max_over_ranks(seconds_of([&] {
      const auto g =
          nnt::distributed_kernel_gram(grid, net, p.X, {.block = 128, .threads = threads});
      benchmark::DoNotOptimize(g.gram.local().data());
    }));
    MPI_Barrier(MPI_COMM_WORLD);
    const nnt_examples::memory_probe probe;
    total = max_over_ranks(
        seconds_of([&] { m = nnt::distributed_kernel_ridge(grid, net, p.X, p.Y, o); }));
    memory = max_over_ranks(probe.peak_growth());
    if (world_rank() == 0)
      baseline = seconds_of([&] {
        Eigen::MatrixXd A = nnt::ntk_gram(net, p.X);
        A.diagonal().array() += 1e-3 * A.trace() / double(n);
        alpha = A.llt().solve(p.Y.transpose());
      });
    idle_barrier();
    state.SetIterationTime(total);
  }
  const double share = double(n) * double(n) * 8.0 / world_size();
  state.counters["ranks"] = world_size();
  state.counters["nnt/baseline"] = total / baseline;
  state.counters["gram_s"] = gram;
  state.counters["factor_solve_s"] = total - gram;
  state.counters["baseline_s"] = baseline;
  state.counters["mem/(N^2*8/P)"] = memory / share;
  if (world_rank() == 0 && m.status == nnt::status::ok)
    state.counters["|a-a_llt|/|a_llt|"] = (m.alpha - alpha).norm() / alpha.norm();
  if (m.status != nnt::status::ok) state.SkipWithError("distributed_kernel_ridge: not ok");
}
BENCHMARK(BM_distributed_kernel_ridge)
    ->Arg(5000)
    ->Arg(20000)
    ->UseManualTime()
    ->Unit(benchmark::kSecond)
    ->Iterations(1);

void BM_distributed_pcg(benchmark::State& state) {
  const nnt::Index n = state.range(0);
  const problem p(n);
  const auto net = relu_net(5);
  const int threads = nnt_bench::thread_count();
  const nnt::kernel_ridge_pcg_options o{
      .ridge = 1e-3, .relative = true, .preconditioner_rank = 500, .tolerance = 1e-8};
  nnt::kernel_ridge_pcg_model<double> m, single;
  double total = 0, baseline = 0;
  for (auto _ : state) {
    MPI_Barrier(MPI_COMM_WORLD);
    total = max_over_ranks(seconds_of([&] {
      const nnt::distributed_kernel_operator<double> K(MPI_COMM_WORLD, net, p.X,
                                                       {.threads = threads});
      m = nnt::kernel_ridge_pcg(K, p.Y, o);
    }));
    if (world_rank() == 0)
      baseline = seconds_of([&] {
        const nnt::kernel_operator<double> K(net, p.X, {.threads = threads});
        single = nnt::kernel_ridge_pcg(K, p.Y, o);
      });
    idle_barrier();
    state.SetIterationTime(total);
  }
  state.counters["ranks"] = world_size();
  state.counters["nnt/baseline"] = total / baseline;
  state.counters["baseline_s"] = baseline;
  state.counters["iterations"] = double(m.iterations);
  if (world_rank() == 0) {
    state.counters["single_iterations"] = double(single.iterations);
    state.counters["|a-a_single|/|a_single|"] =
        (m.alpha - single.alpha).norm() / single.alpha.norm();
  }
  if (m.status != nnt::status::ok) state.SkipWithError("kernel_ridge_pcg: not ok");
}
BENCHMARK(BM_distributed_pcg)->Arg(10000)->UseManualTime()->Unit(benchmark::kSecond)->Iterations(1);

// Ranks other than 0 run the same benchmarks (they are collective) and report nothing.
class silent_reporter : public benchmark::BenchmarkReporter {
 public:
  bool ReportContext(const Context&) override { return true; }
  void ReportRuns(const std::vector<Run>&) override {}
};

}  // namespace

int main(int argc, char** argv) {
  int provided = 0;
  MPI_Init_thread(&argc, &argv, MPI_THREAD_FUNNELED, &provided);
  int rc = 0;
  if (world_rank() == 0) {
    benchmark::AddCustomContext("nnt_ranks", std::to_string(world_size()));
    rc = nnt_bench::run(argc, argv);
  } else {
    std::vector<char*> args;  // the same flags without the output file, which rank 0 writes
    for (int i = 0; i < argc; ++i)
      if (std::strncmp(argv[i], "--benchmark_out", 15) != 0) args.push_back(argv[i]);
    nnt_bench::apply_thread_flag(args);
    std::vector<char*> kept;
    for (std::size_t i = 0; i < args.size(); ++i) {
      if (std::strcmp(args[i], "--threads") == 0) {
        ++i;
        continue;
      }
      if (std::strncmp(args[i], "--threads=", 10) == 0) continue;
      kept.push_back(args[i]);
    }
    int count = int(kept.size());
    benchmark::Initialize(&count, kept.data());
    silent_reporter quiet;
    benchmark::RunSpecifiedBenchmarks(&quiet);
    benchmark::Shutdown();
  }
  MPI_Finalize();
  return rc;
}
