#include <nnt/core/types.hpp>

#include <unsupported/Eigen/AutoDiff>

#include <type_traits>

#include "support/testing.hpp"

TEST_CASE("types: aliases are dynamic, column-major Eigen types", "[types]") {
  nnt::Matrix<float> m(2, 3);
  STATIC_REQUIRE(std::is_same_v<nnt::Vector<double>, Eigen::VectorXd>);
  STATIC_REQUIRE(std::is_same_v<nnt::Matrix<double>, Eigen::MatrixXd>);
  STATIC_REQUIRE(!nnt::Matrix<float>::IsRowMajor);
  STATIC_REQUIRE(std::is_same_v<nnt::Index, Eigen::Index>);
  m << 1, 2, 3, 4, 5, 6;
  // Column-major: the flat layout walks down the first column first.
  nnt::ConstVectorMap<float> flat(m.data(), 6);
  CHECK(flat(1) == 4.0f);
  CHECK(flat(2) == 2.0f);
}

TEST_CASE("types: scalar_value strips AutoDiffScalar layers", "[types]") {
  using AD = Eigen::AutoDiffScalar<Eigen::VectorXd>;
  using AD2 = Eigen::AutoDiffScalar<Eigen::Matrix<AD, Eigen::Dynamic, 1>>;
  STATIC_REQUIRE(nnt::autodiff_scalar<AD>);
  STATIC_REQUIRE(!nnt::autodiff_scalar<double>);
  STATIC_REQUIRE(std::is_same_v<nnt::real_type_t<AD2>, double>);
  STATIC_REQUIRE(std::is_same_v<nnt::real_type_t<long double>, long double>);
  AD x(2.5, 2, 0);
  AD2 y(x);
  CHECK(nnt::scalar_value(x) == 2.5);
  CHECK(nnt::scalar_value(y) == 2.5);
  CHECK(nnt::scalar_value(1.25f) == 1.25f);
}

TEST_CASE("types: the Ref aliases view blocks without a copy and accept expressions", "[types]") {
  Eigen::MatrixXd X = Eigen::MatrixXd::Random(4, 6);
  const nnt::const_matrix_ref<double> block = X.leftCols(3);
  CHECK(block.data() == X.data());  // a view, not a copy
  CHECK(block.outerStride() == 4);
  const nnt::const_matrix_ref<double> expression = 2 * X.topRows(2);  // evaluated into the Ref
  CHECK(expression.rows() == 2);
  CHECK(expression(1, 5) == 2 * X(1, 5));
  Eigen::VectorXd v = Eigen::VectorXd::Zero(5);
  nnt::vector_ref<double> tail = v.tail(2);
  tail.setOnes();
  CHECK(v.sum() == 2.0);
  STATIC_REQUIRE(std::is_same_v<nnt::matrix_arg<float>, nnt::const_matrix_ref<float>>);
}
