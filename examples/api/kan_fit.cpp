// API tour: fitting a Kolmogorov–Arnold network by L-BFGS, refining its grids, and pruning it.
#include <nnt/dynamics/optimizers.hpp>
#include <nnt/kan/grid.hpp>
#include <nnt/kan/kan_objective.hpp>
#include <nnt/kan/pruning.hpp>

#include <cmath>
#include <iostream>

int main() {
  nnt::random_generator rng(6);
  nnt::Matrix<double> X(2, 400);
  rng.fill_uniform(X, -1.0, 1.0);
  const nnt::Matrix<double> Y =
      (X.row(0).array() * 3).sin().matrix() + X.row(1).array().square().matrix();

  nnt::kan<double> net({2, 4, 1}, {.grid = 5, .order = 3});  // cubic splines on 5 intervals
  net.initialize(7);
  for (nnt::Index G : {5, 10, 20}) {
    if (G != 5) net = nnt::refine_grid(net, G).net;  // grid extension keeps the function
    nnt::kan_objective<double> f(net, X, Y);
    net.set_parameters(nnt::lbfgs(f, net.parameters(), {.stop = {.max_iterations = 300}}).theta);
    std::cout << "G = " << G << ": training loss " << f.value(net.parameters()) << "\n";
  }
  const auto pruned = nnt::prune_nodes(net, X, 1e-2);  // drops hidden nodes with weak edges
  std::cout << "kept hidden nodes: " << pruned.kept[1].size() << " of 4\n"
            << "phi_{0,0}(0.5) = " << net.edge_function(0, 0, 0, 0.5) << "\n";
}
