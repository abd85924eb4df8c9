#include <nnt/core/dense_operator.hpp>

#include "support/testing.hpp"

TEST_CASE("dense_operator: applies A to vectors, blocks and maps", "[dense_operator]") {
  Eigen::MatrixXd A(2, 2);
  A << 2, 1, 1, 3;
  const nnt::dense_operator<double> op(A);
  CHECK(op.rows() == 2);
  Eigen::VectorXd buffer = Eigen::VectorXd::Zero(4), out(2);
  buffer << 0, 1, 2, 0;
  op.apply(buffer.segment(1, 2), out);              // a block in, a vector out
  CHECK(out(0) == 4.0);                             // 2·1 + 1·2
  CHECK(out(1) == 7.0);                             // 1·1 + 3·2
  op.apply(Eigen::Vector2d(1, 0), buffer.head(2));  // an expression in, a block out
  CHECK(buffer(0) == 2.0);
  CHECK(buffer(1) == 1.0);
  CHECK(op.matrix() == A);
}

TEST_CASE("dense_operator: a non-square matrix is refused", "[dense_operator]") {
  NNT_CHECK_INVALID(nnt::dense_operator<double>(Eigen::MatrixXd::Zero(3, 4)),
                    "A: expected a 3x3 matrix, got 3x4");
}
