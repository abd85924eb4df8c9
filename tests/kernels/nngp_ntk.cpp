#include <nnt/core/random.hpp>
#include <nnt/kernels/layer.hpp>
#include <nnt/kernels/nngp_ntk.hpp>

#include <Eigen/Eigenvalues>

#include <array>
#include <cmath>
#include <numbers>
#include <type_traits>
#include <vector>

#include "support/testing.hpp"

using nnt::Index;
using nnt::Matrix;
using nnt_test::relative_error;

namespace {

const double pi = std::numbers::pi;

Matrix<double> random_inputs(Index d, Index n, std::uint64_t seed) {
  nnt::random_generator rng(seed);
  Matrix<double> X(d, n);
  rng.fill_normal(X);
  return X;
}

Matrix<double> two_inputs(std::array<double, 2> x, std::array<double, 2> y) {
  Matrix<double> X(2, 2);
  X << x[0], y[0], x[1], y[1];
  return X;
}

}  // namespace

TEST_CASE("ReLU NNGP and NTK of two inputs at depth 2 match the hand derivation",
          "[kernels][gram]") {
  // x = (1, 0), x′ = (1, 1), d = 2, C_w = 2, C_b = 0: K¹ = [[1, 1], [1, 2]], cos θ = 1/√2, θ = π/4.
  // E relu·relu = (√2/2π)(sin θ + (π − θ) cos θ) = 1/2π + 3/8, E relu′relu′ = (π − θ)/2π = 3/8.
  // K²₁₂ = 2(1/2π + 3/8) = 1/π + 3/4; Θ²₁₂ = K²₁₂ + 2·(3/8)·Θ¹₁₂ = 1/π + 3/2 (Θ¹ = K¹).
  // K²₁₁ = 2·½ = 1, Θ²₁₁ = 1 + 2·½·1 = 2; K²₂₂ = 2, Θ²₂₂ = 2 + 2·½·2 = 4.
  const auto net = nnt::fully_connected_kernel(nnt::activation::relu(),
                                               {.hidden_layers = 1, .C_w = 2.0, .C_b = 0.0});
  const auto r = nnt::kernel_gram(net, two_inputs({1, 0}, {1, 1}));
  REQUIRE(r.status == nnt::status::ok);
  CHECK(relative_error(r.nngp(0, 1), 1 / pi + 0.75) < 1e-15);
  CHECK(relative_error(r.ntk(0, 1), 1 / pi + 1.5) < 1e-15);
  CHECK(relative_error(r.nngp(0, 0), 1.0) < 1e-15);
  CHECK(relative_error(r.ntk(0, 0), 2.0) < 1e-15);
  CHECK(relative_error(r.nngp(1, 1), 2.0) < 1e-15);
  CHECK(relative_error(r.ntk(1, 1), 4.0) < 1e-15);
  CHECK(r.nngp(1, 0) == r.nngp(0, 1));
}

TEST_CASE("erf NNGP and NTK of two inputs at depth 2 match the hand derivation",
          "[kernels][gram]") {
  // C_w = 1, C_b = 0: K¹ = xᵀx′/2 = [[½, ½], [½, 1]].
  // E erf erf = (2/π) asin(2k₁₂/√((1+2k₁₁)(1+2k₂₂))) = (2/π) asin(1/√6),
  // E erf′erf′ = (4/π)/√((1+2k₁₁)(1+2k₂₂) − 4k₁₂²) = (4/π)/√5; on the diagonal (k = ½):
  // E erf² = (2/π) asin(½) = ⅓, E erf′² = (4/π)/√(1 + 4k) = (4/π)/√3.
  const auto net = nnt::fully_connected_kernel(nnt::activation::erf(),
                                               {.hidden_layers = 1, .C_w = 1.0, .C_b = 0.0});
  const auto r = nnt::kernel_gram(net, two_inputs({1, 0}, {1, 1}));
  const double k12 = 2 / pi * std::asin(1 / std::sqrt(6.0));
  CHECK(relative_error(r.nngp(0, 1), k12) < 1e-15);
  CHECK(relative_error(r.ntk(0, 1), k12 + 4 / pi / std::sqrt(5.0) * 0.5) < 1e-15);
  CHECK(relative_error(r.nngp(0, 0), 1.0 / 3) < 1e-15);
  CHECK(relative_error(r.ntk(0, 0), 1.0 / 3 + 4 / pi / std::sqrt(3.0) * 0.5) < 1e-15);
}

