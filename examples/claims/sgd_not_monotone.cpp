// COURSE.md H8: A₁(w) = ½(w − 2)², A₂(w) = ½(w + 1)², L = A₁ + A₂ (minimum at w = ½, smoothness
// constant 2). A step on one sample's loss can increase L; the full-batch step with η < 2/L_smooth
// never does (L(w − η∇L) − L(w) = −η(1 − η)‖∇L‖² here, ≤ 0 for η ≤ 1).
#include "common/reproduce.hpp"

#include <algorithm>
#include <cmath>

int main(int argc, char** argv) {
  const auto opt = nnt_examples::parse_options(argc, argv, "SGD need not descend (H8)");
  nnt_examples::claims claims("sgd_not_monotone");
  auto L = [](double w) { return 0.5 * (w - 2) * (w - 2) + 0.5 * (w + 1) * (w + 1); };
  auto dA1 = [](double w) { return w - 2; };
  auto dL = [](double w) { return 2 * w - 1; };
  using nnt_examples::format_number, nnt_examples::nan_max, nnt_examples::nan_min;
  // The hand-written gradients and the smoothness constant, by central differences: exact for a
  // quadratic up to rounding: a few ε|L|/h with |L| ≤ 23 on w ∈ [−5, 5] (≤ 2e-11, h = 1e-3) and
  // 4ε|L|/h² ≈ 2e-10 (h = 1e-2); tolerances 5×.
  auto A1 = [](double w) { return 0.5 * (w - 2) * (w - 2); };
  double grad_err = 0, smooth_err = 0;
  for (int i = -500; i <= 500; ++i) {
    const double x = 0.01 * i, h = 1e-3, k = 1e-2;
    grad_err = nan_max({grad_err, std::abs((L(x + h) - L(x - h)) / (2 * h) - dL(x)),
                        std::abs((A1(x + h) - A1(x - h)) / (2 * h) - dA1(x))});
    smooth_err = nan_max(smooth_err, std::abs((L(x + k) - 2 * L(x) + L(x - k)) / (k * k) - 2));
  }
  claims.check("H8-gradients-vs-central-differences", 0, grad_err, nnt_examples::tol::abs, 1e-10);
  claims.check("H8-L-smoothness-constant-2", 0, smooth_err, nnt_examples::tol::abs, 1e-9);
  // At the minimiser any single-sample step moves away from it.
  const double w = 0.5, eta = 0.5;
  const double after = L(w - eta * dA1(w));
  claims.check_that("H8-sample-step-increases-L", "L(w - eta A1'(w)) > L(w) at w = 1/2, eta = 1/2",
                    format_number(after) + " > " + format_number(L(w)), after > L(w));
  // Grid w ∈ [−5, 5], η ∈ (0, 2) step 0.01. Full-batch steps with η < 1 = 2/L_smooth never increase
  // L, those with η > 1 always do off the minimum: the true change −η(1 − η)(2w − 1)² is 0 at w = ½
  // and else ≥ 0.01·0.99·0.02² = 4e-6 in size, far above rounding (|L| ≤ 200 even after η ≈ 2
  // steps: 4ε|L| ≤ 2e-13), so the sign tests need no tolerance; the change equals that identity
  // up to the same rounding (tolerance 5e-13).
  double worst = -1e300, least_above = 1e300, identity = 0;
  int increases = 0, points = 0;
  for (int i = -500; i <= 500; ++i)
    for (int j = 1; j < 200; ++j) {
      const double x = 0.01 * i, e = 0.01 * j, change = L(x - e * dL(x)) - L(x);
      identity = nan_max(identity, std::abs(change + e * (1 - e) * dL(x) * dL(x)));
      if (j > 100 && i != 50) least_above = nan_min(least_above, change);
      if (j >= 100) continue;
      worst = nan_max(worst, change);
      increases += L(x - e * dA1(x)) > L(x);
      ++points;
    }
  claims.check_at_most("H8-full-batch-step-never-increases-L-(eta<1)", 0.0, worst);
  claims.check_that("H8-full-batch-step-increases-L-(1<eta<2,w!=1/2)", "min change > 0",
                    format_number(least_above), least_above > 0);
  claims.check("H8-full-batch-change=-eta(1-eta)L'^2", 0, identity, nnt_examples::tol::abs, 5e-13);
  claims.report("fraction-of-grid-where-a-sample-step-increases-L", double(increases) / points,
                "w in [-5,5], eta in (0,1)");
  std::vector<double> ws, full, sample;
  for (int i = -300; i <= 300; ++i) {
    const double x = 0.01 * i;
    ws.push_back(x);
    full.push_back(L(x - 0.5 * dL(x)) - L(x));
    sample.push_back(L(x - 0.5 * dA1(x)) - L(x));
  }
  nnt_examples::write_plot(opt, "change_of_L", {"w", "full-batch step", "step on A1 only"},
                           {ws, full, sample},
                           {.title = "H8: change of L after one step with eta = 0.5",
                            .xlabel = "w",
                            .ylabel = "L(w+) - L(w)",
                            .extra = "set grid\n"});
  return claims.exit_code();
}
