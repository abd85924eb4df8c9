#include <nnt/mlp/loss.hpp>

#include "mlp_test_support.hpp"

using namespace mlp_test;
using nnt_test::relative_error;

namespace {

// Gradient and output Hessian of a loss by long-double central differences in Z (error
// h²|ℓ‴|/6 + eps_ld|ℓ|/h ≈ 1e-12 for h = 1e-6 and O(1) derivatives).
template <class Loss>
void check_against_finite_differences(const Loss& loss, const Eigen::MatrixXd& Z,
                                      const Eigen::MatrixXd& Y) {
  using LD = long double;
  const nnt::Matrix<LD> Zl = Z.cast<LD>(), Yl = Y.cast<LD>();
  nnt::Matrix<LD> G;
  loss.value_and_gradient(Zl, Yl, G);
  const LD h = 1e-6L;
  for (nnt::Index j = 0; j < Z.cols(); ++j) {
    for (nnt::Index i = 0; i < Z.rows(); ++i) {
      nnt::Matrix<LD> Zp = Zl, Zm = Zl;
      Zp(i, j) += h;
      Zm(i, j) -= h;
      const LD fd = (loss.value(Zp, Yl) - loss.value(Zm, Yl)) / (2 * h);
      CHECK(relative_error(G(i, j), fd) < 1e-10);
      // Column (i, j) of the output Hessian: difference of gradients.
      nnt::Matrix<LD> Gp, Gm;
      loss.value_and_gradient(Zp, Yl, Gp);
      loss.value_and_gradient(Zm, Yl, Gm);
      const nnt::Matrix<LD> fdH = (Gp - Gm) / (2 * h);
      nnt::Matrix<LD> E = nnt::Matrix<LD>::Zero(Z.rows(), Z.cols()), HE;
      E(i, j) = 1;
      loss.hessian_product(Zl, Yl, E, HE);
      CHECK((HE - fdH).cwiseAbs().maxCoeff() < 1e-9L);
      const nnt::Matrix<LD> Hj = loss.example_hessian(Zl, Yl, j);
      CHECK((Hj.col(i) - fdH.col(j)).cwiseAbs().maxCoeff() < 1e-9L);
    }
  }
}

}  // namespace

TEST_CASE("loss: values equal their textbook forms", "[loss]") {
  Eigen::MatrixXd Z(2, 2), Y(2, 2);
  Z << 0.5, -1.0, 2.0, 0.25;
  Y << 1.0, 0.0, 0.0, 1.0;
  // MSE: mean over 2 examples of ½‖z − y‖².
  const double mse = 0.5 * ((0.5 - 1) * (0.5 - 1) + 4.0 + 1.0 + 0.75 * 0.75) / 2;
  CHECK(relative_error(nnt::mse_loss{}.value(Z, Y), mse, 0) < 1e-15);
  CHECK(relative_error(nnt::mse_loss{nnt::reduction::sum}.value(Z, Y), 2 * mse, 0) < 1e-15);
  // BCE on logits: −y log σ(z) − (1−y) log(1−σ(z)).
  double bce = 0;
  for (int j = 0; j < 2; ++j)
    for (int i = 0; i < 2; ++i) {
      const double s = 1 / (1 + std::exp(-Z(i, j)));
      bce += -Y(i, j) * std::log(s) - (1 - Y(i, j)) * std::log(1 - s);
    }
  CHECK(relative_error(nnt::binary_cross_entropy_loss{}.value(Z, Y), bce / 2, 0) < 1e-14);
  // Softmax CE with one-hot targets: −log softmax(z)_class.
  double ce = 0;
  for (int j = 0; j < 2; ++j) {
    const double norm = std::exp(Z(0, j)) + std::exp(Z(1, j));
    ce += -std::log(std::exp(Z(j == 0 ? 0 : 1, j)) / norm);
  }
  CHECK(relative_error(nnt::softmax_cross_entropy_loss{}.value(Z, Y), ce / 2, 0) < 1e-14);
}