TEST_CASE("near-duplicate inputs keep full precision through depth 3 (mpmath reference)",
          "[kernels][gram]") {
  struct reference {
    std::array<double, 4> x, y;
    double relu_nngp, relu_ntk, erf_nngp, erf_ntk;
  };
  // tests/reference/kernel_reference.py (60 digits, naive formulas evaluated exactly).
  const reference refs[] = {
      {{0.8, -0.3, 1.1, 0.45},
       {-0.2, 0.7, 0.1, 1.3},
       0.86998221726099889187,
       1.3775957009205071302,
       0.18506632974615322449,
       0.41756538459662354611},  // generic
      {{0.8, -0.3, 1.1, 0.45},
       {0.8000001100000002, -0.30000005, 1.1000002, 0.44999999500000004},
       1.3712501603750001317,
       3.8137503978984627199,
       0.64538232111233106447,
       2.0916488929938356917},  // near 1e-7
      {{0.8, -0.3, 1.1, 0.45},
       {0.800011, -0.300005, 1.10002, 0.44999950000000005},
       1.3712660375000001868,
       3.8137897898523041587,
       0.64538395019249011729,
       2.091657896709097117},  // near 1e-5
  };
  const auto relu_net = nnt::fully_connected_kernel(nnt::activation::relu(),
                                                    {.hidden_layers = 2, .C_w = 2.0, .C_b = 0.1});
  const auto erf_net = nnt::fully_connected_kernel(nnt::activation::erf(),
                                                   {.hidden_layers = 2, .C_w = 1.5, .C_b = 0.05});
  for (const auto& ref : refs) {
    Matrix<double> X(4, 2);
    for (int i = 0; i < 4; ++i) {
      X(i, 0) = ref.x[i];
      X(i, 1) = ref.y[i];
    }
    const auto relu = nnt::kernel_gram(relu_net, X);
    const auto erf = nnt::kernel_gram(erf_net, X);
    // 1e-11: the values are O(1) and the recursion is exact up to rounding (a few ε per layer);
    // the naive arccos form is off by ~1e-9 at the 1e-7 pair (checked below).
    CHECK(relative_error(relu.nngp(0, 1), ref.relu_nngp) < 1e-11);
    CHECK(relative_error(relu.ntk(0, 1), ref.relu_ntk) < 1e-11);
    CHECK(relative_error(erf.nngp(0, 1), ref.erf_nngp) < 1e-11);
    CHECK(relative_error(erf.ntk(0, 1), ref.erf_ntk) < 1e-11);
    const auto pair = nnt::pair_kernel(relu_net, X.col(0), X.col(1));
    CHECK(relative_error(pair.t12, ref.relu_ntk) < 1e-11);
  }
  // The naive double recursion (arccos of the clipped cosine) fails this tolerance at 1e-7,
  // so the check above can fail.
  const auto& near = refs[1];
  double k11 = 0, k22 = 0, k12 = 0;
  for (int i = 0; i < 4; ++i) {
    k11 += 2 * near.x[i] * near.x[i] / 4;
    k22 += 2 * near.y[i] * near.y[i] / 4;
    k12 += 2 * near.x[i] * near.y[i] / 4;
  }
  k11 += 0.1, k22 += 0.1, k12 += 0.1;
  double t12 = k12;
  for (int l = 0; l < 2; ++l) {
    const double t = std::acos(std::clamp(k12 / std::sqrt(k11 * k22), -1.0, 1.0));
    const double s12 = std::sqrt(k11 * k22) / (2 * pi) * (std::sin(t) + (pi - t) * std::cos(t));
    t12 = 2 * s12 + 0.1 + 2 * (pi - t) / (2 * pi) * t12;
    k12 = 2 * s12 + 0.1;
    k11 = k11 + 0.1, k22 = k22 + 0.1;  // 2·(k/2) + C_b
  }
  CHECK(relative_error(t12, near.relu_ntk) > 1e-11);
}

