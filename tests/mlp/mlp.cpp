#include <nnt/mlp/mlp.hpp>

#include <cmath>
#include <limits>

#include "mlp_test_support.hpp"

using namespace mlp_test;

TEST_CASE("mlp: forward equals the layer formula written out by hand", "[mlp]") {
  // 2 → 3 → 2, tanh hidden, identity output, NTK parameterisation.
  nnt::mlp<double> net({2, 3, 2}, nnt::activation::tanh(),
                       {2.0, 0.5, nnt::parameterization::ntk, true});
  net.initialize(11);
  const Eigen::MatrixXd X = random_matrix(2, 4, 3);
  const Eigen::MatrixXd Z = net.forward(X);
  const double sw1 = std::sqrt(2.0 / 2), sw2 = std::sqrt(2.0 / 3), sb = std::sqrt(0.5);
  const Eigen::VectorXd& th = net.parameters();
  // Flat layout: W1 (3×2, column-major), b1 (3), W2 (2×3), b2 (2).
  REQUIRE(net.parameter_count() == 6 + 3 + 6 + 2);
  for (int a = 0; a < 4; ++a) {
    double h[3];
    for (int r = 0; r < 3; ++r) {
      double z = sb * th(6 + r);
      for (int c = 0; c < 2; ++c) z += sw1 * th(c * 3 + r) * X(c, a);
      h[r] = std::tanh(z);
    }
    for (int r = 0; r < 2; ++r) {
      double z = sb * th(15 + r);
      for (int c = 0; c < 3; ++c) z += sw2 * th(9 + c * 2 + r) * h[c];
      CHECK(Z(r, a) == Approx(z).epsilon(1e-14));
    }
  }
  CHECK(net.weight(1).rows() == 2);
  CHECK(net.weight(1)(1, 2) == th(9 + 2 * 2 + 1));
  CHECK(net.bias(0)(2) == th(8));
}

TEST_CASE("mlp: standard and NTK parameterisations define the same function at init", "[mlp]") {
  // W_std = √(C_w/n) W_ntk and b_std = √C_b b_ntk give identical outputs (to rounding).
  const nnt::mlp_options ntk{1.7, 0.3, nnt::parameterization::ntk, true};
  nnt::mlp<double> a({4, 8, 8, 2}, nnt::activation::erf(), ntk);
  a.initialize(5);
  nnt::mlp<double> b({4, 8, 8, 2}, nnt::activation::erf(),
                     {1.7, 0.3, nnt::parameterization::standard, true});
  for (nnt::Index l = 0; l < a.depth(); ++l) {
    b.weight(l) = a.weight_scale(l) * a.weight(l);
    b.bias(l) = a.bias_scale() * a.bias(l);
  }
  const Eigen::MatrixXd X = random_matrix(4, 6, 9);
  CHECK((a.forward(X) - b.forward(X)).norm() < 1e-14 * b.forward(X).norm());
}

TEST_CASE("mlp: initialisation variances", "[mlp]") {
  // Standard: W ~ N(0, C_w/n_in), b ~ N(0, C_b). Sample variance of n draws has sd √(2/n)σ²;
  // tolerance 5 sd.
  nnt::mlp<double> net({200, 300, 1}, nnt::activation::relu(),
                       {2.0, 0.5, nnt::parameterization::standard, true});
  net.initialize(1);
  const auto W = net.weight(0);
  const double var = W.squaredNorm() / double(W.size());
  CHECK(std::abs(var - 2.0 / 200) < 5 * std::sqrt(2.0 / W.size()) * 2.0 / 200);
  const auto b = net.bias(0);
  CHECK(std::abs(b.squaredNorm() / 300 - 0.5) < 5 * std::sqrt(2.0 / 300) * 0.5);
  nnt::mlp<double> ntk({200, 300, 1}, nnt::activation::relu(),
                       {2.0, 0.5, nnt::parameterization::ntk, true});
  ntk.initialize(1);
  CHECK(std::abs(ntk.weight(0).squaredNorm() / 60000.0 - 1.0) < 5 * std::sqrt(2.0 / 60000));
  // Same seed, same parameters.
  nnt::mlp<double> again({200, 300, 1}, nnt::activation::relu(),
                         {2.0, 0.5, nnt::parameterization::standard, true});
  again.initialize(1);
  CHECK(again.parameters() == net.parameters());
}

