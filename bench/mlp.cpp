// Benchmarks of nnt/mlp (float, tanh hidden layers, MSE): forward, gradient (forward + backward),
// Hessian-vector product (R-operator, one-shot with a reused or a fresh workspace, and with the
// cached operator), per-example Jacobian, input Jacobian. Nets: 784→512→512→10 and 64→512→512→1, batch 128.
// Baselines measured in the same run (counter nnt/baseline):
//   forward, gradient: the same GEMMs alone (z = Wa; ∂W = δaᵀ; g = Wᵀδ) as plain Eigen products,
//     so 1/(nnt/baseline) is the fraction of GEMM throughput that nnt's pass achieves;
//   HVP: nnt's own gradient, so nnt/baseline is the HVP-to-gradient cost ratio.
// bench/compare/mlp.py times the same nets in PyTorch (autograd gradient, double-backward HVP).
#include <nnt/mlp/derivatives.hpp>

#include "common/bench_main.hpp"

namespace {

using S = float;
using Mat = nnt::Matrix<S>;
using Vec = nnt::Vector<S>;

struct setup {
  nnt::mlp<S> net;
  Mat X, Y;
  setup(std::vector<nnt::Index> widths, nnt::Index batch)
      : net(widths, nnt::activation::tanh(), {1.0, 0.0, nnt::parameterization::standard, true}) {
    net.initialize(1);
    nnt::random_generator rng(2);
    X.resize(widths.front(), batch);
    Y.resize(widths.back(), batch);
    rng.fill_normal(X);
    rng.fill_normal(Y);
  }
  double forward_flops() const {
    double f = 0;
    for (nnt::Index l = 0; l < net.depth(); ++l)
      f += 2.0 * net.width(l) * net.width(l + 1) * X.cols();
    return f;
  }
  double gradient_flops() const {  // forward + ∂W + Wᵀδ (not for the first layer)
    double f = 2 * forward_flops();
    f += forward_flops() - 2.0 * net.width(0) * net.width(1) * X.cols();
    return f;
  }
};

std::vector<nnt::Index> shape(int which) {
  return which == 0 ? std::vector<nnt::Index>{784, 512, 512, 10}
                    : std::vector<nnt::Index>{64, 512, 512, 1};
}

// The GEMMs of a forward (and optionally backward) pass, nothing else.
struct gemm_only {
  std::vector<Mat> W, a, z, d;
  explicit gemm_only(const setup& s) {
    for (nnt::Index l = 0; l < s.net.depth(); ++l) {
      W.push_back(s.net.weight(l));
      z.emplace_back(s.net.width(l + 1), s.X.cols());
      d.emplace_back(Mat::Ones(s.net.width(l + 1), s.X.cols()));
    }
    a.push_back(s.X);
    for (nnt::Index l = 0; l < s.net.depth(); ++l)
      a.emplace_back(Mat::Ones(s.net.width(l + 1), s.X.cols()));
  }
  void forward() {
    for (std::size_t l = 0; l < W.size(); ++l) z[l].noalias() = W[l] * a[l];
  }
  void backward(std::vector<Mat>& grads) {
    for (std::size_t l = W.size(); l-- > 0;) {
      grads[l].noalias() = d[l] * a[l].transpose();
      if (l > 0) z[l - 1].noalias() = W[l].transpose() * d[l];
    }
  }
};

void BM_forward(benchmark::State& state) {
  setup s(shape(state.range(0)), 128);
  gemm_only g(s);
  nnt::mlp_workspace<S> ws;
  nnt_bench::paired(
      state, [&] { benchmark::DoNotOptimize(s.net.forward(s.X, ws).data()); },
      [&] {
        g.forward();
        benchmark::DoNotOptimize(g.z.back().data());
      });
  state.counters["GFLOP/s"] =
      benchmark::Counter(s.forward_flops() * state.iterations(), benchmark::Counter::kIsRate);
}

void BM_gradient(benchmark::State& state) {
  setup s(shape(state.range(0)), 128);
  gemm_only g(s);
  std::vector<Mat> grads;
  for (auto& w : g.W) grads.emplace_back(w.rows(), w.cols());
  nnt::derivative_workspace<S> ws;
  Vec grad;
  nnt_bench::paired(
      state,
      [&] {
        benchmark::DoNotOptimize(
            nnt::loss_and_gradient(s.net, nnt::mse_loss{}, s.X, s.Y, grad, ws));
      },
      [&] {
        g.forward();
        g.backward(grads);
        benchmark::DoNotOptimize(grads.front().data());
      });
  state.counters["GFLOP/s"] =
      benchmark::Counter(s.gradient_flops() * state.iterations(), benchmark::Counter::kIsRate);
}

void BM_hvp(benchmark::State& state) {
  // One-shot HVP (forward, backward, R-forward, R-backward) vs nnt's gradient, both reusing their
  // workspace (as an optimiser loop would; the allocating overload adds page faults, BM_hvp_fresh).
  setup s(shape(state.range(0)), 128);
  nnt::random_generator rng(3);
  Vec v(s.net.parameter_count()), out(s.net.parameter_count()), grad;
  rng.fill_normal(v);
  nnt::derivative_workspace<S> ws, hvp_ws;
  nnt_bench::paired(
      state,
      [&] {
        benchmark::DoNotOptimize(
            nnt::hessian_vector_product(s.net, nnt::mse_loss{}, s.X, s.Y, v, out, hvp_ws));
        benchmark::DoNotOptimize(out.data());
      },
      [&] {
        benchmark::DoNotOptimize(
            nnt::loss_and_gradient(s.net, nnt::mse_loss{}, s.X, s.Y, grad, ws));
      });
}

void BM_hvp_fresh(benchmark::State& state) {
  // The allocating one-shot overload: same arithmetic as BM_hvp plus a fresh workspace per call.
  setup s(shape(state.range(0)), 128);
  nnt::random_generator rng(3);
  Vec v(s.net.parameter_count()), out, grad;
  rng.fill_normal(v);
  nnt::derivative_workspace<S> ws;
  nnt_bench::paired(
      state,
      [&] {
        out = nnt::hessian_vector_product(s.net, nnt::mse_loss{}, s.X, s.Y, v);
        benchmark::DoNotOptimize(out.data());
      },
      [&] {
        benchmark::DoNotOptimize(
            nnt::loss_and_gradient(s.net, nnt::mse_loss{}, s.X, s.Y, grad, ws));
      });
}

void BM_hvp_cached(benchmark::State& state) {
  // Repeated products at a fixed θ (Lanczos): only the R-passes run.
  setup s(shape(state.range(0)), 128);
  nnt::random_generator rng(3);
  Vec v(s.net.parameter_count()), out(s.net.parameter_count()), grad;
  rng.fill_normal(v);
  const nnt::hessian_operator<S, nnt::mse_loss> H(s.net, nnt::mse_loss{}, s.X, s.Y);
  nnt::derivative_workspace<S> ws;
  nnt_bench::paired(
      state,
      [&] {
        H.apply(v, out);
        benchmark::DoNotOptimize(out.data());
      },
      [&] {
        benchmark::DoNotOptimize(
            nnt::loss_and_gradient(s.net, nnt::mse_loss{}, s.X, s.Y, grad, ws));
      });
}

void BM_per_example_jacobian(benchmark::State& state) {
  // 64→512→512→1, batch 32: J is 32 × 296k. Baseline: the rows as 32 single-example gradients of
  // z (vjp), written into a J of the same shape.
  setup s(shape(1), 32);
  Mat J;
  nnt_bench::paired(
      state,
      [&] {
        J = nnt::per_example_jacobian(s.net, s.X);
        benchmark::DoNotOptimize(J.data());
      },
      [&] {
        Mat Jb(s.X.cols(), s.net.parameter_count());
        for (nnt::Index a = 0; a < s.X.cols(); ++a)
          Jb.row(a) = nnt::vjp(s.net, Mat(s.X.col(a)), Mat::Ones(1, 1)).transpose();
        benchmark::DoNotOptimize(Jb.data());
      });
}

void BM_input_jacobian(benchmark::State& state) {
  setup s(shape(0), 128);
  nnt_bench::paired(
      state, [&] { benchmark::DoNotOptimize(nnt::input_jacobian(s.net, s.X).data()); },
      [&] { benchmark::DoNotOptimize(s.net.forward(s.X).data()); });
}

BENCHMARK(BM_forward)->Arg(0)->Arg(1)->UseManualTime()->Unit(benchmark::kMillisecond);
BENCHMARK(BM_gradient)->Arg(0)->Arg(1)->UseManualTime()->Unit(benchmark::kMillisecond);
BENCHMARK(BM_hvp)->Arg(0)->Arg(1)->UseManualTime()->Unit(benchmark::kMillisecond);
BENCHMARK(BM_hvp_fresh)->Arg(0)->Arg(1)->UseManualTime()->Unit(benchmark::kMillisecond);
BENCHMARK(BM_hvp_cached)->Arg(0)->Arg(1)->UseManualTime()->Unit(benchmark::kMillisecond);
BENCHMARK(BM_per_example_jacobian)->UseManualTime()->Unit(benchmark::kMillisecond);
BENCHMARK(BM_input_jacobian)->UseManualTime()->Unit(benchmark::kMillisecond);

}  // namespace

NNT_BENCHMARK_MAIN()
