// nnt/core/parameterization.hpp — how a dense layer's weights are scaled (shared by the finite
// networks in mlp/ and the infinite-width kernels in kernels/).
//   standard: z = W a + b,                     W ~ N(0, C_w/n_in), b ~ N(0, C_b)
//   ntk:      z = √(C_w/n_in) W a + √C_b b,    W, b ~ N(0, 1)        (Jacot et al. 2018)
// Same function distribution at initialisation; the NTK (and training) differ: in the standard
// parameterisation a layer contributes n_in·⟨a, a′⟩/n_in + 1 per unit of backward signal, growing
// with width, in the NTK one C_w⟨a, a′⟩/n_in + C_b.
#pragma once

namespace nnt {

/// How a dense layer scales its weights: standard (W ~ N(0, C_w/n_in)) or ntk (√(C_w/n_in) W,
/// W ~ N(0, 1)); see the file comment.
enum class parameterization { standard, ntk };

}  // namespace nnt