TEST_CASE("the tiled Gram agrees with the per-pair reference path for every activation",
          "[kernels][gram]") {
  Matrix<double> X = random_inputs(5, 23, 11);
  X.col(3) = X.col(2) * (1 + 1e-8);  // a near-duplicate
  X.col(5).setZero();                // a zero input
  struct activation_case {
    nnt::activation sigma;
    double tolerance;  // closed forms: rounding (polynomial asin 2e-16, a few ε per layer);
                       // quadrature: the Gram's diagonal may use a different ladder order than
                       // the pair path (moments.hpp: ≤ 1e-9 relative at these variances)
  };
  const activation_case cases[] = {
      {nnt::activation::relu(), 1e-13}, {nnt::activation::leaky_relu(0.2), 1e-13},
      {nnt::activation::erf(), 1e-13},  {nnt::activation::identity(), 1e-13},
      {nnt::activation::tanh(), 1e-8},  {nnt::activation::gelu(), 1e-8}};
  for (const auto& c : cases) {
    INFO(c.sigma.name());
    const auto net =
        nnt::fully_connected_kernel(c.sigma, {.hidden_layers = 2, .C_w = 1.4, .C_b = 0.1});
    const auto r = nnt::kernel_gram(net, X);
    REQUIRE(r.status == nnt::status::ok);
    double worst_k = 0, worst_t = 0;
    for (Index j = 0; j < X.cols(); ++j)
      for (Index i = 0; i <= j; ++i) {
        const auto e = nnt::pair_kernel(net, X.col(i), X.col(j));
        worst_k = std::max(worst_k, relative_error(r.nngp(i, j), e.k12, 1e-3));
        worst_t = std::max(worst_t, relative_error(r.ntk(i, j), e.t12, 1e-3));
      }
    CHECK(worst_k < c.tolerance);
    CHECK(worst_t < c.tolerance);
    CHECK(r.nngp.isApprox(r.nngp.transpose(), 0.0));
  }
}

TEST_CASE("Gram matrices are symmetric positive semi-definite", "[kernels][gram]") {
  const Matrix<double> X = random_inputs(6, 40, 12);
  for (auto sigma : {nnt::activation::relu(), nnt::activation::erf(), nnt::activation::tanh()}) {
    const auto r = nnt::kernel_gram(
        nnt::fully_connected_kernel(sigma, {.hidden_layers = 3, .C_w = 1.8, .C_b = 0.05}), X);
    for (const Matrix<double>* A : {&r.nngp, &r.ntk}) {
      CHECK((*A - A->transpose()).norm() == 0.0);
      const Eigen::SelfAdjointEigenSolver<Matrix<double>> eig(*A);
      // PSD up to the eigensolver's rounding, ~N·ε·λ_max
      CHECK(eig.eigenvalues().minCoeff() > -40 * 1e-15 * eig.eigenvalues().maxCoeff());
    }
  }
}

TEST_CASE("NTK is positive definite for distinct normalised inputs", "[kernels][gram]") {
  Matrix<double> X = random_inputs(4, 12, 13);
  X.colwise().normalize();
  const auto r =
      nnt::kernel_gram(nnt::fully_connected_kernel(nnt::activation::relu(),
                                                   {.hidden_layers = 2, .C_w = 2.0, .C_b = 0.0}),
                       X);
  const Eigen::SelfAdjointEigenSolver<Matrix<double>> eig(r.ntk);
  CHECK(eig.eigenvalues().minCoeff() > 1e-3);
}