TEST_CASE("loss: gradients and output Hessians match finite differences", "[loss]") {
  const Eigen::MatrixXd Z = random_matrix(3, 4, 1);
  check_against_finite_differences(nnt::mse_loss{}, Z, random_matrix(3, 4, 2));
  check_against_finite_differences(
      nnt::binary_cross_entropy_loss{nnt::reduction::sum}, Z,
      (random_matrix(3, 4, 3).array() > 0).cast<double>().matrix() * 0.9);
  check_against_finite_differences(nnt::softmax_cross_entropy_loss{}, Z,
                                   probability_targets(3, 4, 4));
}

TEST_CASE("loss: softmax cross-entropy and BCE are stable for huge logits", "[loss]") {
  Eigen::MatrixXd Z(3, 1), Y(3, 1);
  Z << 1000.0, 0.0, -1000.0;
  Y << 0.0, 1.0, 0.0;
  // logsumexp = 1000 exactly in double, so the loss is 1000 − 0.
  CHECK(nnt::softmax_cross_entropy_loss{}.value(Z, Y) == 1000.0);
  Eigen::MatrixXd G;
  nnt::softmax_cross_entropy_loss{}.value_and_gradient(Z, Y, G);
  CHECK(G.allFinite());
  CHECK(G(0, 0) == 1.0);
  Eigen::MatrixXd Zb(1, 2), Yb(1, 2);
  Zb << 800.0, -800.0;
  Yb << 0.0, 1.0;
  CHECK(nnt::binary_cross_entropy_loss{nnt::reduction::sum}.value(Zb, Yb) == 1600.0);
}

TEST_CASE("loss: the softmax output Hessian is diag(p) − ppᵀ: PSD, rank k−1, null vector 1",
          "[loss]") {
  Eigen::MatrixXd Z = random_matrix(5, 1, 7), Y = probability_targets(5, 1, 8);
  const Eigen::MatrixXd H = nnt::softmax_cross_entropy_loss{}.example_hessian(Z, Y, 0);
  Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> es(H);
  CHECK(es.eigenvalues().minCoeff() > -1e-16);
  CHECK(std::abs(es.eigenvalues()(0)) < 1e-16);
  CHECK(es.eigenvalues()(1) > 1e-3);
  CHECK((H * Eigen::VectorXd::Ones(5)).norm() < 1e-16);
}

TEST_CASE("loss: bad targets throw clear messages", "[loss]") {
  Eigen::MatrixXd Z = Eigen::MatrixXd::Zero(2, 3);
  NNT_CHECK_INVALID(nnt::mse_loss{}.value(Z, Eigen::MatrixXd::Zero(3, 3)),
                    "Y: expected 2 rows, got 3");
  NNT_CHECK_INVALID(nnt::mse_loss{}.value(Z, Eigen::MatrixXd::Zero(2, 2)),
                    "Y: expected 3 columns, got 2");
  Eigen::MatrixXd Y = Eigen::MatrixXd::Zero(2, 3);
  Y(1, 2) = 1.5;
  NNT_CHECK_INVALID(nnt::binary_cross_entropy_loss{}.value(Z, Y),
                    "Y: expected targets in [0, 1], got 1.5 at (1, 2)");
  Y(1, 2) = -0.5;
  NNT_CHECK_INVALID(nnt::softmax_cross_entropy_loss{}.value(Z, Y),
                    "Y: expected non-negative class weights (probabilities), got -0.5 at (1, 2)");
  Y(1, 2) = std::nan("");
  NNT_CHECK_INVALID(nnt::mse_loss{}.value(Z, Y), "Y: expected finite entries, got nan at (1, 2)");
  const Eigen::MatrixXd ok = Eigen::MatrixXd::Zero(2, 3);
  NNT_CHECK_INVALID(nnt::softmax_cross_entropy_loss{}.example_hessian(Z, ok, 3),
                    "a: expected an example index in [0, 3), got 3");
  NNT_CHECK_INVALID(nnt::binary_cross_entropy_loss{}.example_hessian(Z, ok, -1),
                    "a: expected an example index in [0, 3), got -1");
  NNT_CHECK_INVALID(nnt::mse_loss{}.example_hessian(Z, Eigen::MatrixXd::Zero(3, 3), 0),
                    "Y: expected 2 rows, got 3");
  Eigen::MatrixXd out;
  NNT_CHECK_INVALID(
      nnt::softmax_cross_entropy_loss{}.hessian_product(Z, Eigen::MatrixXd::Zero(1, 3), Z, out),
      "Y: expected 2 rows, got 1");
}
