// nnt/kernels/nystrom.hpp — Nyström kernel ridge regression with M ≪ N centres (Falkon: Rudi,
// Carratino, Rosasco 2017): the estimator f = Σ_m β_m k(·, c_m) minimising
//   ‖K_NM β − Yᵀ‖² + λ βᵀ K_MM β,   i.e.  (K_MN K_NM + λ K_MM) β = K_MN Yᵀ,
// equal to exact kernel ridge when the centres are all N inputs. Solved by conjugate gradients on
// the M-dimensional system preconditioned with Falkon's B = T⁻¹A⁻¹ (K_MM = TᵀT, AᵀA =
// (N/M) T Tᵀ + λI, both Cholesky): BᵀHB ≈ I because K_MN K_NM ≈ (N/M) K_MM² for uniform centres.
// Each iteration is one tile pass over K_NM (kernel_cross_operator::apply_normal), never stored:
// memory O(M² + N·d + block·M). Centres are drawn uniformly without replacement or by RPCholesky
// pivots (kernels/partial_cholesky.hpp; costs O(N·M²), worth it for small M).
#pragma once

#include "../core/conjugate_gradient.hpp"
#include "../core/error.hpp"
#include "../core/random.hpp"
#include "../core/status.hpp"
#include "../core/types.hpp"
#include "kernel_operator.hpp"
#include "layer.hpp"
#include "nngp_ntk.hpp"
#include "partial_cholesky.hpp"

#include <Eigen/Cholesky>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <numeric>
#include <string>
#include <vector>

