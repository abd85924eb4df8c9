#include <nnt/core/concepts.hpp>
#include <nnt/core/dense_operator.hpp>

#include <span>

#include "support/testing.hpp"

namespace {
struct quadratic {  // f(θ) = ½‖θ‖²
  double value(const Eigen::VectorXd& t) { return 0.5 * t.squaredNorm(); }
  double value_and_gradient(const Eigen::VectorXd& t, Eigen::VectorXd& g) {
    g = t;
    return value(t);
  }
  void hvp(const Eigen::VectorXd&, const Eigen::VectorXd& v, Eigen::VectorXd& out) { out = v; }
  nnt::Index examples() const { return 1; }
  double value_and_gradient(const Eigen::VectorXd& t, Eigen::VectorXd& g,
                            std::span<const nnt::Index>) {
    return value_and_gradient(t, g);
  }
};
struct value_only {
  double value(const Eigen::VectorXd&) { return 0; }
};
struct float_operator {  // declares no Scalar: deduced from apply's signature
  nnt::Index rows() const { return 2; }
  void apply(const nnt::const_vector_ref<float>& v, nnt::vector_ref<float> out) const {
    out = 2 * v;
  }
};
struct old_style_operator {  // apply(const Vector&, Vector&) cannot take Spectra's mapped buffers
  nnt::Index rows() const { return 2; }
  void apply(const Eigen::VectorXd& v, Eigen::VectorXd& out) const { out = v; }
};
struct mse_like {
  double value(const Eigen::MatrixXd& Z, const Eigen::MatrixXd& Y) const {
    return (Z - Y).squaredNorm();
  }
  double value_and_gradient(const Eigen::MatrixXd& Z, const Eigen::MatrixXd& Y,
                            Eigen::MatrixXd& G) const {
    G = Z - Y;
    return value(Z, Y);
  }
  void hessian_product(const Eigen::MatrixXd&, const Eigen::MatrixXd&, const Eigen::MatrixXd& V,
                       Eigen::MatrixXd& out) const {
    out = V;
  }
};
}  // namespace

TEST_CASE("concepts: the shapes accept what fits and reject what does not", "[concepts]") {
  STATIC_REQUIRE(nnt::objective<quadratic>);
  STATIC_REQUIRE(nnt::objective_with_hvp<quadratic>);
  STATIC_REQUIRE(nnt::minibatch_objective<quadratic>);
  STATIC_REQUIRE(!nnt::objective<value_only>);
  STATIC_REQUIRE(!nnt::objective<quadratic, float>);  // a double objective is not a float one
  STATIC_REQUIRE(nnt::linear_operator<nnt::dense_operator<double>>);
  STATIC_REQUIRE(nnt::linear_operator<float_operator>);
  STATIC_REQUIRE(!nnt::linear_operator<old_style_operator>);
  STATIC_REQUIRE(nnt::loss_function<mse_like>);
  STATIC_REQUIRE(!nnt::loss_function<quadratic>);
  auto system = [](const Eigen::VectorXd& x, Eigen::VectorXd& dx, double) { dx = -x; };
  STATIC_REQUIRE(nnt::ode_system<decltype(system)>);
  STATIC_REQUIRE(!nnt::ode_system<quadratic>);
}

TEST_CASE("concepts: the operator Scalar is deduced", "[concepts]") {
  STATIC_REQUIRE(std::is_same_v<nnt::operator_scalar_t<float_operator>, float>);
  STATIC_REQUIRE(
      std::is_same_v<nnt::operator_scalar_t<nnt::dense_operator<long double>>, long double>);
  STATIC_REQUIRE(
      std::is_same_v<nnt::operator_scalar_t<const nnt::dense_operator<double>&>, double>);
}
