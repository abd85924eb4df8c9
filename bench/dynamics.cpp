// Benchmarks of nnt/dynamics: one RK4 step and one Dormand–Prince 5(4) step on the 10⁶-dimensional
// diagonal linear system dx/dt = −λ ⊙ x, against the same arithmetic written as a plain Eigen loop
// (counter nnt/baseline; the target is an overhead ≤ 10%, i.e. nnt/baseline ≤ 1.1).
#include <nnt/dynamics/flows.hpp>
#include <nnt/dynamics/integrate.hpp>
#include <nnt/dynamics/steppers.hpp>

#include "common/bench_main.hpp"

namespace {

constexpr Eigen::Index n = 1000000;

struct diagonal_system {
  Eigen::VectorXd lambda;
  void operator()(const Eigen::VectorXd& x, Eigen::VectorXd& dxdt, double) const {
    dxdt = -lambda.cwiseProduct(x);
  }
};

diagonal_system make_system() { return {Eigen::VectorXd::LinSpaced(n, 0.1, 10.0)}; }

void BM_rk4_step(benchmark::State& state) {
  const auto f = make_system();
  Eigen::VectorXd x = Eigen::VectorXd::Ones(n), y = x, k1(n), k2(n), k3(n), k4(n), tmp(n);
  nnt::rk4_stepper<> stepper;
  const double h = 1e-3;
  nnt_bench::paired(
      state,
      [&] {
        stepper.do_step(f, x, 0.0, h);
        benchmark::DoNotOptimize(x.data());
      },
      [&] {
        k1 = -f.lambda.cwiseProduct(y);
        tmp = y + (h / 2) * k1;
        k2 = -f.lambda.cwiseProduct(tmp);
        tmp = y + (h / 2) * k2;
        k3 = -f.lambda.cwiseProduct(tmp);
        tmp = y + h * k3;
        k4 = -f.lambda.cwiseProduct(tmp);
        y += (h / 6) * (k1 + 2 * (k2 + k3) + k4);
        benchmark::DoNotOptimize(y.data());
      });
}

void BM_dopri5_step(benchmark::State& state) {
  // Baseline: the 6 new stages, the 5th-order update and the scaled error norm, as in nnt
  // (FSAL: k1 of a step is k7 of the previous one), without step-size control or dense output.
  const auto f = make_system();
  Eigen::VectorXd x = Eigen::VectorXd::Ones(n), y = x, k1(n), k2(n), k3(n), k4(n), k5(n), k6(n),
                  k7(n), tmp(n), ynew(n);
  nnt::dormand_prince_stepper<> stepper(1e-3, 1e-3);
  double t = 0, dt = 1e-3;
  f(y, k1, 0.0);
  const double h = 1e-3;
  nnt_bench::paired(
      state,
      [&] {
        dt = 1e-3;
        stepper.try_step(f, x, t, dt);
        benchmark::DoNotOptimize(x.data());
      },
      [&] {
        tmp = y + h * (1.0 / 5) * k1;
        f(tmp, k2, 0.0);
        tmp = y + h * (3.0 / 40 * k1 + 9.0 / 40 * k2);
        f(tmp, k3, 0.0);
        tmp = y + h * (44.0 / 45 * k1 - 56.0 / 15 * k2 + 32.0 / 9 * k3);
        f(tmp, k4, 0.0);
        tmp = y + h * (19372.0 / 6561 * k1 - 25360.0 / 2187 * k2 + 64448.0 / 6561 * k3 -
                       212.0 / 729 * k4);
        f(tmp, k5, 0.0);
        tmp = y + h * (9017.0 / 3168 * k1 - 355.0 / 33 * k2 + 46732.0 / 5247 * k3 +
                       49.0 / 176 * k4 - 5103.0 / 18656 * k5);
        f(tmp, k6, 0.0);
        ynew = y + h * (35.0 / 384 * k1 + 500.0 / 1113 * k3 + 125.0 / 192 * k4 -
                        2187.0 / 6784 * k5 + 11.0 / 84 * k6);
        f(ynew, k7, 0.0);
        const double err = ((h * (71.0 / 57600 * k1 - 71.0 / 16695 * k3 + 71.0 / 1920 * k4 -
                                  17253.0 / 339200 * k5 + 22.0 / 525 * k6 - 1.0 / 40 * k7))
                                .array()
                                .abs() /
                            (1e-3 + 1e-3 * y.array().abs().max(ynew.array().abs())))
                               .maxCoeff();
        benchmark::DoNotOptimize(err);
        y.swap(ynew);
        k1.swap(k7);
        benchmark::DoNotOptimize(y.data());
      });
}

BENCHMARK(BM_rk4_step)->UseManualTime()->Unit(benchmark::kMillisecond);
BENCHMARK(BM_dopri5_step)->UseManualTime()->Unit(benchmark::kMillisecond);

}  // namespace

NNT_BENCHMARK_MAIN()
