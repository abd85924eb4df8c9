// Helpers of the adversarial suite: each case feeds one hostile input to one public entry point and
// asserts the documented reaction — nnt::invalid_argument blaming the right argument (its message
// starts "<argument>" and says what was expected), or a result whose status is not ok. Nothing here
// allocates a huge buffer: sizes are refused before allocation, which is what is being tested.
#pragma once

#include <catch2/catch.hpp>
#include <nnt/core/error.hpp>
#include <nnt/core/status.hpp>

#include <limits>
#include <string>

namespace nnt_adversarial {

inline constexpr double NaN = std::numeric_limits<double>::quiet_NaN();
inline constexpr double Inf = std::numeric_limits<double>::infinity();

}  // namespace nnt_adversarial

/// CHECK that `expr` throws nnt::invalid_argument whose message starts with `argument` and says
/// what it expected ("<argument>…: expected …, got …"); any other exception, or none, fails.
#define NNT_REFUSES(expr, argument)                                                        \
  do {                                                                                     \
    try {                                                                                  \
      (void)(expr);                                                                        \
      FAIL_CHECK("accepted: " #expr);                                                      \
    } catch (const nnt::invalid_argument& e) {                                             \
      const std::string what = e.what();                                                   \
      INFO(#expr);                                                                         \
      CHECK_THAT(what, Catch::Matchers::StartsWith(argument) &&                            \
                           Catch::Matchers::Contains(": expected"));                       \
    } catch (const std::exception& e) {                                                    \
      FAIL_CHECK("wrong exception from " #expr ": " << e.what());                          \
    }                                                                                      \
  } while (false)

/// CHECK that `result_expr` returns (does not throw) a result whose status is not ok.
#define NNT_NOT_OK(result_expr)                                                            \
  do {                                                                                     \
    try {                                                                                  \
      const auto nnt_adv_result = (result_expr);                                           \
      INFO(#result_expr << " → " << nnt::to_string(nnt_adv_result.status));               \
      CHECK(nnt_adv_result.status != nnt::status::ok);                                     \
    } catch (const std::exception& e) {                                                    \
      FAIL_CHECK("threw from " #result_expr ": " << e.what());                             \
    }                                                                                      \
  } while (false)
