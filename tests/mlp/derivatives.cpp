#include <nnt/mlp/derivatives.hpp>

#include <Eigen/Eigenvalues>

#include "mlp_test_support.hpp"

using namespace mlp_test;
using LD = long double;

namespace {

enum class loss_kind { mse, bce, softmax };

struct problem {
  net_case c;
  loss_kind loss;
  Eigen::MatrixXd X, Y;
};

std::vector<problem> problems() {
  std::vector<problem> out;
  int seed = 100;
  for (const net_case& c : cases()) {
    const nnt::Index k = c.widths.back(), d = c.widths.front(), N = 5;
    for (loss_kind lk : {loss_kind::mse, loss_kind::bce, loss_kind::softmax}) {
      if (lk == loss_kind::softmax && k < 2) continue;
      Eigen::MatrixXd Y;
      if (lk == loss_kind::mse)
        Y = random_matrix(k, N, seed + 1);
      else if (lk == loss_kind::bce)
        Y = (random_matrix(k, N, seed + 1).array() > 0).cast<double>();
      else
        Y = probability_targets(k, N, seed + 1);
      out.push_back({c, lk, random_matrix(d, N, seed), Y});
      seed += 7;
    }
  }
  return out;
}

std::string describe(const problem& p) {
  const char* names[] = {"mse", "bce", "softmax-ce"};
  return p.c.name + ", " + names[static_cast<int>(p.loss)];
}

// Calls f(loss) with the loss object of the problem's kind (sum reduction for BCE, to cover it).
template <class F>
void with_loss(loss_kind k, F&& f) {
  switch (k) {
    case loss_kind::mse:
      f(nnt::mse_loss{});
      break;
    case loss_kind::bce:
      f(nnt::binary_cross_entropy_loss{nnt::reduction::sum});
      break;
    case loss_kind::softmax:
      f(nnt::softmax_cross_entropy_loss{});
      break;
  }
}

double rel(const Eigen::VectorXd& a, const Eigen::VectorXd& b) {
  return (a - b).norm() / std::max(b.norm(), 1e-300);
}

}  // namespace

TEST_CASE("derivatives: gradient equals AutoDiffScalar's", "[derivatives]") {
  // Both are exact; they differ by rounding in different operation orders: 1e-12 relative.
  for (const problem& p : problems()) {
    INFO(describe(p));
    const auto net = make_net(p.c, 1);
    with_loss(p.loss, [&](auto loss) {
      Eigen::VectorXd g;
      const double value = nnt::loss_and_gradient(net, loss, p.X, p.Y, g);
      const AD ad = loss.value(seeded_ad(net).forward(to_ad(p.X, net.parameter_count())),
                               to_ad(p.Y, net.parameter_count()));
      CHECK(ad.value() == Approx(value).epsilon(1e-14));
      CHECK(rel(g, ad.derivatives()) < 1e-12);
    });
  }
}

TEST_CASE("derivatives: gradient equals long-double central differences", "[derivatives]") {
  // h = 1e-6 in long double: truncation h²|∂³L|/6 ≈ 1e-13, rounding eps_ld|L|/h ≈ 1e-13, so the
  // long-double backprop gradient and the difference agree to 1e-10 (relative to max(‖g‖, 1)).
  for (const problem& p : problems()) {
    INFO(describe(p));
    auto net = make_net<LD>(p.c, 2);
    const nnt::Matrix<LD> X = p.X.cast<LD>(), Y = p.Y.cast<LD>();
    with_loss(p.loss, [&](auto loss) {
      nnt::Vector<LD> g;
      nnt::loss_and_gradient(net, loss, X, Y, g);
      const nnt::Vector<LD> theta = net.parameters();
      nnt::Vector<LD> fd(theta.size());
      const LD h = 1e-6L;
      for (nnt::Index i = 0; i < theta.size(); ++i) {
        nnt::Vector<LD> t = theta;
        t(i) += h;
        net.set_parameters(t);
        const LD up = loss.value(net.forward(X), Y);
        t(i) -= 2 * h;
        net.set_parameters(t);
        fd(i) = (up - loss.value(net.forward(X), Y)) / (2 * h);
      }
      net.set_parameters(theta);
      CHECK(static_cast<double>((g - fd).norm() / std::max<LD>(g.norm(), 1)) < 1e-10);
    });
  }
}