TEST_CASE("the thread count does not change the Gram at all; the block size only by rounding",
          "[kernels][gram]") {
  // d = 700 makes the input GEMM large enough that Eigen would parallelise it; nnt runs it on fixed
  // column blocks, single-threaded inside each, so 1 and 2 threads give the same bits.
  // (erf and leaky ReLU take the other per-entry paths; tanh's quadrature is pointwise too, but
  // slow here)
  const Matrix<double> X = random_inputs(700, 300, 14);
  for (auto sigma :
       {nnt::activation::relu(), nnt::activation::erf(), nnt::activation::leaky_relu(0.2)}) {
    const auto net =
        nnt::fully_connected_kernel(sigma, {.hidden_layers = 2, .C_w = 1.5, .C_b = 0.1});
    const auto one = nnt::kernel_gram(net, X, {.threads = 1});
    const auto two = nnt::kernel_gram(net, X, {.threads = 2});
    CHECK(one.nngp == two.nngp);
    CHECK(one.ntk == two.ntk);
    const auto cross1 = nnt::kernel_gram(net, X.leftCols(100), X.rightCols(57), {.threads = 1});
    const auto cross2 = nnt::kernel_gram(net, X.leftCols(100), X.rightCols(57), {.threads = 2});
    CHECK(cross1.ntk == cross2.ntk);
  }
  const Matrix<double> Y = random_inputs(7, 53, 15);
  const auto net = nnt::fully_connected_kernel(nnt::activation::relu(),
                                               {.hidden_layers = 4, .C_w = 2.0, .C_b = 0.1});
  const auto ref = nnt::kernel_gram(net, Y, {.threads = 1});
  for (Index block : {1, 7, 16, 256}) {
    const auto r = nnt::kernel_gram(net, Y, {.block = block, .threads = 2});
    // Packet lanes use FMA, the scalar tail does not: entries may differ by a few ulps per layer.
    CHECK((r.nngp - ref.nngp).cwiseAbs().maxCoeff() < 1e-13 * ref.nngp.cwiseAbs().maxCoeff());
    CHECK((r.ntk - ref.ntk).cwiseAbs().maxCoeff() < 1e-13 * ref.ntk.cwiseAbs().maxCoeff());
  }
}

TEST_CASE("Grams take blocks and expressions of the inputs", "[kernels][gram]") {
  const Matrix<double> X = random_inputs(4, 30, 31);
  const auto net = nnt::fully_connected_kernel(nnt::activation::erf(),
                                               {.hidden_layers = 1, .C_w = 1.3, .C_b = 0.2});
  const auto block = nnt::kernel_gram(net, X.leftCols(10));
  const auto plain = nnt::kernel_gram(net, Matrix<double>(X.leftCols(10)));
  CHECK(block.ntk == plain.ntk);
  CHECK(nnt::nngp_gram(net, X.middleCols(3, 5), 2.0 * X.rightCols(4)) ==
        nnt::nngp_gram(net, Matrix<double>(X.middleCols(3, 5)),
                       Matrix<double>(2.0 * X.rightCols(4))));
  CHECK(nnt::kernel_diagonal(net, X.topRows(4).leftCols(3)).nngp == plain.nngp.diagonal().head(3));
  STATIC_REQUIRE(
      !std::is_default_constructible_v<nnt::kernel_network>);  // no empty network with status ok
}

TEST_CASE("cross Gram equals the block of the joint Gram; diagonal and layers agree",
          "[kernels][gram]") {
  const Matrix<double> X = random_inputs(4, 9, 15), Y = random_inputs(4, 6, 16);
  Matrix<double> Z(4, 15);
  Z << X, Y;
  const auto net = nnt::fully_connected_kernel(nnt::activation::tanh(),
                                               {.hidden_layers = 2, .C_w = 1.2, .C_b = 0.1});
  const nnt::kernel_gram_options o{.all_layers = true};
  const auto joint = nnt::kernel_gram(net, Z, o);
  const auto cross = nnt::kernel_gram(net, X, Y, o);
  CHECK((cross.nngp - joint.nngp.block(0, 9, 9, 6)).cwiseAbs().maxCoeff() < 1e-12);
  CHECK((cross.ntk - joint.ntk.block(0, 9, 9, 6)).cwiseAbs().maxCoeff() < 1e-12);
  REQUIRE(joint.nngp_layers.size() == 3);
  CHECK((joint.nngp_layers.back() - joint.nngp).norm() == 0.0);
  // first layer: K¹ = C_b + C_w xᵀx′/d exactly
  const Matrix<double> K1 = (1.2 * Z.transpose() * Z / 4.0).array() + 0.1;
  CHECK((joint.nngp_layers[0] - K1).cwiseAbs().maxCoeff() < 1e-14);
  CHECK((joint.ntk_layers[0] - K1).cwiseAbs().maxCoeff() < 1e-14);
  const auto diag = nnt::kernel_diagonal(net, Z);
  CHECK((diag.nngp - joint.nngp.diagonal()).norm() == 0.0);
  CHECK((diag.ntk - joint.ntk.diagonal()).norm() == 0.0);
}

