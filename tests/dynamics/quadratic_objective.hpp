// f = ½(θ − θ*)ᵀH(θ − θ*): an nnt::objective with a known minimiser, shared by the dynamics tests.
#pragma once

#include <nnt/core/types.hpp>

template <class S = double>
struct quadratic_objective {
  nnt::Matrix<S> H;
  nnt::Vector<S> star;
  S value(const nnt::Vector<S>& v) { return S(0.5) * (v - star).dot(H * (v - star)); }
  S value_and_gradient(const nnt::Vector<S>& v, nnt::Vector<S>& g) {
    g = H * (v - star);
    return value(v);
  }
};