TEST_CASE("derivatives: per-example Jacobian equals AutoDiff; jvp and vjp equal J v and Jᵀ u",
          "[derivatives]") {
  for (const net_case& c : cases()) {
    INFO(c.name);
    const auto net = make_net(c, 3);
    const nnt::Index k = net.output_dim(), N = 4, P = net.parameter_count();
    const Eigen::MatrixXd X = random_matrix(net.input_dim(), N, 4);
    const Eigen::MatrixXd J = nnt::per_example_jacobian(net, X);
    REQUIRE(J.rows() == k * N);
    REQUIRE(J.cols() == P);
    const nnt::Matrix<AD> Zad = seeded_ad(net).forward(to_ad(X, P));
    Eigen::MatrixXd Jad(k * N, P);
    for (nnt::Index a = 0; a < N; ++a)
      for (nnt::Index i = 0; i < k; ++i) Jad.row(a * k + i) = Zad(i, a).derivatives().transpose();
    CHECK((J - Jad).norm() < 1e-12 * Jad.norm());

    const Eigen::VectorXd v = random_matrix(P, 1, 5);
    const Eigen::MatrixXd Jv = nnt::jvp(net, X, v);
    const Eigen::VectorXd Jv_ref = J * v;
    CHECK(rel(Eigen::Map<const Eigen::VectorXd>(Jv.data(), k * N), Jv_ref) <
          1e-12);  // column-major k × N = example-major
    const Eigen::MatrixXd U = random_matrix(k, N, 6);
    const Eigen::VectorXd JtU = nnt::vjp(net, X, U);
    CHECK(rel(JtU, J.transpose() * Eigen::Map<const Eigen::VectorXd>(U.data(), k * N)) < 1e-12);
  }
}

TEST_CASE(
    "derivatives: HVP (R-operator) equals forward-over-reverse AutoDiff and differences of "
    "gradients",
    "[derivatives]") {
  // One workspace through every problem: its buffers change shape between calls.
  nnt::derivative_workspace<double> reused;
  for (const problem& p : problems()) {
    INFO(describe(p));
    const auto net = make_net(p.c, 7);
    const Eigen::VectorXd v = random_matrix(net.parameter_count(), 1, 8);
    with_loss(p.loss, [&](auto loss) {
      const Eigen::VectorXd Hv = nnt::hessian_vector_product(net, loss, p.X, p.Y, v);
      Eigen::VectorXd Hv_reused;
      const double value = nnt::hessian_vector_product(net, loss, p.X, p.Y, v, Hv_reused, reused);
      const double value_ref = loss.value(net.forward(p.X), p.Y);  // rounding only
      CHECK(std::abs(value - value_ref) <= 1e-14 * std::max(std::abs(value_ref), 1.0));
      CHECK(Hv_reused == Hv);  // same arithmetic, so bitwise; Hv itself is checked below
      // AD: the gradient computed in AutoDiff with tangent v has derivatives H v (exact).
      nnt::Vector<AD> g_ad;
      nnt::loss_and_gradient(directional_ad(net, v), loss, to_ad(p.X, 1), to_ad(p.Y, 1), g_ad);
      Eigen::VectorXd Hv_ad(g_ad.size());
      for (nnt::Index i = 0; i < g_ad.size(); ++i)
        Hv_ad(i) = g_ad(i).derivatives().size() ? g_ad(i).derivatives()(0) : 0.0;
      CHECK((Hv - Hv_ad).norm() <= 1e-11 * std::max(Hv_ad.norm(), 1.0));
      // Central difference of long-double gradients along v, h = 1e-5: truncation
      // h²|∂⁴L|/6‖v‖³ ≈ 1e-9 relative; rounding eps_ld/h negligible.
      auto net_ld = make_net<LD>(p.c, 7);
      const nnt::Vector<LD> theta = net_ld.parameters(), vl = v.cast<LD>();
      const LD h = 1e-5L;
      nnt::Vector<LD> gp, gm;
      net_ld.set_parameters(theta + h * vl);
      nnt::loss_and_gradient(net_ld, loss, p.X.cast<LD>().eval(), p.Y.cast<LD>().eval(), gp);
      net_ld.set_parameters(theta - h * vl);
      nnt::loss_and_gradient(net_ld, loss, p.X.cast<LD>().eval(), p.Y.cast<LD>().eval(), gm);
      const Eigen::VectorXd fd = ((gp - gm) / (2 * h)).template cast<double>();
      CHECK((Hv - fd).norm() <= 1e-7 * std::max(fd.norm(), 1.0));
    });
  }
}

