#include <nnt/core/error.hpp>

#include <unsupported/Eigen/AutoDiff>

#include <limits>

#include "support/testing.hpp"

TEST_CASE("error: invalid_argument is a std::invalid_argument", "[error]") {
  STATIC_REQUIRE(std::is_base_of_v<std::invalid_argument, nnt::invalid_argument>);
  CHECK_THROWS_AS(nnt::require_rows("X", 3, 4), std::invalid_argument);
}

TEST_CASE("error: messages name the argument, what was expected and what was given", "[error]") {
  NNT_CHECK_INVALID(nnt::require_rows("X", 3, 4), "X: expected 3 rows, got 4");
  NNT_CHECK_INVALID(nnt::require_rows("X", 1, 4), "X: expected 1 row, got 4");
  NNT_CHECK_INVALID(nnt::require_cols("Y", 2, 5), "Y: expected 2 columns, got 5");
  NNT_CHECK_INVALID(nnt::require_size("theta", 10, 9), "theta: expected 10 entries, got 9");
  NNT_CHECK_INVALID(nnt::require_shape("K", 3, 3, Eigen::MatrixXd(3, 4)),
                    "K: expected a 3x3 matrix, got 3x4");
  NNT_CHECK_INVALID(nnt::require_at_least<nnt::Index>("order", 0, 1),
                    "order: expected at least 1, got 0");
  NNT_CHECK_INVALID(nnt::require_positive("C_w", -1.0), "C_w: expected a positive value, got -1");
  NNT_CHECK_INVALID(nnt::require_positive("C_w", 0.0), "C_w: expected a positive value, got 0");
  NNT_CHECK_INVALID(nnt::require_positive("eta", std::nan("")),
                    "eta: expected a positive value, got nan");
  NNT_CHECK_INVALID(nnt::require_nonnegative("C_b", -0.5),
                    "C_b: expected a non-negative value, got -0.5");
  NNT_CHECK_INVALID(nnt::require_in_range("p", 2.0, 0.0, 1.0),
                    "p: expected a value in [0, 1], got 2");
  NNT_CHECK_INVALID(nnt::require_finite("eta", std::numeric_limits<double>::infinity()),
                    "eta: expected a finite value, got inf");
  NNT_CHECK_INVALID(nnt::require_covariance_2x2("c", 1.0, 1.5, 2.0),
                    "c12: expected c12² ≤ c11·c22 (a positive semi-definite covariance), got 1.5 "
                    "with c11 = 1, c22 = 2");
  NNT_CHECK_INVALID(nnt::require_covariance_2x2("c", 1.0, 0.0, -2.0),
                    "c22: expected a non-negative value, got -2");
  CHECK_NOTHROW(
      nnt::require_covariance_2x2("c", 0.3, 0.3 * (1 + 1e-16), 0.3));  // equal inputs, rounding
  NNT_CHECK_INVALID(nnt::throw_invalid_argument("a", "b", "c"), "a: expected b, got c");
}

TEST_CASE("error: valid input passes every check", "[error]") {
  CHECK_NOTHROW(nnt::require_rows("X", 3, 3));
  CHECK_NOTHROW(nnt::require_cols("X", 0, 0));
  CHECK_NOTHROW(nnt::require_positive("x", 1e-300));
  CHECK_NOTHROW(nnt::require_nonnegative("x", 0.0));
  CHECK_NOTHROW(nnt::require_in_range("p", 1.0, 0.0, 1.0));
  CHECK_NOTHROW(nnt::require_finite("x", Eigen::MatrixXd::Ones(2, 2)));
  CHECK_NOTHROW(nnt::require_finite("x", std::numeric_limits<double>::max()));
}

