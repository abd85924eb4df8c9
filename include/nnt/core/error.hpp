// nnt/core/error.hpp — the exceptions nnt throws, and the checks that build their messages.
// User mistakes throw nnt::invalid_argument "<argument>: expected <what>, got <what was given>",
// e.g. "X: expected 3 rows, got 4" or "C_w: expected a positive value, got -1". Numerical trouble
// (divergence, a singular matrix) is a status in the result (status.hpp); only the documented
// convenience wrappers turn a non-ok status into nnt::numerical_error (throw_unless_ok).
#pragma once

#include "status.hpp"
#include "types.hpp"

#include <atomic>
#include <charconv>
#include <cmath>
#include <concepts>
#include <cstddef>
#include <limits>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

#if defined(__unix__)
#include <unistd.h>
#endif

namespace nnt {

/// Thrown for invalid user input: wrong dimensions, non-finite data, invalid hyper-parameters.
class invalid_argument : public std::invalid_argument {
 public:
  using std::invalid_argument::invalid_argument;
};

/// Thrown only by convenience functions that return a bare value where the full result type would
/// carry a non-ok nnt::status (e.g. nngp_gram() when a variance overflows): the message names the
/// status and where it arose. Use the result-returning function to handle the status yourself.
class numerical_error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// Returns r when r.status is ok; otherwise throws numerical_error("<what>: <status> (…)"). The
/// throwing convenience functions (e.g. nngp_gram) end with this.
template <class Result>
Result&& throw_unless_ok(Result&& r, std::string_view what) {
  if (r.status != status::ok)
    throw numerical_error(std::string(what) + ": " + std::string(to_string(r.status)) +
                          " (call the function that returns the result to handle the status)");
  return std::forward<Result>(r);
}

/// Shortest text that reads back to the same number ("0.1", "-1", "nan", "inf", "12").
template <class T>
std::string format_value(const T& x) {
  if constexpr (autodiff_scalar<T>) {
    return format_value(scalar_value(x));
  } else if constexpr (std::is_same_v<T, bool>) {
    return x ? "true" : "false";
  } else if constexpr (std::is_integral_v<T>) {
    return std::to_string(x);
  } else {
    static_assert(std::is_floating_point_v<T>, "format_value: unsupported type");
    if (std::isnan(x)) return "nan";
    if (std::isinf(x)) return x > 0 ? "inf" : "-inf";
    char buffer[64];
    const auto result = std::to_chars(buffer, buffer + sizeof buffer, x);
    return std::string(buffer, result.ptr);
  }
}

/// Throws nnt::invalid_argument("<name>: expected <expected>, got <got>").
[[noreturn]] inline void throw_invalid_argument(std::string_view name, std::string_view expected,
                                                std::string_view got) {
  std::string message;
  message.reserve(name.size() + expected.size() + got.size() + 16);
  message.append(name).append(": expected ").append(expected).append(", got ").append(got);
  throw invalid_argument(message);
}

namespace detail {
inline std::string count_noun(Index n, std::string_view singular, std::string_view plural) {
  return std::to_string(n) + " " + std::string(n == 1 ? singular : plural);
}
}  // namespace detail

/// "X: expected 3 rows, got 4".
inline void require_rows(std::string_view name, Index expected, Index got) {
  if (expected != got)
    throw_invalid_argument(name, detail::count_noun(expected, "row", "rows"), std::to_string(got));
}

/// "X: expected 3 columns, got 4".
inline void require_cols(std::string_view name, Index expected, Index got) {
  if (expected != got)
    throw_invalid_argument(name, detail::count_noun(expected, "column", "columns"),
                           std::to_string(got));
}

/// "theta: expected 10 entries, got 9" (for vectors).
inline void require_size(std::string_view name, Index expected, Index got) {
  if (expected != got)
    throw_invalid_argument(name, detail::count_noun(expected, "entry", "entries"),
                           std::to_string(got));
}

/// "K: expected a 3x3 matrix, got 3x4".
template <class Derived>
void require_shape(std::string_view name, Index rows, Index cols,
                   const Eigen::EigenBase<Derived>& x) {
  if (x.rows() != rows || x.cols() != cols)
    throw_invalid_argument(name,
                           "a " + std::to_string(rows) + "x" + std::to_string(cols) + " matrix",
                           std::to_string(x.rows()) + "x" + std::to_string(x.cols()));
}

/// "X: expected at least 1 column, got 0" style lower bound on an integer (count, order, size).
template <std::integral I>
void require_at_least(std::string_view name, I value, I minimum) {
  if (value < minimum)
    throw_invalid_argument(name, "at least " + std::to_string(minimum), std::to_string(value));
}

/// "eta: expected a finite value, got nan".
template <class T>
requires scalar_like<T>
void require_finite(std::string_view name, const T& x) {
  if (!std::isfinite(static_cast<long double>(scalar_value(x))))
    throw_invalid_argument(name, "a finite value", format_value(x));
}

/// "X: expected finite entries, got nan at (2, 0)" — reports the first offending entry.
template <class Derived>
void require_finite(std::string_view name, const Eigen::DenseBase<Derived>& x) {
  if constexpr (std::is_floating_point_v<typename Derived::Scalar>)
    if (x.derived().allFinite()) return;  // vectorised; the scan below only finds the culprit
  for (Index j = 0; j < x.cols(); ++j) {
    for (Index i = 0; i < x.rows(); ++i) {
      const auto v = scalar_value(x.coeff(i, j));
      if (!std::isfinite(static_cast<long double>(v))) {
        const std::string where = x.cols() == 1
                                      ? "at index " + std::to_string(i)
                                      : "at (" + std::to_string(i) + ", " + std::to_string(j) + ")";
        throw_invalid_argument(name, "finite entries", format_value(v) + " " + where);
      }
    }
  }
}

/// a·b for sizes and counts, refusing instead of wrapping around: "<name>: expected a size below
/// 2^63, got 4294967296 × 4294967296".
inline Index checked_product(std::string_view name, Index a, Index b) {
  Index out = 0;
  if (a < 0 || b < 0 || __builtin_mul_overflow(a, b, &out))
    throw_invalid_argument(name, "a size below 2^63",
                           std::to_string(a) + " × " + std::to_string(b));
  return out;
}

namespace detail {
inline std::atomic<std::size_t>& allocation_limit_storage() {
  static std::atomic<std::size_t> limit = [] {
#if defined(_SC_PHYS_PAGES) && defined(_SC_PAGE_SIZE)
    const long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGE_SIZE);
    if (pages > 0 && page > 0) return std::size_t(pages) * std::size_t(page);
#endif
    return std::size_t(1) << 40;
  }();
  return limit;
}
}  // namespace detail

