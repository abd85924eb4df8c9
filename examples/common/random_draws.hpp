// examples/common/random_draws.hpp — Gaussian matrices and vectors from nnt's generator, returned
// as values (random_generator::fill_normal fills an existing object), e.g.
//   const Eigen::MatrixXd G = gaussian_matrix(rng, n, n);
//   const Eigen::VectorXd v = gaussian_vector(rng, n, 10.0);  // N(0, 10²) entries
// The draws are those of fill_normal on an object of that size, in the same order.
#pragma once

#include <nnt/core/random.hpp>

namespace nnt_examples {

/// rows × cols with independent N(mean, stddev²) entries.
inline Eigen::MatrixXd gaussian_matrix(nnt::random_generator& rng, Eigen::Index rows,
                                       Eigen::Index cols, double stddev = 1.0, double mean = 0.0) {
  Eigen::MatrixXd M(rows, cols);
  rng.fill_normal(M, mean, stddev);
  return M;
}

/// The same from a generator made for this one draw: gaussian_matrix(random_generator(seed), …).
inline Eigen::MatrixXd gaussian_matrix(nnt::random_generator&& rng, Eigen::Index rows,
                                       Eigen::Index cols, double stddev = 1.0, double mean = 0.0) {
  return gaussian_matrix(rng, rows, cols, stddev, mean);
}

/// n independent N(mean, stddev²) entries.
inline Eigen::VectorXd gaussian_vector(nnt::random_generator& rng, Eigen::Index n,
                                       double stddev = 1.0, double mean = 0.0) {
  Eigen::VectorXd v(n);
  rng.fill_normal(v, mean, stddev);
  return v;
}

}  // namespace nnt_examples