namespace nnt {

/// How nystrom_ridge_fit() picks its centres among the training inputs.
enum class centre_selection {
  uniform,     ///< M distinct inputs uniformly at random
  rp_cholesky  ///< the M pivots of RPCholesky on K (favours inputs the others do not explain)
};

/// Options of nystrom_ridge_fit().
struct nystrom_options {
  Index centres = 1000;                                    ///< M, 1 ≤ M ≤ N
  centre_selection selection = centre_selection::uniform;  ///< how to pick them
  double ridge = 0;                                        ///< λ > 0 of the objective above
  bool relative = false;                                   ///< λ is relative to tr(K)/N
  std::uint64_t seed = 0;                                  ///< the selection's stream
  double tolerance = 1e-8;     ///< CG's relative residual on the preconditioned M-system
  Index max_iterations = 500;  ///< CG iterations at most
  bool ntk = true;             ///< regress with Θ (true) or the NNGP K
  Index block = 256;           ///< tile size of the K_NM passes
  int threads = 0;             ///< OpenMP threads; 0 = OpenMP's default
};

/// A Nyström kernel ridge regressor from nystrom_ridge_fit(): f(x) = βᵀ k(C, x).
template <class S = double>
struct nystrom_model {
  Matrix<S> centres;                  ///< the centre inputs C, d × M (a copy)
  std::vector<Index> centre_indices;  ///< their columns in the training X
  Matrix<S> beta;                     ///< β, M × k_out
  S ridge = 0;                        ///< λ used (absolute)
  S jitter = 0;                       ///< added to K_MM's diagonal to factor it
  bool ntk = true;                    ///< fitted with Θ (true) or the NNGP K
  std::vector<S> residual_history;    ///< CG's relative residuals (preconditioned system)
  Index iterations = 0;               ///< CG iterations (tile passes over K_NM)
  /// ok; not_converged; singular (K_MM not positive definite even with jitter 1e-6·tr/M);
  /// overflow (a variance overflowed); diverged (non-finite values in the iteration).
  nnt::status status = status::ok;
  nnt::stop_reason stop_reason = stop_reason::none;  ///< from the CG run
};

namespace detail {

// Bᵀ H B with H = K_MN K_NM + λ K_MM and B = T⁻¹A⁻¹ (upper triangular T, A), as a block operator.
template <class S>
struct falkon_system {
  static constexpr bool block_products = true;
  const kernel_cross_operator<S>* C;  // K(X, centres), N × M
  const Matrix<S>* Kmm;
  const Matrix<S>* T;
  const Matrix<S>* A;
  S ridge;
  Index rows() const { return Kmm->rows(); }
  Matrix<S> B(const const_matrix_ref<S>& g) const {  // T⁻¹ A⁻¹ g
    Matrix<S> v = A->template triangularView<Eigen::Upper>().solve(g);
    return T->template triangularView<Eigen::Upper>().solve(v);
  }
  Matrix<S> Bt(const Matrix<S>& v) const {  // A⁻ᵀ T⁻ᵀ v
    Matrix<S> u = T->template triangularView<Eigen::Upper>().transpose().solve(v);
    return A->template triangularView<Eigen::Upper>().transpose().solve(u);
  }
  void apply(const const_matrix_ref<S>& g, matrix_ref<S> out) const {
    const Matrix<S> v = B(g);
    Matrix<S> h(v.rows(), v.cols());
    C->apply_normal(v, h);
    Matrix<S> kv;
    thread_stable_product(kv, *Kmm, v, S(1));
    h += ridge * kv;
    out = Bt(h);
  }
};

// Upper Cholesky factor of M + jitter·I, the jitter climbing 0, 1e-12…1e-6 ×scale until the
// factorisation succeeds with pivots above ε·max; false if none does.
template <class S>
bool jittered_cholesky(const Matrix<S>& M, S scale, Matrix<S>& upper, S& jitter) {
  jitter = 0;
  for (S step = S(1e-12) * scale;; step *= 10) {
    Matrix<S> work = M;
    work.diagonal().array() += jitter;
    Eigen::LLT<Matrix<S>> llt;
    {
      const serial_eigen_scope serial;
      llt.compute(work);
    }
    if (llt.info() == Eigen::Success) {
      const auto d = llt.matrixLLT().diagonal().cwiseAbs2();
      if (d.minCoeff() > std::numeric_limits<S>::epsilon() * d.maxCoeff()) {
        upper = llt.matrixU();
        return true;
      }
    }
    if (step > S(1e-6) * scale) return false;
    jitter = step;
  }
}

}  // namespace detail

/// Fits the Nyström estimator on (X, Y): X d × N, Y k_out × N. Throws nnt::invalid_argument for
/// bad shapes, non-finite data, λ ≤ 0 or M outside [1, N].
template <class DX, class DY, class S = typename DX::Scalar>
nystrom_model<S> nystrom_ridge_fit(const kernel_network& net, const Eigen::MatrixBase<DX>& X,
                                   const Eigen::MatrixBase<DY>& Y, const nystrom_options& options) {
  const Index n = X.cols();
  require_at_least<Index>("X.cols()", n, 1);
  require_cols("Y", n, Y.cols());
  require_at_least<Index>("Y.rows()", Y.rows(), 1);
  require_finite("Y", Y);
  require_in_range<Index, Index>("centres", options.centres, 1, n);
  require_finite("ridge", options.ridge);
  require_positive("ridge", options.ridge);
  require_finite("tolerance", options.tolerance);
  const kernel_operator_options op_options{options.ntk, options.block, options.threads};
  detail::require_operator_inputs<S>("X", const_matrix_ref<S>(X.derived()), op_options);
  nystrom_model<S> m;
  const Index M = options.centres;
  if (options.selection == centre_selection::rp_cholesky) {
    const kernel_operator<S> K(net, X, op_options);
    if (K.status() != status::ok) {
      m.status = K.status();
      return m;
    }
    const auto f = rp_cholesky(K, {.rank = M, .seed = options.seed});
    if (f.status != status::ok) {
      m.status = f.status;
      return m;
    }
    m.centre_indices = f.pivots;  // may be fewer than M when K has lower numerical rank
  } else {
    // A partial Fisher–Yates shuffle: the first M of a uniform permutation.
    std::vector<Index> all(static_cast<std::size_t>(n));
    std::iota(all.begin(), all.end(), Index(0));
    random_generator rng(options.seed);
    for (Index i = 0; i < M; ++i) {
      const Index j = i + Index(rng.uniform_index(std::uint64_t(n - i)));
      std::swap(all[std::size_t(i)], all[std::size_t(j)]);
    }
    m.centre_indices.assign(all.begin(), all.begin() + M);
  }
  const Index k = static_cast<Index>(m.centre_indices.size());
  m.centres = X.derived()(Eigen::all, m.centre_indices);
  // K(X, centres): its row diagonal is K(x, x) of the training inputs, hence tr K.
  const kernel_cross_operator<S> C(net, X, m.centres, op_options);
  if (C.status() != status::ok) {
    m.status = C.status();
    return m;
  }
  m.ridge = detail::absolute_ridge(options.ridge, options.relative, C.row_diagonal().sum(), n);

  m.ntk = options.ntk;
  // K_MM by kernel_gram on the centres (K.columns() would form N × M).
  const auto gram = kernel_gram(
      net, m.centres, {.ntk = options.ntk, .block = options.block, .threads = options.threads});
  const Matrix<S>& Kmm = options.ntk ? gram.ntk : gram.nngp;
  const S scale = Kmm.trace() / S(k);
  Matrix<S> T, A;
  if (!detail::jittered_cholesky<S>(Kmm, scale, T, m.jitter)) {
    m.status = status::singular;
    return m;
  }
  Matrix<S> TTt;
  detail::thread_stable_product(TTt, T, T.transpose(), S(1));
  TTt *= S(n) / S(k);
  TTt.diagonal().array() += m.ridge;
  S unused = 0;
  if (!detail::jittered_cholesky<S>(TTt, TTt.trace() / S(k), A, unused)) {
    m.status = status::singular;
    return m;
  }
  const detail::falkon_system<S> sys{&C, &Kmm, &T, &A, m.ridge};
  // Right-hand side Bᵀ K_MN Yᵀ.
  const Matrix<S> Yt = Y.transpose();
  Matrix<S> KmnY(k, Yt.cols());
  C.apply_transpose(Yt, KmnY);
  const Matrix<S> rhs = sys.Bt(KmnY);
  const auto r = preconditioned_cg(sys, rhs, identity_preconditioner<S>{},
                                   {options.tolerance, options.max_iterations});
  m.beta = sys.B(r.solution);
  m.residual_history = r.residual_history;
  m.iterations = r.iterations;
  m.status = r.status;
  m.stop_reason = r.stop_reason;
  if (m.status == status::ok && !m.beta.allFinite()) m.status = status::diverged;
  return m;
}

/// Predictions βᵀ K(C, X*) (k_out × M*) of a Nyström model at test inputs X* (d × M*), through
/// kernel_cross_operator(net, X*, C); net must be the network of the fit.
template <class S, class DX>
Matrix<S> nystrom_predict(const nystrom_model<S>& model, const kernel_network& net,
                          const Eigen::MatrixBase<DX>& X_test, int threads = 0) {
  if (model.status != status::ok)
    throw_invalid_argument("model", "a fitted model (status ok)",
                           std::string(to_string(model.status)));
  require_rows("X_test", model.centres.rows(), X_test.rows());
  require_at_least<Index>("X_test.cols()", X_test.cols(), 1);
  require_finite("X_test", X_test);
  const kernel_cross_operator<S> C(net, X_test, model.centres,
                                   {.ntk = model.ntk, .threads = threads});
  Matrix<S> out(C.rows(), model.beta.cols());
  C.apply(model.beta, out);
  return out.transpose();
}

}  // namespace nnt