TEST_CASE("error: require_finite reports the first non-finite entry", "[error]") {
  Eigen::MatrixXd X = Eigen::MatrixXd::Zero(3, 2);
  X(2, 0) = std::nan("");
  X(0, 1) = std::numeric_limits<double>::infinity();
  NNT_CHECK_INVALID(nnt::require_finite("X", X), "X: expected finite entries, got nan at (2, 0)");
  Eigen::VectorXf v = Eigen::VectorXf::Zero(4);
  v(3) = -std::numeric_limits<float>::infinity();
  NNT_CHECK_INVALID(nnt::require_finite("v", v), "v: expected finite entries, got -inf at index 3");
  // Works on expressions and AutoDiff scalars too.
  NNT_CHECK_INVALID(nnt::require_finite("X.col(0)", X.col(0)),
                    "X.col(0): expected finite entries, got nan at index 2");
  using AD = Eigen::AutoDiffScalar<Eigen::VectorXd>;
  NNT_CHECK_INVALID(nnt::require_positive("a", AD(-2.0)), "a: expected a positive value, got -2");
}

TEST_CASE("error: format_value gives the shortest round-trip text", "[error]") {
  CHECK(nnt::format_value(0.1) == "0.1");
  CHECK(nnt::format_value(-1.0) == "-1");
  CHECK(nnt::format_value(1e300) == "1e+300");
  CHECK(nnt::format_value(0.1f) == "0.1");
  CHECK(nnt::format_value(nnt::Index{12}) == "12");
  const double third = 1.0 / 3.0;
  CHECK(std::stod(nnt::format_value(third)) == third);
}

TEST_CASE("error: require_examples_and_targets checks a data set in order", "[error]") {
  const Eigen::MatrixXd X = Eigen::MatrixXd::Ones(2, 3);
  Eigen::VectorXd y = Eigen::VectorXd::Ones(3);
  CHECK_NOTHROW(nnt::require_examples_and_targets(X, y));
  NNT_CHECK_INVALID(nnt::require_examples_and_targets(Eigen::MatrixXd(2, 0), Eigen::VectorXd(0)),
                    "X.cols(): expected at least 1, got 0");
  NNT_CHECK_INVALID(nnt::require_examples_and_targets(X, Eigen::VectorXd::Ones(2)),
                    "y: expected 3 entries, got 2");
  y(1) = std::numeric_limits<double>::infinity();
  NNT_CHECK_INVALID(nnt::require_examples_and_targets(X, y),
                    "y: expected finite entries, got inf at index 1");
}

TEST_CASE("error: throw_unless_ok passes ok results and names the status otherwise", "[error]") {
  struct result {
    nnt::status status;
    int value;
  };
  CHECK(nnt::throw_unless_ok(result{nnt::status::ok, 3}, "f").value == 3);
  CHECK_THROWS_MATCHES(
      nnt::throw_unless_ok(result{nnt::status::overflow, 0}, "nngp_gram"), nnt::numerical_error,
      nnt_test::message(
          "nngp_gram: overflow (call the function that returns the result to handle the status)"));
}

TEST_CASE("error: sizes are multiplied without overflow and huge allocations are refused first",
          "[error]") {
  CHECK(nnt::checked_product("n", 3, 4) == 12);
  NNT_CHECK_INVALID(nnt::checked_product("widths", nnt::Index(1) << 32, nnt::Index(1) << 32),
                    "widths: expected a size below 2^63, got 4294967296 × 4294967296");
  NNT_CHECK_INVALID(nnt::checked_product("n", -1, 4), "n: expected a size below 2^63, got -1 × 4");
  const std::size_t limit = nnt::allocation_limit_bytes();
  CHECK(limit > (std::size_t(1) << 20));  // the machine's memory: more than a megabyte
  CHECK_NOTHROW(nnt::require_allocation("H", 1000, sizeof(double)));
  nnt::set_allocation_limit_bytes(8000);
  CHECK_NOTHROW(nnt::require_allocation("H", 1000, sizeof(double)));
  NNT_CHECK_INVALID(nnt::require_allocation("H", 1001, sizeof(double)),
                    "H: expected at most 8000 bytes (nnt::allocation_limit_bytes()), got 8008 "
                    "bytes for 1001 entries");
  nnt::set_allocation_limit_bytes(limit);
  CHECK(nnt::allocation_limit_bytes() == limit);
}
