#include <nnt/distributed/kernel_gram.hpp>
#include <nnt/kernels/nngp_ntk.hpp>

#include <catch2/catch.hpp>

#include <limits>

#include "support/kernel_fixtures.hpp"

using nnt::Index;
using nnt::Matrix;

TEST_CASE("distributed_kernel_gram gathers to kernel_gram's Gram", "[distributed]") {
  const nnt::process_grid g;
  const Index d = 6, n = 150;  // blocks of 32: four full and a partial one per dimension
  const Matrix<double> X = nnt_test::gaussian_matrix(d, n, 21);
  const auto net = nnt_test::relu_kernel_net();
  const auto ref = nnt::kernel_gram(net, X);
  for (bool ntk : {true, false}) {
    const Matrix<double>& K = ntk ? ref.ntk : ref.nngp;
    for (Index nb : {1, 32, 200}) {
      const auto r = nnt::distributed_kernel_gram(g, net, X, {.ntk = ntk, .block = nb});
      REQUIRE(r.status == nnt::status::ok);
      const Matrix<double> G = r.gram.gather();
      // Same formulas per entry on input Grams from differently blocked GEMMs: d·ε relative per
      // entry, through 3 steps with slopes ≤ 1 (as for kernel_operator's columns): 64·ε.
      CHECK((G - K).cwiseAbs().maxCoeff() <= 64 * 2.2e-16 * K.cwiseAbs().maxCoeff());
      CHECK(G.diagonal() == K.diagonal());  // both from the diagonal pass: bitwise
    }
  }
  // float: the same within float's ε.
  const auto rf = nnt::distributed_kernel_gram<float>(g, net, X, {.block = 16});
  REQUIRE(rf.status == nnt::status::ok);
  CHECK((rf.gram.gather().cast<double>() - ref.ntk).cwiseAbs().maxCoeff() <=
        64 * 1.2e-7 * ref.ntk.cwiseAbs().maxCoeff());
}

TEST_CASE("distributed_kernel_gram reports an overflowing variance as a status", "[distributed]") {
  const nnt::process_grid g;
  const Matrix<double> X = 1e200 * nnt_test::gaussian_matrix(3, 10, 2);
  const auto r = nnt::distributed_kernel_gram(g, nnt_test::relu_kernel_net(), X);
  CHECK(r.status == nnt::status::overflow);
  CHECK(r.overflow_step >= 0);
  CHECK(r.gram.local().hasNaN() == (r.gram.local().size() > 0));
}
