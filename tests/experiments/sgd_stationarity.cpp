#include <nnt/core/random.hpp>
#include <nnt/experiments/sgd_stationarity.hpp>

#include <cmath>

#include "support/testing.hpp"

namespace {

void regression_data(nnt::Matrix<double>& X, nnt::Vector<double>& y) {
  nnt::random_generator rng(5);
  X.resize(3, 50);
  rng.fill_normal(X);
  nnt::Vector<double> truth(3);
  rng.fill_normal(truth);
  y = X.transpose() * truth;
  for (nnt::Index n = 0; n < y.size(); ++n) y(n) += 0.5 * rng.normal();
}

}  // namespace

TEST_CASE("SGD stationarity: the derived relations hold within 4 batch-means standard errors",
          "[experiments][sgd]") {
  nnt::Matrix<double> X;
  nnt::Vector<double> y;
  regression_data(X, y);
  for (double mu : {0.0, 0.7}) {
    INFO("momentum " << mu);
    nnt::sgd_stationarity_options o;
    o.eta = 0.05;
    o.momentum = mu;
    o.batch = 2;
    o.burn_in = 5000;
    o.steps = 400000;
    o.seed = 11 + std::uint64_t(mu * 10);
    const auto r = nnt::sgd_stationarity(X, y, o);
    REQUIRE(r.status == nnt::status::ok);
    CHECK(std::abs(r.difference) < 4 * r.standard_error);
    CHECK(r.standard_error < 0.1 * r.theta_dot_grad);  // the check has power (4 SE = 40% at most)
    if (mu > 0) {
      // the plain-SGD relation without the momentum factor is far off: the test can fail
      CHECK(std::abs(r.theta_dot_grad - o.eta / 2 * r.grad_sq) > 10 * r.standard_error);
    }
  }
}

TEST_CASE("SGD stationarity: divergence is a status; bad input", "[experiments][sgd]") {
  nnt::Matrix<double> X;
  nnt::Vector<double> y;
  regression_data(X, y);
  nnt::sgd_stationarity_options o;
  o.eta = 5.0;  // far above 2/λ_max of the (≈ identity) Hessian
  o.steps = 1000;
  o.batches = 10;
  CHECK(nnt::sgd_stationarity(X, y, o).status == nnt::status::diverged);
  o.eta = 0.05;
  o.momentum = 1.0;
  NNT_CHECK_INVALID(nnt::sgd_stationarity(X, y, o),
                    "momentum: expected a value in [0, 0.999], got 1");
  o.momentum = 0.0;
  NNT_CHECK_INVALID(nnt::sgd_stationarity(X, nnt::Vector<double>::Zero(3), o),
                    "y: expected 50 entries, got 3");
}
