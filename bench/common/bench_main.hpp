// bench/common/bench_main.hpp — shared main() for nnt's Google Benchmark programs.
//
// Adds `--threads N` (default 1; sets OpenMP and Eigen threads) to Google Benchmark's own flags,
// and a paired timer: each iteration times nnt and a baseline back to back, so the reported
// ratio `nnt/baseline` is measured under the same machine load (this machine is shared and noisy;
// bare times are not comparable between runs, ratios are).
#pragma once

#include <benchmark/benchmark.h>

#include <Eigen/Core>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#ifdef _OPENMP
#include <omp.h>
#endif
#ifdef EIGEN_USE_BLAS
extern "C" void openblas_set_num_threads(int);
#endif

namespace nnt_bench {

inline int& thread_count() {
  static int threads = 1;
  return threads;
}

/// Times `work` and `baseline` alternately in every iteration; reports nnt's time as the
/// benchmark time and the counter "nnt/baseline" (< 1: nnt is faster).
template <class Work, class Baseline>
void paired(benchmark::State& state, Work&& work, Baseline&& baseline) {
  using clock = std::chrono::steady_clock;
  double nnt_seconds = 0, baseline_seconds = 0;
  for (auto _ : state) {
    const auto t0 = clock::now();
    work();
    const auto t1 = clock::now();
    baseline();
    const auto t2 = clock::now();
    const double a = std::chrono::duration<double>(t1 - t0).count();
    nnt_seconds += a;
    baseline_seconds += std::chrono::duration<double>(t2 - t1).count();
    state.SetIterationTime(a);
  }
  state.counters["nnt/baseline"] = nnt_seconds / baseline_seconds;
  state.counters["threads"] = thread_count();
}

/// For side-by-side modes that bypass Google Benchmark: applies `--threads N` from args (OpenMP and
/// Eigen), as run() does.
inline void apply_thread_flag(const std::vector<char*>& args) {
  for (std::size_t i = 1; i + 1 < args.size(); ++i)
    if (std::strcmp(args[i], "--threads") == 0)
      thread_count() = std::max(1, std::atoi(args[i + 1]));
#ifdef _OPENMP
  omp_set_num_threads(thread_count());
#endif
  Eigen::setNbThreads(thread_count());
}

inline int run(int argc, char** argv) {
  std::vector<char*> args;
  for (int i = 0; i < argc; ++i) {
    if (std::strcmp(argv[i], "--threads") == 0 && i + 1 < argc) {
      thread_count() = std::atoi(argv[++i]);
    } else if (std::strncmp(argv[i], "--threads=", 10) == 0) {
      thread_count() = std::atoi(argv[i] + 10);
    } else {
      args.push_back(argv[i]);
    }
  }
  if (thread_count() < 1) thread_count() = 1;
#ifdef _OPENMP
  omp_set_num_threads(thread_count());
#endif
  Eigen::setNbThreads(thread_count());
#ifdef EIGEN_USE_BLAS
  openblas_set_num_threads(thread_count());
  benchmark::AddCustomContext("nnt_blas", "OpenBLAS (EIGEN_USE_BLAS)");
#endif
  int count = static_cast<int>(args.size());
  benchmark::AddCustomContext("nnt_threads", std::to_string(thread_count()));
  benchmark::Initialize(&count, args.data());
  if (benchmark::ReportUnrecognizedArguments(count, args.data())) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}

}  // namespace nnt_bench

#define NNT_BENCHMARK_MAIN() \
  int main(int argc, char** argv) { return nnt_bench::run(argc, argv); }
