// API tour: Hessian-vector products of an MLP loss, its extreme eigenvalues, trace and spectrum.
#include <nnt/curvature/eigenpairs.hpp>
#include <nnt/curvature/lanczos.hpp>
#include <nnt/curvature/trace.hpp>
#include <nnt/mlp/derivatives.hpp>

#include <iostream>

int main() {
  nnt::mlp<double> net({8, 32, 32, 3}, nnt::activation::tanh());  // NTK parameterisation, C_w = 1
  net.initialize(1);
  nnt::random_generator rng(2);
  const nnt::Matrix<double> X = nnt::normal_matrix<double>(8, 64, rng),
                            Y = nnt::normal_matrix<double>(3, 64, rng);

  // ∇²L as an operator: each apply() is one R-operator pass (no P × P matrix).
  const nnt::hessian_operator H(net, nnt::mse_loss{}, X, Y);
  nnt::Vector<double> v = nnt::Vector<double>::Ones(H.rows()), Hv(H.rows());
  H.apply(v, Hv);

  const auto top = nnt::top_eigenpairs(H, 3);        // algebraically largest, residual-checked
  const auto bottom = nnt::bottom_eigenpairs(H, 1);  // the most negative curvature
  const auto trace = nnt::hutchinson_trace(H);       // with a standard error and a stop reason
  const auto density = nnt::spectral_density(H, {.probes = 10, .lanczos_steps = 60});

  std::cout << "P = " << H.rows() << ", |Hv| = " << Hv.norm() << "\n"
            << "top eigenvalues " << top.values.transpose() << " (" << top.status << ")\n"
            << "bottom eigenvalue " << bottom.values(0) << "\n"
            << "trace " << trace.estimate << " ± " << trace.standard_error << " ("
            << trace.stop_reason << ", " << trace.probes << " probes)\n"
            << "SLQ: trace " << density.trace << " ± " << density.trace_standard_error
            << ", mass below zero " << density.negative_mass.mass << ", near zero "
            << density.near_zero_mass.mass << "\n";
  return top.status == nnt::status::ok && bottom.status == nnt::status::ok ? 0 : 1;
}