TEST_CASE("zero inputs give finite kernels", "[kernels][gram]") {
  Matrix<double> X = random_inputs(3, 4, 17);
  X.col(0).setZero();
  X.col(2).setZero();
  for (auto sigma : {nnt::activation::relu(), nnt::activation::erf(), nnt::activation::tanh(),
                     nnt::activation::leaky_relu(0.1)}) {
    for (double C_b : {0.0, 0.3}) {
      const auto r = nnt::kernel_gram(
          nnt::fully_connected_kernel(sigma, {.hidden_layers = 2, .C_w = 1.5, .C_b = C_b}), X);
      CHECK(r.status == nnt::status::ok);
      CHECK(r.nngp.allFinite());
      CHECK(r.ntk.allFinite());
    }
  }
  // ReLU with C_b = 0: a zero input stays exactly zero and uncorrelated with everything.
  const auto r =
      nnt::kernel_gram(nnt::fully_connected_kernel(nnt::activation::relu(),
                                                   {.hidden_layers = 2, .C_w = 2.0, .C_b = 0.0}),
                       X);
  CHECK(r.nngp.row(0).norm() == 0.0);
  CHECK(r.nngp(1, 3) != 0.0);
}

TEST_CASE("float agrees with double; deep float nets report overflow instead of inf",
          "[kernels][gram]") {
  const Matrix<double> X = random_inputs(5, 17, 18);
  const auto net = nnt::fully_connected_kernel(nnt::activation::relu(),
                                               {.hidden_layers = 3, .C_w = 2.0, .C_b = 0.1});
  const auto rd = nnt::kernel_gram(net, X);
  const auto rf = nnt::kernel_gram(net, Matrix<float>(X.cast<float>()));
  // float rounding, a few ε_f = 1.2e-7 per layer
  CHECK((rf.ntk.cast<double>() - rd.ntk).cwiseAbs().maxCoeff() <
        1e-5 * rd.ntk.cwiseAbs().maxCoeff());

  // depth 500, C_w = 2.5 > 2: ReLU variances grow like 1.25^l ≈ 1e48 > FLT_MAX.
  const auto deep = nnt::fully_connected_kernel(nnt::activation::relu(),
                                                {.hidden_layers = 499, .C_w = 2.5, .C_b = 0.0});
  const auto f = nnt::kernel_gram(deep, Matrix<float>(X.leftCols(3).cast<float>()));
  CHECK(f.status == nnt::status::overflow);
  CHECK(f.overflow_step > 0);
  // Standard parameterisation, n = 1e9: Θ′ = C_wχΘ + nK + 1 runs ~n·l ahead of K, so Θ overflows
  // float (K ≈ 1e27 at that depth) long before K does: an NNGP-only Gram is unaffected.
  {
    const auto wide = nnt::fully_connected_kernel(nnt::activation::relu(),
                                                  {.hidden_layers = 299,
                                                   .C_w = 2.5,
                                                   .C_b = 0.0,
                                                   .param = nnt::parameterization::standard,
                                                   .hidden_width = 1000000000});
    const Matrix<float> x3 = X.leftCols(3).cast<float>();
    const auto both = nnt::kernel_gram(wide, x3);
    const auto nngp_only = nnt::kernel_gram(wide, x3, {.ntk = false});
    CHECK(both.status == nnt::status::overflow);
    CHECK(nngp_only.status == nnt::status::ok);
    CHECK(nngp_only.nngp.allFinite());
  }
  // Cross Gram of a large-norm and a unit-norm set: K^l grows like 1.25^l·‖x‖², so the large set
  // overflows ~log(1e16)/log(1.25) ≈ 165 steps earlier; the cross result names that first step.
  {
    const Matrix<float> big = (1e8 * X.leftCols(2)).cast<float>(),
                        small = X.rightCols(2).cast<float>();
    const auto first = nnt::kernel_diagonal(deep, big), later = nnt::kernel_diagonal(deep, small);
    REQUIRE(first.overflow_step >= 0);
    REQUIRE(later.overflow_step > first.overflow_step);
    CHECK(nnt::kernel_gram(deep, big, small).overflow_step == first.overflow_step);
    CHECK(nnt::kernel_gram(deep, small, big).overflow_step == first.overflow_step);
  }
  CHECK_THROWS_AS(nnt::ntk_gram(deep, Matrix<float>(X.leftCols(3).cast<float>())),
                  nnt::numerical_error);
  const auto d = nnt::kernel_gram(deep, Matrix<double>(X.leftCols(3)));
  CHECK(d.status == nnt::status::ok);
  CHECK(d.nngp.allFinite());
  // tanh stays bounded in float at any depth
  const auto t = nnt::kernel_gram(
      nnt::fully_connected_kernel(
          nnt::activation::tanh(),
          {.hidden_layers = 499, .C_w = 2.5, .C_b = 0.0, .param = nnt::parameterization::ntk}),
      Matrix<float>(X.leftCols(3).cast<float>()));
  CHECK((t.status == nnt::status::ok || t.status == nnt::status::overflow));
  if (t.status == nnt::status::ok) CHECK(t.nngp.allFinite());
}

