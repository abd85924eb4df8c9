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
  // At the minimiser any single-sample step moves away from it.
  const double w = 0.5, eta = 0.5;
  const double after = L(w - eta * dA1(w));
  claims.check_that("H8-sample-step-increases-L", "L(w - eta A1'(w)) > L(w) at w = 1/2, eta = 1/2",
                    nnt_examples::format_number(after) + " > " + nnt_examples::format_number(L(w)),
                    after > L(w));
  // Everywhere on a grid of w and η < 1 = 2/L_smooth, the full-batch step does not increase L.
  double worst = -1e300, worst_sample = -1e300;
  int increases = 0, points = 0;
  for (int i = -500; i <= 500; ++i)
    for (int j = 1; j < 100; ++j) {
      const double x = 0.01 * i, e = 0.01 * j;
      worst = std::max(worst, L(x - e * dL(x)) - L(x));
      worst_sample = std::max(worst_sample, L(x - e * dA1(x)) - L(x));
      increases += L(x - e * dA1(x)) > L(x);
      ++points;
    }
  claims.check_at_most("H8-full-batch-step-never-increases-L-(eta<1)", 0.0, worst);
  claims.report("fraction-of-grid-where-a-sample-step-increases-L", double(increases) / points,
                "w in [-5,5], eta in (0,1)");
  // Above 2/L_smooth the full-batch step increases L away from the minimum.
  claims.check_that(
      "H8-full-batch-eta=1.5-increases-L", "L(w - 1.5 L'(w)) > L(w) at w = 3",
      nnt_examples::format_number(L(3 - 1.5 * dL(3))) + " > " + nnt_examples::format_number(L(3)),
      L(3 - 1.5 * dL(3)) > L(3));
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
