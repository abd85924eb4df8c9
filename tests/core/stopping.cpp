#include <nnt/core/stopping.hpp>

#include <limits>

#include "support/testing.hpp"

TEST_CASE("stopping: defaults and checks", "[stopping]") {
  const nnt::optimizer_stopping o;
  CHECK(!o.has_tolerance());  // the default is a fixed budget
  CHECK(nnt::optimizer_stopping{.gradient_tolerance = 1e-6}.has_tolerance());
  CHECK(nnt::optimizer_stopping{.loss_tolerance = 0.0}.has_tolerance());
  CHECK_NOTHROW(nnt::require_stopping(o));
  NNT_CHECK_INVALID(nnt::require_stopping(nnt::optimizer_stopping{.max_iterations = -1}),
                    "stop.max_iterations: expected at least 0, got -1");
  NNT_CHECK_INVALID(nnt::require_stopping(nnt::optimizer_stopping{.loss_tolerance = std::nan("")}),
                    "stop.loss_tolerance: expected a finite value or -inf, got nan");
  NNT_CHECK_INVALID(nnt::require_stopping(nnt::optimizer_stopping{.divergence_bound = 0}),
                    "stop.divergence_bound: expected a positive value, got 0");
  NNT_CHECK_INVALID(nnt::require_stopping(nnt::solver_stopping{.max_iterations = 0}),
                    "stop.max_iterations: expected at least 1, got 0");
  NNT_CHECK_INVALID(nnt::require_stopping(nnt::solver_stopping{.tolerance = -1e-3}),
                    "stop.tolerance: expected a non-negative value, got -0.001");
}
