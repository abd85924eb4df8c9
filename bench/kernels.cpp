// Benchmarks of nnt/kernels, with same-run baselines (counter nnt/baseline, < 1 means nnt is
// faster):
//   relu_gram: NNGP + NTK Gram of a depth-10 ReLU net (C_w = 2, C_b = 0), N inputs in d = 100,
//     double, against the textbook recursion written as Eigen array expressions (arccos of the
//     clipped cosine on the full N × N matrix). Counter ns/entry/layer counts N² entries and 10
//     layers, the unit of the numpy figure.
//   empirical_ntk: MLP 64→512→512→1 (tanh), N = 256, float, structured form against the dense
//     route (per-example Jacobian, then J Jᵀ).
//   kernel_operator_product: Θ·V (r = 8) of the same ReLU net by the matrix-free kernel_operator,
//     against kernel_gram's tile pass at the same N (nnt/baseline < 1.18 is the issue's "≥ 0.85×
//     the throughput per entry"); counter extra_MB is the operator's own memory.
//   kernel_ridge_pcg: (Θ + λI)α = Y, λ = 1e-3·tr Θ/N, to relative residual 1e-8, ReLU depth 10:
//     matrix-free PCG with a rank-k RPCholesky preconditioner against Eigen's LLT of the stored
//     Θ + λI (baseline); counters: iterations with and without the preconditioner (plain CG
//     capped at 3000), the time per iteration in tile passes, the stored-Gram PCG time over LLT's.
// Side-by-side modes for bench/compare/*.py (same inputs, timing and results to files):
//   bench_kernels --gram-io X.bin OUT_PREFIX [--depth L] [--threads T]
//   bench_kernels --ntk-io DIR [--threads T]      (DIR holds X.bin, W0.bin, b0.bin, …; writes
//     theta.bin)
// .bin files: int64 rows, int64 cols, then rows·cols float64 in column-major order.
#include <nnt/core/conjugate_gradient.hpp>
#include <nnt/core/dense_operator.hpp>
#include <nnt/kernels/empirical.hpp>
#include <nnt/kernels/kernel_operator.hpp>
#include <nnt/kernels/large_scale.hpp>
#include <nnt/kernels/nngp_ntk.hpp>
#include <nnt/kernels/partial_cholesky.hpp>

#include <Eigen/Cholesky>
#include <nnt/mlp/derivatives.hpp>

#include <chrono>
#include <cstdint>
#include <fstream>
#include <functional>
#include <iostream>
#include <numbers>
#include <string>

#include "common/bench_main.hpp"

