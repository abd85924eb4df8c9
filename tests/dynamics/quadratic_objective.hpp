// f = ½(θ − θ*)ᵀH(θ − θ*): an nnt::objective with a known minimiser, shared by the dynamics tests.
#pragma once

#include <Eigen/Core>

struct quadratic_objective {
  Eigen::MatrixXd H;
  Eigen::VectorXd star;
  double value(const Eigen::VectorXd& v) { return 0.5 * (v - star).dot(H * (v - star)); }
  double value_and_gradient(const Eigen::VectorXd& v, Eigen::VectorXd& g) {
    g = H * (v - star);
    return value(v);
  }
};
