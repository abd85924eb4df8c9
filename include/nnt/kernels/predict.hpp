// nnt/kernels/predict.hpp — one call for the infinite-width predictions at test points, in
// neural-tangents' predict(get=…) habit: for a kernel_network and (X, Y), the NNGP (Bayesian
// inference with K, the posterior mean K*K⁻¹Y and covariance K** − K*K⁻¹K*ᵀ at t = ∞) and the NTK
// (gradient flow/descent of the infinite-width net for time t: mean Θ*Θ⁻¹(I − e^{−ηΘt})Y with the
// NTK-GP covariance). A training kernel is regularised by diag_reg·tr/N on its diagonal (as
// neural-tangents' diag_reg). Gram matrices come from kernels/nngp_ntk.hpp, the formulas from
// kernels/regression.hpp (Lee et al. 2019).
#pragma once

#include "../core/error.hpp"
#include "../core/status.hpp"
#include "../core/types.hpp"
#include "layer.hpp"
#include "nngp_ntk.hpp"
#include "regression.hpp"

#include <limits>

namespace nnt {

/// Options of infinite_width_predict(): which predictions, the training time and regularisation.
struct predict_options {
  bool nngp = true;        ///< the NNGP prediction (K)
  bool ntk = true;         ///< the NTK prediction (Θ, trained for time t)
  bool covariance = true;  ///< also the M × M covariances
  double t = std::numeric_limits<double>::infinity();  ///< training time (steps for descent); +inf:
                                                       ///< converged
  double eta = 1.0;                                    ///< learning rate of the training dynamics
  /// Dynamics of the NTK prediction; gradient_descent needs a whole-number t (else
  /// nnt::invalid_argument). The NNGP prediction is always the t = ∞ one.
  training_mode mode = training_mode::gradient_flow;
  double diag_reg = 0.0;  ///< ≥ 0, added as diag_reg·tr(K)/N to each training kernel's diagonal
  kernel_gram_options gram{};  ///< threads and blocking of the Gram computations
};

/// The NNGP and NTK predictions from infinite_width_predict().
template <class S = double>
struct infinite_width_predictions {
  infinite_width_prediction<S> nngp;  ///< mean k × M, covariance M × M (when asked)
  infinite_width_prediction<S> ntk;   ///< the same for Θ after time t (empty unless options.ntk)
  nnt::status status =
      status::ok;  ///< the first non-ok status of the Grams and the two predictions
};

namespace detail {
template <class S>
Matrix<S> regularised(const Matrix<S>& K, double diag_reg) {
  Matrix<S> A = K;
  if (diag_reg > 0) A.diagonal().array() += S(diag_reg) * K.trace() / S(K.rows());
  return A;
}
}  // namespace detail

/// The NNGP and NTK predictions of `net` trained on (X_train, Y_train) at the columns of X_test.
template <class DX, class DY, class DT, class S = typename DX::Scalar>
infinite_width_predictions<S> infinite_width_predict(const kernel_network& net,
                                                     const Eigen::MatrixBase<DX>& X_train,
                                                     const Eigen::MatrixBase<DY>& Y_train,
                                                     const Eigen::MatrixBase<DT>& X_test,
                                                     const predict_options& o = {}) {
  require_cols("Y_train", X_train.cols(), Y_train.cols());
  require_finite("diag_reg", o.diag_reg);
  require_nonnegative("diag_reg", o.diag_reg);
  infinite_width_predictions<S> r;
  if (!o.nngp && !o.ntk) return r;
  kernel_gram_options g = o.gram;
  g.all_layers = false;
  g.ntk = o.ntk;
  const auto train = kernel_gram(net, X_train, g);
  const auto cross = kernel_gram(net, X_train, X_test, g);
  kernel_gram_result<S> test;
  if (o.covariance) test = kernel_gram(net, X_test, g);
  for (const nnt::status s : {train.status, cross.status, test.status})
    if (s != status::ok) {
      r.status = s;
      return r;
    }
  const Matrix<S> K = detail::regularised(train.nngp, o.diag_reg);
  const nngp_blocks<S> blocks{K, cross.nngp, test.nngp};
  auto predict = [&](const Matrix<S>& kernel, const Matrix<S>& kernel_cross, double t,
                     training_mode mode) {
    return o.covariance
               ? infinite_width_training(kernel, kernel_cross, Y_train, S(o.eta), S(t), mode,
                                         blocks)
               : infinite_width_training(kernel, kernel_cross, Y_train, S(o.eta), S(t), mode);
  };
  // The NNGP is Bayesian inference: the converged (t = ∞) regression with K itself, which does not
  // depend on how the NTK net is trained (o.mode, o.eta).
  if (o.nngp)
    r.nngp = predict(K, cross.nngp, std::numeric_limits<double>::infinity(),
                     training_mode::gradient_flow);
  if (o.ntk) r.ntk = predict(detail::regularised(train.ntk, o.diag_reg), cross.ntk, o.t, o.mode);
  if (o.nngp && r.nngp.status != status::ok)
    r.status = r.nngp.status;
  else if (o.ntk && r.ntk.status != status::ok)
    r.status = r.ntk.status;
  return r;
}

}  // namespace nnt
