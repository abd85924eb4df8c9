// API tour: training an MLP by Adam with a record callback, and the gradient flow of the same loss
// by an adaptive integrator with observations at chosen times.
#include <nnt/dynamics/flows.hpp>
#include <nnt/dynamics/integrate.hpp>
#include <nnt/dynamics/optimizers.hpp>
#include <nnt/dynamics/steppers.hpp>
#include <nnt/mlp/mlp_objective.hpp>

#include <iostream>

int main() {
  nnt::mlp<double> net({2, 16, 1}, nnt::activation::tanh());
  net.initialize(4);
  nnt::random_generator rng(5);
  const nnt::Matrix<double> X = nnt::normal_matrix<double>(2, 32, rng);
  const nnt::Matrix<double> Y = (X.row(0).array() * X.row(1).array()).matrix();
  nnt::mlp_objective f(net, nnt::mse_loss{}, X, Y);  // an nnt::objective of θ

  // A plain number is a learning rate; options are designated initialisers with a .stop.
  const auto adam =
      nnt::adam(f, net.parameters(), 1e-2,
                {.stop = {.max_iterations = 500, .gradient_tolerance = 1e-6}, .record_every = 100});
  for (std::size_t i = 0; i < adam.iteration.size(); ++i)
    std::cout << "step " << adam.iteration[i] << ": loss " << adam.loss[i] << "\n";
  std::cout << "adam: " << adam.status << " (" << adam.stop_reason << ")\n";

  // dθ/dt = −∇L by Dormand–Prince 5(4), observed at t = 0, 1, …, 10.
  nnt::dormand_prince_stepper<double> stepper(1e-9, 1e-9);
  nnt::Vector<double> theta = net.parameters();
  std::vector<double> times;
  for (int t = 0; t <= 10; ++t) times.push_back(t);
  const auto flow = nnt::integrate_times(stepper, nnt::gradient_flow(f), theta, times, 1e-2,
                                         [&](const nnt::Vector<double>& x, double t) {
                                           std::cout << "t = " << t << ": loss " << f.value(x)
                                                     << "\n";
                                         });
  std::cout << "flow: " << flow.status << " after " << flow.steps << " steps\n";
  return flow.status == nnt::status::ok ? 0 : 1;
}