namespace {

Eigen::MatrixXd read_matrix(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::int64_t r = 0, c = 0;
  in.read(reinterpret_cast<char*>(&r), 8);
  in.read(reinterpret_cast<char*>(&c), 8);
  if (!in || r < 0 || c < 0) throw std::runtime_error("cannot read " + path);
  Eigen::MatrixXd M(r, c);
  in.read(reinterpret_cast<char*>(M.data()), std::streamsize(sizeof(double) * std::size_t(r * c)));
  if (!in) throw std::runtime_error("short file " + path);
  return M;
}

void write_matrix(const std::string& path, const Eigen::MatrixXd& M) {
  std::ofstream out(path, std::ios::binary);
  const std::int64_t r = M.rows(), c = M.cols();
  out.write(reinterpret_cast<const char*>(&r), 8);
  out.write(reinterpret_cast<const char*>(&c), 8);
  out.write(reinterpret_cast<const char*>(M.data()),
            std::streamsize(sizeof(double) * std::size_t(r * c)));
}

template <class F>
double best_seconds(F&& f, int repeats) {
  double best = 1e300;
  for (int i = 0; i < repeats; ++i) {
    const auto t0 = std::chrono::steady_clock::now();
    f();
    best = std::min(best,
                    std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  }
  return best;
}

// The textbook recursion on full N × N matrices (the baseline; same formulas as numpy's version).
void naive_relu_gram(const Eigen::MatrixXd& X, int depth, double C_w, double C_b,
                     Eigen::MatrixXd& K, Eigen::MatrixXd& T) {
  const double d = double(X.rows()), pi = std::numbers::pi;
  K.noalias() = X.transpose() * X;
  K = (C_w / d) * K.array() + C_b;
  T = K;
  Eigen::ArrayXd diag = K.diagonal();
  Eigen::ArrayXXd norm, cos, theta;
  for (int l = 1; l < depth; ++l) {
    const Eigen::ArrayXd r = diag.sqrt();
    norm = r.matrix() * r.matrix().transpose();
    cos = (K.array() / norm).max(-1.0).min(1.0);
    theta = cos.acos();
    T.array() *= (pi - theta) / (2 * pi);
    K.array() = norm / (2 * pi) * (theta.sin() + (pi - theta) * cos);
    diag /= 2;
    K = C_w * K.array() + C_b;
    diag = C_w * diag + C_b;
    T = C_w * T + K;
  }
}

const nnt::kernel_network& relu_net(int depth) {
  static const nnt::kernel_network net = nnt::fully_connected_kernel(
      nnt::activation::relu(), {.hidden_layers = depth - 1, .C_w = 2.0, .C_b = 0.0});
  return net;
}

void BM_relu_gram(benchmark::State& state) {
  const nnt::Index N = state.range(0), d = 100;
  const int depth = 10;
  nnt::random_generator rng(1);
  Eigen::MatrixXd X(d, N), K, T;
  rng.fill_normal(X);
  nnt::kernel_gram_options o;
  o.threads = nnt_bench::thread_count();
  nnt::kernel_gram_result<double> r;
  double nnt_seconds = 0;
  nnt_bench::paired(
      state,
      [&] {
        const auto t0 = std::chrono::steady_clock::now();
        r = nnt::kernel_gram(relu_net(depth), X, o);
        benchmark::DoNotOptimize(r.ntk.data());
        nnt_seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      },
      [&] {
        naive_relu_gram(X, depth, 2.0, 0.0, K, T);
        benchmark::DoNotOptimize(T.data());
      });
  state.counters["ns/entry/layer"] =
      nnt_seconds / double(state.iterations()) / (double(N) * double(N) * depth) * 1e9;
  state.counters["max|nnt-naive|/max"] =
      (r.ntk - T).cwiseAbs().maxCoeff() / T.cwiseAbs().maxCoeff();
}
BENCHMARK(BM_relu_gram)
    ->Arg(1000)
    ->Arg(4000)
    ->UseManualTime()
    ->Unit(benchmark::kMillisecond)
    ->Iterations(2);

void BM_empirical_ntk(benchmark::State& state) {
  const nnt::Index N = 256;
  nnt::mlp<float> net({64, 512, 512, 1}, nnt::activation::tanh(),
                      {.param = nnt::parameterization::standard});
  net.initialize(2);
  nnt::random_generator rng(3);
  Eigen::MatrixXf X(64, N);
  rng.fill_normal(X);
  Eigen::MatrixXf theta, dense;
  nnt_bench::paired(
      state,
      [&] {
        theta = nnt::empirical_ntk(net, X);
        benchmark::DoNotOptimize(theta.data());
      },
      [&] {
        const Eigen::MatrixXf J = nnt::per_example_jacobian(net, X);
        dense.noalias() = J * J.transpose();
        benchmark::DoNotOptimize(dense.data());
      });
  state.counters["max|nnt-dense|/max"] =
      (theta - dense).cwiseAbs().maxCoeff() / dense.cwiseAbs().maxCoeff();
}
BENCHMARK(BM_empirical_ntk)->UseManualTime()->Unit(benchmark::kMillisecond)->Iterations(5);

double seconds_of(const std::function<void()>& f) {
  const auto t0 = std::chrono::steady_clock::now();
  f();
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

void BM_kernel_operator_product(benchmark::State& state) {
  const nnt::Index N = state.range(0), d = 100, r = 8;
  const int depth = 10;
  nnt::random_generator rng(1);
  Eigen::MatrixXd X(d, N), V(N, r), out(N, r);
  rng.fill_normal(X);
  rng.fill_normal(V);
  const int threads = nnt_bench::thread_count();
  const nnt::kernel_operator<double> op(relu_net(depth), X, {.threads = threads});
  nnt::kernel_gram_result<double> g;
  nnt_bench::paired(
      state,
      [&] {
        op.apply(V, out);
        benchmark::DoNotOptimize(out.data());
      },
      [&] {
        g = nnt::kernel_gram(relu_net(depth), X, {.threads = threads});
        benchmark::DoNotOptimize(g.ntk.data());
      });
  state.counters["max|op-gram*V|/max"] =
      (out - g.ntk * V).cwiseAbs().maxCoeff() / (g.ntk * V).cwiseAbs().maxCoeff();
  // X copy, the diagonal tables (4 × N × (steps + 1)), per-thread tiles and segments.
  const double steps = double(relu_net(depth).size()) + 1;
  state.counters["extra_MB"] =
      8.0 * (double(d * N) + 4 * steps * double(N) + threads * (256.0 * 256 + 8 * 256)) / 1e6;
}
BENCHMARK(BM_kernel_operator_product)
    ->Arg(4000)
    ->UseManualTime()
    ->Unit(benchmark::kMillisecond)
    ->Iterations(2);

void BM_kernel_ridge_pcg(benchmark::State& state) {
  const nnt::Index N = state.range(0), d = 100, rank = state.range(1);
  const int depth = 10;
  nnt::random_generator rng(2);
  Eigen::MatrixXd X(d, N), Y(1, N);
  rng.fill_normal(X);
  for (nnt::Index a = 0; a < N; ++a) Y(0, a) = std::sin(X(0, a)) + X(1, a) * X(2, a);
  const int threads = nnt_bench::thread_count();
  const nnt::kernel_operator<double> op(relu_net(depth), X, {.threads = threads});
  const nnt::kernel_ridge_pcg_options o{.ridge = 1e-3,
                                        .relative = true,
                                        .preconditioner_rank = rank,
                                        .tolerance = 1e-8,
                                        .max_iterations = 3000};
  nnt::kernel_ridge_pcg_model<double> m;
  Eigen::MatrixXd alpha;
  double lambda = 0;
  nnt_bench::paired(
      state,
      [&] {
        m = nnt::kernel_ridge_pcg(op, Y, o);
        benchmark::DoNotOptimize(m.alpha.data());
      },
      [&] {
        Eigen::MatrixXd A = nnt::ntk_gram(relu_net(depth), X);
        lambda = 1e-3 * A.trace() / double(N);
        A.diagonal().array() += lambda;
        alpha = A.llt().solve(Y.transpose());
        benchmark::DoNotOptimize(alpha.data());
      });
  state.counters["pcg_iterations"] = double(m.iterations);
  state.counters["pcg_residual"] = double(m.relative_residual.maxCoeff());
  state.counters["|a-a_llt|/|a_llt|"] = (m.alpha - alpha).norm() / alpha.norm();
  // Plain CG on the same operator (capped), and one tile pass (a product) for the per-iteration
  // cost.
  auto plain = o;
  plain.preconditioner_rank = 0;
  const auto cg = nnt::kernel_ridge_pcg(op, Y, plain);
  state.counters["cg_iterations"] = double(cg.iterations);
  Eigen::MatrixXd V = Eigen::MatrixXd::Ones(N, 1), out(N, 1);
  const double product = seconds_of([&] { op.apply(V, out); });
  const double factor = seconds_of([&] { (void)nnt::rp_cholesky(op, {.rank = rank}); });
  state.counters["rpcholesky_s/product_s"] = factor / product;
  state.counters["cg_s/iteration/product_s"] =
      seconds_of([&] { (void)nnt::kernel_ridge_pcg(op, Y, plain); }) / double(cg.iterations + 1) /
      product;
  // The same PCG on the stored Gram against LLT of it (both given the Gram).
  const Eigen::MatrixXd G = nnt::ntk_gram(relu_net(depth), X);
  Eigen::MatrixXd A = G;
  A.diagonal().array() += lambda;
  const double stored = seconds_of([&] {
    const auto f = nnt::rp_cholesky(G, {.rank = rank});
    const nnt::nystrom_preconditioner<double> P(f.factor, lambda);
    const auto r =
        nnt::preconditioned_cg(nnt::dense_operator<double>(A), Eigen::MatrixXd(Y.transpose()), P,
                               {.tolerance = 1e-8, .max_iterations = 3000});
    benchmark::DoNotOptimize(r.solution.data());
  });
  const double llt = seconds_of([&] {
    const Eigen::MatrixXd s = A.llt().solve(Y.transpose());
    benchmark::DoNotOptimize(s.data());
  });
  state.counters["stored_pcg_s/llt_s"] = stored / llt;
}
BENCHMARK(BM_kernel_ridge_pcg)
    ->Args({4000, 500})
    ->UseManualTime()
    ->Unit(benchmark::kMillisecond)
    ->Iterations(1);

// --gram-io X.bin OUT_PREFIX [--depth L]: prints seconds (best of 3), writes
// OUT_PREFIX{nngp,ntk}.bin
int gram_io(const std::string& x_path, const std::string& prefix, int depth) {
  const Eigen::MatrixXd X = read_matrix(x_path);
  const auto net = nnt::fully_connected_kernel(
      nnt::activation::relu(), {.hidden_layers = depth - 1, .C_w = 2.0, .C_b = 0.0});
  nnt::kernel_gram_options o;
  o.threads = nnt_bench::thread_count();
  nnt::kernel_gram_result<double> r;
  const double s = best_seconds([&] { r = nnt::kernel_gram(net, X, o); }, 3);
  write_matrix(prefix + "nngp.bin", r.nngp);
  write_matrix(prefix + "ntk.bin", r.ntk);
  std::cout << "nnt_seconds " << s << "\n";
  return 0;
}

// --ntk-io DIR: the tanh MLP whose weights the script wrote (standard parameterisation, float).
int ntk_io(const std::string& dir) {
  const Eigen::MatrixXd X = read_matrix(dir + "/X.bin");
  std::vector<Eigen::MatrixXd> W, b;
  for (int l = 0; l < 3; ++l) {
    W.push_back(read_matrix(dir + "/W" + std::to_string(l) + ".bin"));
    b.push_back(read_matrix(dir + "/b" + std::to_string(l) + ".bin"));
  }
  nnt::mlp<float> net({X.rows(), W[0].rows(), W[1].rows(), W[2].rows()}, nnt::activation::tanh(),
                      {.param = nnt::parameterization::standard});
  for (int l = 0; l < 3; ++l) {
    net.weight(l) = W[l].cast<float>();
    net.bias(l) = b[l].col(0).cast<float>();
  }
  const Eigen::MatrixXf Xf = X.cast<float>();
  Eigen::MatrixXf theta;
  const double s = best_seconds([&] { theta = nnt::empirical_ntk(net, Xf); }, 5);
  write_matrix(dir + "/theta.bin", theta.cast<double>());
  std::cout << "nnt_seconds " << s << "\n";
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<char*> rest;
  std::string gram_x, gram_out, ntk_dir;
  int depth = 10;
  for (int i = 0; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--gram-io" && i + 2 < argc) {
      gram_x = argv[++i];
      gram_out = argv[++i];
    } else if (a == "--ntk-io" && i + 1 < argc) {
      ntk_dir = argv[++i];
    } else if (a == "--depth" && i + 1 < argc) {
      depth = std::atoi(argv[++i]);
    } else {
      rest.push_back(argv[i]);
    }
  }
  if (gram_x.empty() && ntk_dir.empty()) return nnt_bench::run(int(rest.size()), rest.data());
  nnt_bench::apply_thread_flag(rest);
  return gram_x.empty() ? ntk_io(ntk_dir) : gram_io(gram_x, gram_out, depth);
}
