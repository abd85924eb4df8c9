// examples/common/mlp_widths.hpp — the widths {n₀, n, …, n, k} of an nnt::mlp with `hidden`
// hidden layers of equal width n (the shape most course examples use).
#pragma once

#include <nnt/core/types.hpp>

#include <vector>

namespace nnt_examples {

/// {input, width × hidden, output}; output 0 leaves it out (the hidden part of a net alone).
inline std::vector<nnt::Index> uniform_widths(nnt::Index input, nnt::Index width, nnt::Index hidden,
                                              nnt::Index output) {
  std::vector<nnt::Index> widths(std::size_t(hidden + 1), width);
  widths.front() = input;
  if (output > 0) widths.push_back(output);
  return widths;
}

}  // namespace nnt_examples
