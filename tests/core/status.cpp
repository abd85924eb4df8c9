#include <nnt/core/status.hpp>

#include <set>
#include <sstream>
#include <string_view>

#include "support/testing.hpp"

TEST_CASE("status: every value has a distinct name", "[status]") {
  using nnt::status;
  const status all[] = {status::ok,       status::not_converged, status::diverged,
                        status::singular, status::overflow,      status::stalled};
  std::set<std::string_view> names;
  for (status s : all) names.insert(nnt::to_string(s));
  CHECK(names.size() == std::size(all));
  CHECK(names.count("unknown") == 0);
  CHECK(nnt::to_string(status::not_converged) == "not_converged");
  std::ostringstream os;
  os << status::diverged;
  CHECK(os.str() == "diverged");
  STATIC_REQUIRE(nnt::to_string(status::ok) == "ok");
}

TEST_CASE("status: every stop_reason has a distinct name", "[status]") {
  using nnt::stop_reason;
  const stop_reason all[] = {stop_reason::none,
                             stop_reason::tolerance,
                             stop_reason::gradient_tolerance,
                             stop_reason::loss_tolerance,
                             stop_reason::iteration_limit,
                             stop_reason::end_time,
                             stop_reason::observer,
                             stop_reason::non_finite,
                             stop_reason::divergence_bound,
                             stop_reason::line_search_failure,
                             stop_reason::step_size_underflow,
                             stop_reason::no_progress,
                             stop_reason::invariant_subspace,
                             stop_reason::zero_within_error,
                             stop_reason::residual_check};
  std::set<std::string_view> names;
  for (stop_reason r : all) names.insert(nnt::to_string(r));
  CHECK(names.size() == std::size(all));
  CHECK(names.count("unknown") == 0);
  std::ostringstream os;
  os << stop_reason::iteration_limit;
  CHECK(os.str() == "iteration_limit");
}
