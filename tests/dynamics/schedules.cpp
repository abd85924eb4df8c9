#include <nnt/dynamics/schedules.hpp>

#include <cmath>

#include "support/testing.hpp"

TEST_CASE("schedules: values at chosen steps", "[schedules]") {
  CHECK(nnt::step_schedule{1.0, 0.1, 10}(25) == Approx(0.01));
  const nnt::cosine_schedule c{1.0, 0.1, 100};
  CHECK(c(0) == 1.0);
  CHECK(c(50) == Approx(0.55));
  CHECK(c(100) == 0.1);
  const nnt::warmup_schedule<nnt::constant_schedule> w{{0.4}, 4};
  CHECK(w(0) == Approx(0.1));
  CHECK(w(3) == Approx(0.4));
  CHECK(w(10) == 0.4);
}

TEST_CASE("schedules: learning_rate takes numbers and schedules and checks every rate it draws",
          "[schedules]") {
  const nnt::learning_rate constant = 0.3;
  CHECK(constant(0) == 0.3);
  CHECK(constant(1000000) == 0.3);
  CHECK(constant.is_constant());
  const nnt::learning_rate scheduled = nnt::step_schedule{1.0, 0.5, 2};
  CHECK(scheduled(5) == 0.25);
  CHECK(!scheduled.is_constant());
  const nnt::learning_rate lambda = [](nnt::Index t) { return 1.0 / double(t + 1); };
  CHECK(lambda(3) == 0.25);
  const nnt::learning_rate falling = [](nnt::Index t) { return 1.0 - 0.25 * double(t); };
  NNT_CHECK_INVALID(falling(4),
                    "learning rate: expected a finite positive value, got 0 (at step 4)");
  NNT_CHECK_INVALID(nnt::learning_rate(std::nan("")),
                    "learning rate: expected a finite value, got nan");
  NNT_CHECK_INVALID(nnt::step_schedule({1.0, 0.5, 0})(3),
                    "step_schedule.every: expected at least 1, got 0");
  NNT_CHECK_INVALID(nnt::cosine_schedule({1.0, 0.1, 0})(3),
                    "cosine_schedule.total: expected at least 1, got 0");
  NNT_CHECK_INVALID((nnt::warmup_schedule<nnt::constant_schedule>{{0.4}, -2})(3),
                    "warmup_schedule.steps: expected at least 0, got -2");
  CHECK((nnt::warmup_schedule<nnt::constant_schedule>{{0.4}, 0})(0) == 0.4);  // no warm-up
  // Rates that would turn non-positive later in the run are rejected at the first draw.
  NNT_CHECK_INVALID(nnt::learning_rate(nnt::cosine_schedule{1.0, 0.0, 100}),
                    "cosine_schedule.eta_min: expected a positive value, got 0");
  NNT_CHECK_INVALID(nnt::learning_rate(nnt::step_schedule{1.0, -0.5, 10}),
                    "step_schedule.factor: expected a positive value, got -0.5");
}
