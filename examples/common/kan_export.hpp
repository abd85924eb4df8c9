// examples/common/kan_export.hpp — writes a KAN's edge functions as CSV for plotting (I/O lives in
// the examples, not in the library).
#pragma once

#include <nnt/kan/kan.hpp>

#include <filesystem>
#include <fstream>
#include <stdexcept>

namespace nnt_examples {

/// Every edge function φ_{j,i} sampled at `samples` points over its input grid, as CSV
/// layer,in,out,x,phi into `path`.
template <class S>
void write_kan_edges(const nnt::kan<S>& net, const std::filesystem::path& path,
                     nnt::Index samples = 101) {
  std::ofstream csv(path);
  if (!csv) throw std::runtime_error("cannot write " + path.string());
  csv << "layer,in,out,x,phi\n";
  for (nnt::Index l = 0; l < net.depth(); ++l)
    for (nnt::Index i = 0; i < net.width(l); ++i) {
      const auto& b = net.basis(l, i);
      for (nnt::Index s = 0; s < samples; ++s) {
        const double x = b.lower() + (b.upper() - b.lower()) * double(s) / double(samples - 1);
        for (nnt::Index j = 0; j < net.width(l + 1); ++j)
          csv << l << "," << i << "," << j << "," << x << "," << net.edge_function(l, i, j, x)
              << "\n";
      }
    }
}

}  // namespace nnt_examples