TEST_CASE("derivatives: the Hessian is symmetric; dense Hessian equals its operator",
          "[derivatives]") {
  for (const problem& p : problems()) {
    INFO(describe(p));
    const auto net = make_net(p.c, 9);
    const nnt::Index P = net.parameter_count();
    with_loss(p.loss, [&](auto loss) {
      const nnt::hessian_operator op(net, loss, p.X, p.Y);
      const Eigen::VectorXd u = random_matrix(P, 1, 10), v = random_matrix(P, 1, 11);
      Eigen::VectorXd Hu(P), Hv(P);
      op.apply(u, Hu);
      op.apply(v, Hv);
      // uᵀHv = vᵀHu to rounding (relative to ‖u‖‖Hv‖).
      CHECK(std::abs(u.dot(Hv) - v.dot(Hu)) < 1e-13 * u.norm() * std::max(Hv.norm(), 1.0));
      CHECK(op.applications() == 2);
      const Eigen::MatrixXd H = nnt::hessian(net, loss, p.X, p.Y);
      CHECK((H * v - Hv).norm() < 1e-13 * std::max(Hv.norm(), 1.0) * std::sqrt(double(P)));
    });
  }
}

TEST_CASE("derivatives: Gauss–Newton operator equals JᵀH_ℓJ and is PSD", "[derivatives]") {
  for (const problem& p : problems()) {
    INFO(describe(p));
    const auto net = make_net(p.c, 12);
    const nnt::Index P = net.parameter_count();
    with_loss(p.loss, [&](auto loss) {
      const Eigen::MatrixXd G = nnt::gauss_newton(net, loss, p.X, p.Y);  // via the Jacobian
      const Eigen::VectorXd v = random_matrix(P, 1, 13);
      const Eigen::VectorXd Gv = nnt::gauss_newton_vector_product(net, loss, p.X, p.Y, v);
      CHECK((G * v - Gv).norm() < 1e-12 * std::max(Gv.norm(), 1.0));
      Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> es(G);
      CHECK(es.eigenvalues().minCoeff() > -1e-12 * std::max(es.eigenvalues().maxCoeff(), 1.0));
    });
  }
}

TEST_CASE("derivatives: for a linear model the Hessian is exactly the Gauss–Newton matrix",
          "[derivatives]") {
  // z = Wx + b is linear in θ, so ∇²z = 0 and the residual term vanishes.
  nnt::mlp<double> net({4, 3}, std::vector<nnt::activation>{nnt::activation::identity()},
                       {.param = nnt::parameterization::standard});
  net.initialize(3);
  const Eigen::MatrixXd X = random_matrix(4, 6, 1), Y = probability_targets(3, 6, 2);
  const nnt::softmax_cross_entropy_loss loss;
  const Eigen::MatrixXd H = nnt::hessian(net, loss, X, Y), G = nnt::gauss_newton(net, loss, X, Y);
  CHECK((H - G).norm() < 1e-14 * G.norm());
  // MSE: GN = JᵀJ/N.
  const Eigen::MatrixXd J = nnt::per_example_jacobian(net, X);
  CHECK((nnt::gauss_newton(net, nnt::mse_loss{}, X, Y) - J.transpose() * J / 6.0).norm() <
        1e-14 * J.squaredNorm());
}

TEST_CASE("derivatives: input–output Jacobian equals long-double differences", "[derivatives]") {
  for (const net_case& c : cases()) {
    INFO(c.name);
    const auto net = make_net<LD>(c, 14);
    const nnt::Index N = 3, d = net.input_dim(), k = net.output_dim();
    const nnt::Matrix<LD> X = random_matrix(d, N, 15).cast<LD>();
    const nnt::Matrix<LD> J = nnt::input_jacobian(net, X);
    const LD h = 1e-6L;
    for (nnt::Index a = 0; a < N; ++a)
      for (nnt::Index j = 0; j < d; ++j) {
        nnt::Matrix<LD> Xp = X, Xm = X;
        Xp(j, a) += h;
        Xm(j, a) -= h;
        const nnt::Matrix<LD> fd = (net.forward(Xp) - net.forward(Xm)) / (2 * h);
        for (nnt::Index i = 0; i < k; ++i)
          CHECK(static_cast<double>(std::abs(J(a * k + i, j) - fd(i, a))) < 1e-10);
      }
  }
}

