// Benchmarks of nnt/core against hand-written baselines measured in the same run:
//   activations  nnt's array σ, σ′ vs a plain Eigen expression / std:: loop for the same formula
//   random       fill_normal vs std::normal_distribution on the same std::mt19937_64
//   quadrature   gauss_hermite(n) (eigenvalues + Newton + Christoffel weights) vs classic
//                Golub–Welsch with eigenvectors; E[f(u)g(v)] vs the same sum as a plain loop
#include <nnt/core/activation.hpp>
#include <nnt/core/quadrature.hpp>
#include <nnt/core/random.hpp>

#include <Eigen/Eigenvalues>

#include <random>

#include "common/bench_main.hpp"

namespace {

Eigen::ArrayXXd inputs(nnt::Index rows, nnt::Index cols) {
  nnt::random_generator rng(1);
  Eigen::ArrayXXd x(rows, cols);
  rng.fill_normal(x, 0.0, 2.0);
  return x;
}

// Baselines: the formula written directly as an Eigen expression or a scalar loop.
void baseline_value(nnt::activation_kind kind, const Eigen::ArrayXXd& x, Eigen::ArrayXXd& out) {
  using K = nnt::activation_kind;
  switch (kind) {
    case K::relu:
      out = x.max(0.0);
      break;
    case K::tanh:
      out = x.tanh();
      break;
    case K::sigmoid:
      out = x.logistic();
      break;
    case K::erf:
      out = x.unaryExpr([](double v) { return std::erf(v); });
      break;
    case K::gelu:
      out = x.unaryExpr([](double v) { return 0.5 * v * std::erfc(-v * 0.7071067811865476); });
      break;
    case K::silu:
      out = x * x.logistic();
      break;
    case K::softplus:
      out = x.unaryExpr(
          [](double v) { return std::max(v, 0.0) + std::log1p(std::exp(-std::abs(v))); });
      break;
    default:
      out = x;
      break;
  }
}

void BM_activation_value(benchmark::State& state, nnt::activation_kind kind) {
  const auto x = inputs(512, 512);
  Eigen::ArrayXXd out(x.rows(), x.cols()), ref(x.rows(), x.cols());
  const nnt::activation a(kind);
  nnt_bench::paired(
      state,
      [&] {
        a.value_into(x, out);
        benchmark::DoNotOptimize(out.data());
      },
      [&] {
        baseline_value(kind, x, ref);
        benchmark::DoNotOptimize(ref.data());
      });
  state.SetItemsProcessed(state.iterations() * x.size());
}

void BM_activation_derivative(benchmark::State& state, nnt::activation_kind kind) {
  // Baseline for σ′: the same closed form as an Eigen expression where one exists.
  const auto x = inputs(512, 512);
  Eigen::ArrayXXd out(x.rows(), x.cols()), ref(x.rows(), x.cols());
  const nnt::activation a(kind);
  nnt_bench::paired(
      state,
      [&] {
        a.derivative_into(x, out);
        benchmark::DoNotOptimize(out.data());
      },
      [&] {
        if (kind == nnt::activation_kind::tanh)
          ref = 1.0 - x.tanh().square();
        else if (kind == nnt::activation_kind::relu)
          ref = (x > 0.0).cast<double>();
        else
          ref = x.logistic() * (1.0 - x.logistic());  // sigmoid′
        benchmark::DoNotOptimize(ref.data());
      });
  state.SetItemsProcessed(state.iterations() * x.size());
}

void BM_fill_normal(benchmark::State& state) {
  Eigen::MatrixXd a(1000, 1000), b(1000, 1000);
  nnt::random_generator rng(5);
  std::mt19937_64 engine(5);
  std::normal_distribution<double> normal;
  nnt_bench::paired(
      state,
      [&] {
        rng.fill_normal(a);
        benchmark::DoNotOptimize(a.data());
      },
      [&] {
        for (nnt::Index i = 0; i < b.size(); ++i) b.data()[i] = normal(engine);
        benchmark::DoNotOptimize(b.data());
      });
  state.SetItemsProcessed(state.iterations() * a.size());
}

void BM_gauss_hermite(benchmark::State& state) {
  const nnt::Index n = state.range(0);
  nnt_bench::paired(
      state, [&] { benchmark::DoNotOptimize(nnt::gauss_hermite(n).weights.data()); },
      [&] {
        Eigen::MatrixXd J = Eigen::MatrixXd::Zero(n, n);
        for (nnt::Index k = 1; k < n; ++k) J(k, k - 1) = J(k - 1, k) = std::sqrt(double(k));
        Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> es(J);
        Eigen::VectorXd w = es.eigenvectors().row(0).array().square();
        benchmark::DoNotOptimize(w.data());
      });
}

void BM_product_expectation(benchmark::State& state) {
  // Baseline: the Cholesky substitution written out as a plain double loop over the nodes.
  const auto rule = nnt::gauss_hermite(state.range(0));
  const auto f = [](double v) { return std::tanh(v); };
  const double q11 = 1.0, q12 = 0.3, q22 = 2.0;
  nnt_bench::paired(
      state,
      [&] {
        benchmark::DoNotOptimize(nnt::gaussian_product_expectation(rule, f, f, q11, q12, q22));
      },
      [&] {
        const double a = std::sqrt(q11), b = q12 / a, c = std::sqrt(q22 - b * b);
        double sum = 0;
        for (nnt::Index i = 0; i < rule.order(); ++i) {
          double inner = 0;
          for (nnt::Index j = 0; j < rule.order(); ++j)
            inner += rule.weights(j) * std::tanh(b * rule.nodes(i) + c * rule.nodes(j));
          sum += rule.weights(i) * std::tanh(a * rule.nodes(i)) * inner;
        }
        benchmark::DoNotOptimize(sum);
      });
}

using K = nnt::activation_kind;
BENCHMARK_CAPTURE(BM_activation_value, relu, K::relu)->UseManualTime();
BENCHMARK_CAPTURE(BM_activation_value, tanh, K::tanh)->UseManualTime();
BENCHMARK_CAPTURE(BM_activation_value, sigmoid, K::sigmoid)->UseManualTime();
BENCHMARK_CAPTURE(BM_activation_value, erf, K::erf)->UseManualTime();
BENCHMARK_CAPTURE(BM_activation_value, gelu, K::gelu)->UseManualTime();
BENCHMARK_CAPTURE(BM_activation_value, silu, K::silu)->UseManualTime();
BENCHMARK_CAPTURE(BM_activation_value, softplus, K::softplus)->UseManualTime();
BENCHMARK_CAPTURE(BM_activation_derivative, relu, K::relu)->UseManualTime();
BENCHMARK_CAPTURE(BM_activation_derivative, tanh, K::tanh)->UseManualTime();
BENCHMARK_CAPTURE(BM_activation_derivative, sigmoid, K::sigmoid)->UseManualTime();
BENCHMARK(BM_fill_normal)->UseManualTime();
BENCHMARK(BM_gauss_hermite)->Arg(16)->Arg(64)->Arg(256)->UseManualTime();
BENCHMARK(BM_product_expectation)->Arg(16)->Arg(64)->UseManualTime();

}  // namespace

NNT_BENCHMARK_MAIN()