/// The largest single buffer nnt allocates for a user-sized object (dense Hessians, Jacobians,
/// Grams, workspaces): by default the machine's physical memory (1 TiB where it cannot be read).
inline std::size_t allocation_limit_bytes() { return detail::allocation_limit_storage().load(); }
/// Sets that limit (e.g. lower, to fail fast in a shared job).
inline void set_allocation_limit_bytes(std::size_t bytes) {
  detail::allocation_limit_storage().store(bytes);
}

/// Refuses an allocation of count elements of element_size bytes above allocation_limit_bytes(),
/// before it is attempted: "H: expected at most 25769803776 bytes, got 7.2e+11 bytes (…)".
inline void require_allocation(std::string_view name, Index count, std::size_t element_size) {
  const long double bytes =
      static_cast<long double>(count) * static_cast<long double>(element_size);
  if (count < 0 || bytes > static_cast<long double>(allocation_limit_bytes()))
    throw_invalid_argument(
        name,
        "at most " + std::to_string(allocation_limit_bytes()) +
            " bytes (nnt::allocation_limit_bytes())",
        format_value(double(bytes)) + " bytes for " + std::to_string(count) + " entries");
}

/// A data set: X with one example per column (at least one), finite, and one finite target per
/// column in y — "X.cols(): expected at least 1, got 0", "y: expected 8 entries, got 7", ….
template <class DX, class DY>
void require_examples_and_targets(const Eigen::DenseBase<DX>& X, const Eigen::DenseBase<DY>& y) {
  require_at_least<Index>("X.cols()", X.cols(), 1);
  require_size("y", X.cols(), y.size());
  require_finite("X", X);
  require_finite("y", y);
}

/// A minibatch of example indices: at least one, each in [0, examples) — "batch.size(): expected at
/// least 1, got 0", "batch: expected indices in [0, 4), got 4".
template <class Batch>
void require_batch_indices(const Batch& batch, Index examples) {
  require_at_least<Index>("batch.size()", static_cast<Index>(batch.size()), 1);
  for (const auto n : batch)
    if (n < 0 || n >= examples)
      throw_invalid_argument("batch", "indices in [0, " + std::to_string(examples) + ")",
                             std::to_string(n));
}

/// "C_w: expected a positive value, got -1" (NaN is rejected too).
template <class T>
void require_positive(std::string_view name, const T& x) {
  if (!(scalar_value(x) > 0)) throw_invalid_argument(name, "a positive value", format_value(x));
}

/// "C_b: expected a non-negative value, got -0.5" (NaN is rejected too).
template <class T>
void require_nonnegative(std::string_view name, const T& x) {
  if (!(scalar_value(x) >= 0))
    throw_invalid_argument(name, "a non-negative value", format_value(x));
}

/// "p: expected a value in [0, 1], got 2" (closed interval; NaN is rejected too).
template <class T, class U>
void require_in_range(std::string_view name, const T& x, const U& lo, const U& hi) {
  const auto v = scalar_value(x);
  if (!(v >= lo && v <= hi))
    throw_invalid_argument(name, "a value in [" + format_value(lo) + ", " + format_value(hi) + "]",
                           format_value(x));
}

/// A 2×2 covariance [[c11, c12], [c12, c22]] named by a prefix ("q" → "q11", "q12", "q22"):
/// finite entries, non-negative variances, c12² ≤ c11·c22 up to a few ulps of rounding (as for the
/// Gram matrix of equal inputs). "q12: expected q12² ≤ q11·q22 (…), got 2 with q11 = 1, q22 = 1".
template <class S>
void require_covariance_2x2(std::string_view prefix, const S& c11, const S& c12, const S& c22) {
  const std::string p(prefix), n11 = p + "11", n12 = p + "12", n22 = p + "22";
  require_finite(n11, c11);
  require_finite(n12, c12);
  require_finite(n22, c22);
  require_nonnegative(n11, c11);
  require_nonnegative(n22, c22);
  // In long double, whose exponent range holds the squares of any double: c12² of 1e200 must not
  // overflow into inf ≤ inf and pass.
  using L = long double;
  const L v11 = L(scalar_value(c11)), v12 = L(scalar_value(c12)), v22 = L(scalar_value(c22));
  const L slack = 8 * L(std::numeric_limits<real_type_t<S>>::epsilon()) * v11 * v22;
  if (v12 * v12 > v11 * v22 + slack)
    throw_invalid_argument(
        n12, n12 + "² ≤ " + n11 + "·" + n22 + " (a positive semi-definite covariance)",
        format_value(c12) + " with " + n11 + " = " + format_value(c11) + ", " + n22 + " = " +
            format_value(c22));
}

}  // namespace nnt
