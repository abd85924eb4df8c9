#include <nnt/dynamics/optimizers.hpp>
#include <nnt/kan/kan_objective.hpp>

#include <cmath>

#include "kan_test_support.hpp"
#include "support/testing.hpp"

using namespace kan_test;

TEST_CASE("kan_objective: value and gradient consistent", "[kan_objective]") {
  problem p = make_problem({2, 3, 1});
  nnt::kan_objective<double> obj(p.net, p.X, p.Y, {0.01, 1.0, 1.0});
  Vector<double> g;
  const double v = obj.value_and_gradient(p.net.parameters(), g);
  CHECK(v == Approx(obj.value(p.net.parameters())).epsilon(1e-15));
  const Vector<double> d = Vector<double>::Ones(g.size()) / std::sqrt(double(g.size()));
  const double fd =
      (obj.value(p.net.parameters() + 1e-6 * d) - obj.value(p.net.parameters() - 1e-6 * d)) / 2e-6;
  CHECK(std::abs(fd - g.dot(d)) < 1e-6);
}

TEST_CASE("kan_objective: L-BFGS lowers the loss of a KAN", "[kan_objective]") {
  problem p = make_problem({2, 3, 1});
  nnt::kan_objective<double> obj(p.net, p.X, p.Y);
  const auto r = nnt::lbfgs(obj, p.net.parameters(), {.stop = {.max_iterations = 50}});
  CHECK(r.status == nnt::status::ok);
  CHECK(obj.value(r.theta) < 0.1 * obj.value(p.net.parameters()));
  NNT_CHECK_INVALID(nnt::kan_objective<double>(p.net, p.X, Matrix<double>::Zero(2, 6)),
                    "Y: expected a 1x6 matrix, got 2x6");
}
