// nnt/nnt.hpp — umbrella header: includes every module of nnt.
// Each module header can also be included on its own.
#pragma once

#include "core/activation.hpp"
#include "core/error.hpp"
#include "core/objective.hpp"
#include "core/parameterization.hpp"
#include "core/quadrature.hpp"
#include "core/random.hpp"
#include "core/status.hpp"
#include "core/types.hpp"

#include "mlp/derivatives.hpp"
#include "mlp/loss.hpp"
#include "mlp/mlp.hpp"
#include "mlp/objective.hpp"

#include "curvature/spectrum.hpp"

#include "dynamics/integrators.hpp"
#include "dynamics/optimizers.hpp"

#include "kernels/closed_form.hpp"
#include "kernels/criticality.hpp"
#include "kernels/empirical.hpp"
#include "kernels/layer.hpp"
#include "kernels/moments.hpp"
#include "kernels/nngp_ntk.hpp"
#include "kernels/regression.hpp"

#include "kan/bspline.hpp"
#include "kan/kan.hpp"
#include "kan/objective.hpp"

#include "quadratic/quadratic_model.hpp"
#include "quadratic/taylor_model.hpp"

#include "dynamics/experiments/catapult.hpp"
#include "dynamics/experiments/diagonal_linear_net.hpp"
#include "dynamics/experiments/du_convergence.hpp"
#include "dynamics/experiments/edge_of_stability.hpp"
#include "dynamics/experiments/max_margin.hpp"
#include "dynamics/experiments/sgd_stationarity.hpp"