TEST_CASE("standard parameterisation: Θ grows with the fan-in as derived", "[kernels][gram]") {
  // One hidden layer, identity activation, C_b = 0: Θ_std = C_w·(xᵀx′) + n₁·K¹ + (bias terms 1 + 1)
  //   first layer: weights xᵀx′, bias 1, times backward factor C_w (identity: E σ′σ′ = 1);
  //   second layer: weights n₁·K¹ with K¹ = C_b + C_w xᵀx′/d, bias 1.
  const Matrix<double> X = random_inputs(3, 4, 19);
  const Index width = 50;
  const nnt::kernel_network net{nnt::dense(1.5, 0.0, nnt::parameterization::standard),
                                nnt::nonlinearity(nnt::activation::identity()),
                                nnt::dense(1.5, 0.0, nnt::parameterization::standard, width)};
  const Matrix<double> G = X.transpose() * X;
  const Matrix<double> expected =
      (1.5 * (G.array() + 1) + double(width) * 1.5 * G.array() / 3.0 + 1).matrix();
  const auto r = nnt::kernel_gram(net, X);
  CHECK((r.ntk - expected).cwiseAbs().maxCoeff() < 1e-12 * expected.cwiseAbs().maxCoeff());
}

TEST_CASE("bad kernel input is rejected with a clear message", "[kernels][gram]") {
  NNT_CHECK_INVALID(nnt::dense(0.0), "C_w: expected a positive value, got 0");
  NNT_CHECK_INVALID(nnt::dense(1.0, -1.0), "C_b: expected a non-negative value, got -1");
  NNT_CHECK_INVALID(
      nnt::fully_connected_kernel(nnt::activation::relu(), {.hidden_layers = -1, .C_w = 2.0}),
      "hidden_layers: expected at least 0, got -1");
  NNT_CHECK_INVALID(nnt::kernel_network({nnt::nonlinearity(nnt::activation::relu())}),
                    "steps: expected at least one dense step, got 1 steps, none dense");
  NNT_CHECK_INVALID(
      (nnt::kernel_network{nnt::dense(1.0), nnt::nonlinearity(nnt::activation::relu()),
                           nnt::dense(1.0, 0.0, nnt::parameterization::standard)}),
      "steps[2].fan_in: expected the layer width (> 0) for a standard-parameterised hidden layer, "
      "got 0");
  const auto net =
      nnt::fully_connected_kernel(nnt::activation::relu(), {.hidden_layers = 1, .C_w = 2.0});
  Matrix<double> X = random_inputs(3, 4, 20);
  NNT_CHECK_INVALID(nnt::kernel_gram(net, X, random_inputs(2, 4, 21)),
                    "X2: expected 3 rows, got 2");
  X(1, 2) = std::nan("");
  NNT_CHECK_INVALID(nnt::kernel_gram(net, X), "X: expected finite entries, got nan at (1, 2)");
  NNT_CHECK_INVALID(nnt::kernel_gram(net, random_inputs(3, 4, 22), {.block = 0}),
                    "block: expected a value in [1, 65536], got 0");
  NNT_CHECK_INVALID(nnt::kernel_gram(net, random_inputs(3, 4, 22), {.block = nnt::Index(1) << 40}),
                    "block: expected a value in [1, 65536], got 1099511627776");
  // 10⁶ inputs would need two 8 TB outputs: refused before anything is allocated
  const Eigen::MatrixXd many = Eigen::MatrixXd::Zero(1, 1000000);
  CHECK_THROWS_WITH(nnt::kernel_gram(net, many),
                    Catch::Matchers::StartsWith("X.cols() (the Gram outputs): expected at most "));
}

