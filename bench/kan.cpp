// Benchmarks of nnt/kan: one training step (forward, MSE gradient, backward) of a KAN
// [64,64,64,1], G = 5, k = 3, batch 1024, in float and double. Baseline (counter nnt/baseline): the
// same step's dense GEMMs alone (C̃B, W_b silu(X), and the three backward products per layer) — the
// floor for any formulation that stores the basis as a matrix; the rest is basis evaluation.
// Side-by-side mode for bench/compare/kan.py (run in its own process so the peak resident set
// belongs to the step alone):
//   bench_kan --kan-step float|double [--threads T]   prints seconds (best of 10) and the peak
//                                                      RSS increase of the steps (VmHWM)
#include <nnt/kan/kan.hpp>

#include <chrono>
#include <fstream>
#include <iostream>
#include <string>

#include "common/bench_main.hpp"

namespace {

template <class S>
struct kan_setup {
  nnt::kan<S> net;
  nnt::Matrix<S> X, Y;
  nnt::kan_workspace<S> ws;
  nnt::Vector<S> grad;
  kan_setup() : net({64, 64, 64, 1}) {
    net.initialize(1);
    nnt::random_generator rng(2);
    X.resize(64, 1024);
    Y.resize(1, 1024);
    rng.fill_normal(X);
    rng.fill_normal(Y);
    X *= S(0.5);
  }
  void step() {
    const nnt::Matrix<S>& Z = net.forward(X, ws);
    const nnt::Matrix<S> G = (Z - Y) / S(double(X.cols()));
    net.backward(ws, G, grad);
  }
};

template <class S>
void BM_kan_step(benchmark::State& state) {
  kan_setup<S> s;
  // dense baseline: the step's GEMM shapes with random operands
  std::vector<nnt::Matrix<S>> C, B, Wb, A, G;
  for (nnt::Index l = 0; l < s.net.depth(); ++l) {
    const nnt::Index n_in = s.net.width(l), n_out = s.net.width(l + 1), nb = s.net.basis_size(l);
    C.push_back(nnt::Matrix<S>::Random(n_out, n_in * nb));
    B.push_back(nnt::Matrix<S>::Random(n_in * nb, 1024));
    Wb.push_back(nnt::Matrix<S>::Random(n_out, n_in));
    A.push_back(nnt::Matrix<S>::Random(n_in, 1024));
    G.push_back(nnt::Matrix<S>::Random(n_out, 1024));
  }
  nnt::Matrix<S> out, gC, gB, gW, gA;
  nnt_bench::paired(
      state,
      [&] {
        s.step();
        benchmark::DoNotOptimize(s.grad.data());
      },
      [&] {
        for (std::size_t l = 0; l < C.size(); ++l) {
          out.noalias() = C[l] * B[l];
          out.noalias() += Wb[l] * A[l];
          gC.noalias() = G[l] * B[l].transpose();
          gB.noalias() = C[l].transpose() * G[l];
          gW.noalias() = G[l] * A[l].transpose();
          gA.noalias() = Wb[l].transpose() * G[l];
        }
        benchmark::DoNotOptimize(gA.data());
      });
}
BENCHMARK(BM_kan_step<float>)->UseManualTime()->Unit(benchmark::kMillisecond);
BENCHMARK(BM_kan_step<double>)->UseManualTime()->Unit(benchmark::kMillisecond);

// Peak resident set (VmHWM, KiB) of this process's address space. Not getrusage's ru_maxrss: that
// survives execve, so a benchmark started from a larger parent (the Python driver) would not see
// its own increase; VmHWM belongs to the new address space.
long peak_rss_kib() {
  std::ifstream status("/proc/self/status");
  for (std::string line; std::getline(status, line);)
    if (line.rfind("VmHWM:", 0) == 0) return std::stol(line.substr(6));
  return -1;
}

template <class S>
int kan_step_io() {
  const long before = peak_rss_kib();
  kan_setup<S> s;
  const long after_setup = peak_rss_kib();
  double best = 1e300;
  for (int i = 0; i < 10; ++i) {
    const auto t0 = std::chrono::steady_clock::now();
    s.step();
    best = std::min(best,
                    std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  }
  std::cout << "nnt_seconds " << best << "\nnnt_setup_rss_kib " << after_setup - before
            << "\nnnt_step_rss_kib " << peak_rss_kib() - after_setup << "\n";
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<char*> rest;
  std::string kind;
  for (int i = 0; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--kan-step" && i + 1 < argc)
      kind = argv[++i];
    else
      rest.push_back(argv[i]);
  }
  if (kind.empty()) return nnt_bench::run(int(rest.size()), rest.data());
  nnt_bench::apply_thread_flag(rest);
  return kind == "double" ? kan_step_io<double>() : kan_step_io<float>();
}