TEST_CASE("derivatives: float instantiation runs", "[derivatives]") {
  const auto net = make_net(cases()[0], 1).cast<float>();
  const Eigen::MatrixXf X = random_matrix(3, 4, 2).cast<float>(),
                        Y = random_matrix(2, 4, 3).cast<float>();
  Eigen::VectorXf g;
  nnt::loss_and_gradient(net, nnt::mse_loss{}, X, Y, g);
  Eigen::VectorXd gd;
  nnt::loss_and_gradient(make_net(cases()[0], 1), nnt::mse_loss{}, X.cast<double>().eval(),
                         Y.cast<double>().eval(), gd);
  CHECK((g.cast<double>() - gd).norm() < 1e-5 * gd.norm());  // float rounding, ~10 ulps of 6e-8
}

TEST_CASE("derivatives: bad input throws clear messages", "[derivatives]") {
  const auto net = make_net(cases()[0], 1);  // 3 → 5 → 2, P = 32
  const Eigen::MatrixXd X = random_matrix(3, 4, 2), Y = random_matrix(2, 4, 3);
  Eigen::VectorXd g;
  NNT_CHECK_INVALID(nnt::loss_and_gradient(net, nnt::mse_loss{}, random_matrix(2, 4, 1), Y, g),
                    "X: expected 3 rows, got 2");
  Eigen::MatrixXd Xnan = X;
  Xnan(1, 2) = std::nan("");
  NNT_CHECK_INVALID(nnt::loss_and_gradient(net, nnt::mse_loss{}, Xnan, Y, g),
                    "X: expected finite entries, got nan at (1, 2)");
  NNT_CHECK_INVALID(nnt::jvp(net, X, Eigen::VectorXd::Zero(5)), "v: expected 32 entries, got 5");
  NNT_CHECK_INVALID(
      nnt::hessian_vector_product(net, nnt::mse_loss{}, X, Y, Eigen::VectorXd::Zero(31)),
      "v: expected 32 entries, got 31");
  NNT_CHECK_INVALID(nnt::vjp(net, X, Eigen::MatrixXd::Zero(3, 4)), "U: expected 2 rows, got 3");
  NNT_CHECK_INVALID(nnt::loss_and_gradient(net, nnt::mse_loss{}, X, random_matrix(2, 3, 1), g),
                    "Y: expected 4 columns, got 3");
  NNT_CHECK_INVALID(nnt::per_example_jacobian(net, Eigen::MatrixXd(3, 0)),
                    "X.cols(): expected at least 1, got 0");
  const nnt::hessian_operator H(net, nnt::mse_loss{}, X, Y);
  Eigen::VectorXd out(31);
  NNT_CHECK_INVALID(H.apply(Eigen::VectorXd::Zero(32), out), "out: expected 32 entries, got 31");
}

TEST_CASE("derivatives: blocks and expressions are accepted without copies of the caller's data",
          "[derivatives]") {
  // The data arguments are Eigen::Ref views: a block of columns and a scaled expression give the
  // same numbers as the evaluated matrices.
  const auto net = make_net(cases()[0], 1);
  const Eigen::MatrixXd X = random_matrix(3, 10, 2), Y = random_matrix(2, 10, 3);
  Eigen::VectorXd g_block, g_plain;
  const double a =
      nnt::loss_and_gradient(net, nnt::mse_loss{}, X.leftCols(6), 2.0 * Y.leftCols(6), g_block);
  const double b = nnt::loss_and_gradient(net, nnt::mse_loss{}, Eigen::MatrixXd(X.leftCols(6)),
                                          Eigen::MatrixXd(2.0 * Y.leftCols(6)), g_plain);
  CHECK(a == b);
  CHECK(g_block == g_plain);
  CHECK(nnt::jvp(net, X.middleCols(2, 3), net.parameters().reverse()) ==
        nnt::jvp(net, Eigen::MatrixXd(X.middleCols(2, 3)),
                 Eigen::VectorXd(net.parameters().reverse())));
}

