// Small random KANs and data shared by the kan tests.
#pragma once

#include <nnt/core/random.hpp>
#include <nnt/kan/kan.hpp>

#include <vector>

namespace kan_test {

using nnt::Index;
using nnt::Matrix;
using nnt::Vector;

struct problem {
  nnt::kan<double> net;
  Matrix<double> X, Y;
};

inline problem make_problem(std::vector<Index> widths, bool base = true) {
  nnt::kan_options o;
  o.grid = 4;
  o.base = base;
  o.noise_scale = 0.5;  // visible splines, so every coefficient matters
  problem p{nnt::kan<double>(widths, o), {}, {}};
  p.net.initialize(5);
  nnt::random_generator rng(6);
  p.X.resize(widths.front(), 6);
  p.Y.resize(widths.back(), 6);
  rng.fill_normal(p.X);
  p.X *= 0.7;
  rng.fill_normal(p.Y);
  return p;
}

}  // namespace kan_test