TEST_CASE("vectorised ReLU pass matches the arc-cosine formula at known angles",
          "[kernels][gram]") {
  // Inputs r_i (cos φ_i, sin φ_i): the angle between i and j is known exactly, so
  // K² = C_w (√(K¹_ii K¹_jj)/2π)(sin θ + (π − θ) cos θ) and Θ² = K² + C_w ((π − θ)/2π) K¹_ij are
  // evaluated in long double from θ itself (no arccos), across the fast path's range (θ from the
  // exact-path threshold ≈ 0.09 up to π) and on both sides of the threshold.
  const std::vector<double> phis{0.0, 0.05,   0.085, 0.095, 0.12, 0.3,
                                 1.0, 1.5707, 2.5,   3.0,   3.14, 3.14159};
  const Index n = static_cast<Index>(phis.size());
  Matrix<double> X(2, n);
  std::vector<double> radius;
  for (Index i = 0; i < n; ++i) {
    radius.push_back(0.5 + 0.1 * double(i));
    X(0, i) = radius.back() * std::cos(phis[std::size_t(i)]);
    X(1, i) = radius.back() * std::sin(phis[std::size_t(i)]);
  }
  const double C_w = 1.7;
  const auto r =
      nnt::kernel_gram(nnt::fully_connected_kernel(nnt::activation::relu(),
                                                   {.hidden_layers = 1, .C_w = C_w, .C_b = 0.0}),
                       X);
  const long double pi_l = std::numbers::pi_v<long double>;
  double worst = 0;  // error relative to the tolerance below
  for (Index i = 0; i < n; ++i)
    for (Index j = 0; j < n; ++j) {
      const long double theta =
          std::fabs((long double)phis[std::size_t(i)] - (long double)phis[std::size_t(j)]);
      const long double k1ii = C_w * radius[std::size_t(i)] * radius[std::size_t(i)] / 2.0L;
      const long double k1jj = C_w * radius[std::size_t(j)] * radius[std::size_t(j)] / 2.0L;
      const long double k1ij = std::sqrt(k1ii * k1jj) * std::cos(theta);
      const long double k2 = C_w * std::sqrt(k1ii * k1jj) / (2 * pi_l) *
                             (std::sin(theta) + (pi_l - theta) * std::cos(theta));
      const long double t2 = k2 + C_w * (pi_l - theta) / (2 * pi_l) * k1ij;
      // rounding: the inputs' angles are exact only to ~ε (cos/sin of φ), a few ε per formula; near
      // θ = π, cos²(θ/2) = 1 − sin²(θ/2) carries an absolute error ε, so sin θ is off by ~2ε/(π −
      // θ) (documented in nngp_ntk.hpp; exactly antiparallel inputs are exact)
      const double tolerance = 2e-14 + 4 * 2.2e-16 / std::max(double(pi_l - theta), 1e-300);
      worst = std::max({worst, relative_error(r.nngp(i, j), k2, 1.0) / tolerance,
                        relative_error(r.ntk(i, j), t2, 1.0) / tolerance});
    }
  CHECK(worst < 1.0);
}