TEST_CASE("derivatives: dense results are refused before an impossible allocation",
          "[derivatives]") {
  // A 4 · 10⁶ × 4 · 10⁶ Hessian needs 1.3e14 bytes: refused by the size check, nothing allocated.
  nnt::mlp<double> wide({2000, 2000, 1}, nnt::activation::tanh());
  const Eigen::MatrixXd X = Eigen::MatrixXd::Zero(2000, 1), Y = Eigen::MatrixXd::Zero(1, 1);
  CHECK_THROWS_WITH(
      nnt::hessian(wide, nnt::mse_loss{}, X, Y),
      Catch::Matchers::StartsWith("net (its dense P × P Hessian): expected at most "));
  CHECK_THROWS_WITH(
      nnt::gauss_newton(wide, nnt::mse_loss{}, X, Y),
      Catch::Matchers::StartsWith("net (its dense P × P Gauss–Newton matrix): expected at most "));
}

TEST_CASE("derivatives: per-example output Hessians equal long-double differences of the Jacobian",
          "[derivatives]") {
  for (const net_case& c : cases()) {
    INFO(c.name);
    const auto net = make_net(c, 11);
    const Eigen::MatrixXd X = random_matrix(c.widths.front(), 3, 12);
    const auto H = nnt::per_example_output_hessians(net, X);
    const nnt::Index k = net.output_dim(), P = net.parameter_count();
    REQUIRE(H.size() == std::size_t(3 * k));
    // Column j of H_ai is ∂J_ai/∂θ_j: central differences of long-double Jacobians, h = 1e-5
    // (truncation h²|∂⁴z|/6 ≈ 1e-10 relative; rounding eps_ld/h ≈ 1e-14). ReLU's kinks are not
    // crossed at this h for these inputs; its σ″ is 0, so the block u-u of its Hessian is 0.
    auto net_ld = make_net<LD>(c, 11);
    const nnt::Vector<LD> theta = net_ld.parameters();
    const LD h = 1e-5L;
    double worst = 0, scale = 0;
    for (nnt::Index j = 0; j < P; ++j) {
      nnt::Vector<LD> e = nnt::Vector<LD>::Zero(P);
      e(j) = h;
      net_ld.set_parameters(theta + e);
      const nnt::Matrix<LD> Jp = nnt::per_example_jacobian(net_ld, X.cast<LD>().eval());
      net_ld.set_parameters(theta - e);
      const nnt::Matrix<LD> Jm = nnt::per_example_jacobian(net_ld, X.cast<LD>().eval());
      const Eigen::MatrixXd dJ = ((Jp - Jm) / (2 * h)).cast<double>();
      for (nnt::Index r = 0; r < 3 * k; ++r) {
        worst = std::max(worst,
                         (H[std::size_t(r)].col(j) - dJ.row(r).transpose()).cwiseAbs().maxCoeff());
        scale = std::max(scale, dJ.row(r).cwiseAbs().maxCoeff());
      }
    }
    CHECK(worst <= 1e-8 * std::max(scale, 1.0));
    // The contraction with U is Σ U_ia H_ai, and its product with v matches (one R-pass each).
    const Eigen::MatrixXd U = random_matrix(k, 3, 13);
    const Eigen::VectorXd v = random_matrix(P, 1, 14);
    Eigen::MatrixXd sum = Eigen::MatrixXd::Zero(P, P);
    for (nnt::Index a = 0; a < 3; ++a)
      for (nnt::Index i = 0; i < k; ++i) sum += U(i, a) * H[std::size_t(a * k + i)];
    CHECK((nnt::output_hessian(net, X, U) - sum).norm() <= 1e-12 * std::max(sum.norm(), 1.0));
    CHECK((nnt::output_hessian_vector_product(net, X, U, v) - sum * v).norm() <=
          1e-12 * std::max((sum * v).norm(), 1.0));
  }
  const auto net = make_net(cases()[0], 1);  // 3 → 5 → 2
  NNT_CHECK_INVALID(nnt::output_hessian(net, random_matrix(3, 4, 2), random_matrix(1, 4, 3)),
                    "U: expected 2 rows, got 1");
  NNT_CHECK_INVALID(nnt::output_hessian(net, random_matrix(3, 4, 2), random_matrix(2, 3, 3)),
                    "U: expected 4 columns, got 3");
}