TEST_CASE("mlp: the workspace is reused and other Scalars run", "[mlp]") {
  nnt::mlp<double> net({3, 5, 2}, nnt::activation::gelu(),
                       {.param = nnt::parameterization::standard});
  net.initialize(2);
  nnt::mlp_workspace<double> ws;
  const Eigen::MatrixXd X = random_matrix(3, 7, 1);
  const double* before = net.forward(X, ws).data();
  const double* after = net.forward(2 * X, ws).data();
  CHECK(before == after);  // same buffer: no reallocation for the same batch size
  const nnt::mlp<float> f = net.cast<float>();
  const nnt::mlp<long double> ld = net.cast<long double>();
  const Eigen::MatrixXd zd = net.forward(X);
  CHECK((f.forward(X.cast<float>()).cast<double>() - zd).norm() < 1e-5 * zd.norm());
  CHECK((ld.forward(X.cast<long double>()).cast<double>() - zd).norm() < 1e-14 * zd.norm());
  const auto ad = seeded_ad(net);
  const nnt::Matrix<AD> zad = ad.forward(to_ad(X, net.parameter_count()));
  CHECK(zad(1, 3).value() == Approx(zd(1, 3)).epsilon(1e-14));
}

TEST_CASE("mlp: bad construction and input throw clear messages", "[mlp]") {
  using nnt::activation;
  NNT_CHECK_INVALID(nnt::mlp<double>(std::vector<nnt::Index>{}, activation::relu()),
                    "widths: expected at least 2 entries (input and output width), got 0 entries");
  NNT_CHECK_INVALID(nnt::mlp<double>({3, 0, 1}, activation::relu()),
                    "widths[1]: expected at least 1, got 0");
  NNT_CHECK_INVALID(nnt::mlp<double>({3, 4, 1}, std::vector<activation>{activation::relu()}),
                    "activations: expected 2 entries, got 1");
  NNT_CHECK_INVALID(nnt::mlp<double>({3, 4, 1}, activation::relu(),
                                     {-1.0, 0.0, nnt::parameterization::ntk, true}),
                    "C_w: expected a positive value, got -1");
  NNT_CHECK_INVALID(nnt::mlp<double>({3, 4, 1}, activation::relu(),
                                     {1.0, -0.5, nnt::parameterization::ntk, true}),
                    "C_b: expected a non-negative value, got -0.5");
  nnt::mlp<double> net({3, 4, 1}, activation::relu(), {.param = nnt::parameterization::standard});
  NNT_CHECK_INVALID(net.forward(Eigen::MatrixXd(4, 2)), "X: expected 3 rows, got 4");
  NNT_CHECK_INVALID(net.set_parameters(Eigen::VectorXd(3)), "theta: expected 21 entries, got 3");
}

TEST_CASE("mlp: indices are checked and sizes cannot overflow", "[mlp]") {
  nnt::mlp<double> net({3, 4, 1}, nnt::activation::relu());
  NNT_CHECK_INVALID(net.weight(2), "l: expected an index in [0, 2), got 2");
  NNT_CHECK_INVALID(net.bias(-1), "l: expected an index in [0, 2), got -1");
  NNT_CHECK_INVALID(net.width(3), "l: expected an index in [0, 3), got 3");
  NNT_CHECK_INVALID(net.layer_activation(2), "l: expected an index in [0, 2), got 2");
  // 2³² × 2³² weights overflow a 64-bit count: refused before anything is allocated.
  NNT_CHECK_INVALID(
      nnt::mlp<double>({nnt::Index(1) << 32, nnt::Index(1) << 32, 1}, nnt::activation::relu()),
      "widths: expected a size below 2^63, got 4294967296 × 4294967296");
  CHECK_THROWS_WITH(
      nnt::mlp<double>({nnt::Index(1) << 20, nnt::Index(1) << 20, 1}, nnt::activation::relu()),
      Catch::Matchers::StartsWith("theta (the parameter count of widths): expected at most "));
}

TEST_CASE("mlp: the default is the NTK parameterisation, as for the kernels", "[mlp]") {
  const nnt::mlp<double> net({3, 4, 1}, nnt::activation::relu());
  CHECK(net.options().param == nnt::parameterization::ntk);
  CHECK(net.weight_scale(0) == std::sqrt(1.0 / 3.0));
  Eigen::MatrixXd X = Eigen::MatrixXd::Ones(3, 2);
  X(1, 1) = std::numeric_limits<double>::infinity();
  NNT_CHECK_INVALID(net.forward(X), "X: expected finite entries, got inf at (1, 1)");
}
