// nnt/core/status.hpp — how an iterative or numerically fragile computation ended.
//
// Every result struct of an iterative method (eigen-solvers, integrators, optimizers, fixed-point
// solvers, Cholesky-based regression) carries one. Numerical trouble is reported here, never by an
// exception: exceptions are for user mistakes (see error.hpp).
#pragma once

#include <ostream>
#include <string_view>

namespace nnt {

enum class status {
  ok,             ///< converged / completed to the requested tolerance
  not_converged,  ///< iteration budget exhausted before the tolerance was met
  diverged,       ///< a non-finite value (NaN) or unbounded growth appeared
  singular,       ///< a matrix that must be invertible/positive definite was not (numerically)
  overflow,       ///< a value exceeded the representable range
};

constexpr std::string_view to_string(status s) noexcept {
  switch (s) {
    case status::ok: return "ok";
    case status::not_converged: return "not_converged";
    case status::diverged: return "diverged";
    case status::singular: return "singular";
    case status::overflow: return "overflow";
  }
  return "unknown";
}

inline std::ostream& operator<<(std::ostream& os, status s) { return os << to_string(s); }

}  // namespace nnt
