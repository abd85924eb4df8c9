// nnt/kernels/partial_cholesky.hpp — randomly pivoted partial Cholesky (RPCholesky; Chen, Epperly,
// Tropp, Webber 2022, arXiv:2207.06503): K ≈ F Fᵀ with F N × k from k columns of K, pivot s drawn
// with probability d_s / Σd of the residual diagonal d = diag(K − F Fᵀ), then
//   g = K(:, s) − F F(s, :)ᵀ,  F ← [F, g / √g_s],  d ← d − (g / √g_s)²,
// evaluated in blocks of columns (the pivots of one round sampled together, then eliminated in
// order: the same factor as the sequential algorithm given those pivots). Only N·k entries of K
// are ever formed. And the Nyström preconditioner of K + λI built from it (Frangella, Tropp,
// Udell 2023, "Randomized Nyström preconditioning", eq. 5.3), with F = U Σ Vᵀ (thin SVD):
//   P = U (Σ² + λI) Uᵀ / (σ²_min + λ) + (I − U Uᵀ),   P⁻¹ R = R + U diag((σ²_min + λ)/(σ² + λ) − 1) Uᵀ R.
#pragma once

#include "../core/detail/thread_stable_product.hpp"
#include "../core/error.hpp"
#include "../core/random.hpp"
#include "../core/status.hpp"
#include "../core/types.hpp"

#include <Eigen/Eigenvalues>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <span>
#include <vector>

namespace nnt {

/// Options of rp_cholesky().
struct rp_cholesky_options {
  Index rank = 100;        ///< at most this many pivots k (1 ≤ rank ≤ N)
  std::uint64_t seed = 0;  ///< the sampling stream: same seed, same pivots
  Index block = 32;        ///< pivots sampled per round (1 = the sequential algorithm), ≥ 1
  double tolerance = 0;    ///< stop once tr(K − F Fᵀ) ≤ tolerance · tr K (0 = run to rank)
};

/// The factor K ≈ F Fᵀ from rp_cholesky(): reusable for several ridges λ.
template <class S = double>
struct partial_cholesky {
  Matrix<S> factor;           ///< F, N × k (k = pivots.size())
  std::vector<Index> pivots;  ///< the columns of K used, in elimination order
  S trace = 0;                ///< tr K
  S trace_error = 0;          ///< tr(K − F Fᵀ), the residual diagonal's sum (≥ 0)
  /// ok; diverged when a column of K or the residual was not finite (factor then empty).
  nnt::status status = status::ok;
  /// iteration_limit (rank pivots), tolerance, or no_progress (every sampled pivot was already
  /// eliminated to rounding: K is numerically of lower rank).
  nnt::stop_reason stop_reason = stop_reason::none;
};

/// Types rp_cholesky() can factor: K.rows(), K.diagonal() (length N) and K.columns(indices)
/// (N × |indices|), e.g. kernel_operator.
template <class K>
concept kernel_column_source = requires(const K& k, std::span<const Index> idx) {
  { k.rows() } -> std::convertible_to<Index>;
  k.diagonal();
  k.columns(idx);
};

namespace detail {

// A stored PSD matrix as a column source.
template <class S>
struct dense_column_source {
  const_matrix_ref<S> K;
  Index rows() const { return K.rows(); }
  Vector<S> diagonal() const { return K.diagonal(); }
  Matrix<S> columns(std::span<const Index> idx) const {
    return K(Eigen::all, std::vector<Index>(idx.begin(), idx.end()));
  }
};

template <class S, class Source>
partial_cholesky<S> rp_cholesky_impl(const Source& K, const rp_cholesky_options& o) {
  const Index n = K.rows();
  require_in_range<Index, Index>("rank", o.rank, 1, n);
  require_at_least<Index>("block", o.block, 1);
  require_finite("tolerance", o.tolerance);
  require_in_range<double, double>("tolerance", o.tolerance, 0.0, 1.0);
  partial_cholesky<S> r;
  Vector<S> d = K.diagonal();
  if (!d.allFinite()) {
    r.status = status::diverged;
    r.stop_reason = stop_reason::non_finite;
    return r;
  }
  const Vector<S> original = d.cwiseMax(S(0));
  d = original;
  r.trace = d.sum();
  Matrix<S> F(n, o.rank);
  Index k = 0;
  random_generator rng(o.seed);
  std::vector<double> cumulative(static_cast<std::size_t>(n));
  r.stop_reason = stop_reason::iteration_limit;
  while (k < o.rank) {
    const S remaining = d.sum();
    if (!(remaining > S(o.tolerance) * r.trace) || !(remaining > 0)) {
      r.stop_reason = stop_reason::tolerance;
      break;
    }
    // Sample this round's pivots from d (with replacement; repeats dropped, draw order kept).
    double total = 0;
    for (Index i = 0; i < n; ++i) cumulative[std::size_t(i)] = total += double(d(i));
    std::vector<Index> picked;
    const Index want = std::min(o.block, o.rank - k);
    for (Index draw = 0; draw < want; ++draw) {
      const double u = rng.uniform() * total;
      auto it = std::upper_bound(cumulative.begin(), cumulative.end(), u);
      const Index s = std::min<Index>(static_cast<Index>(it - cumulative.begin()), n - 1);
      if (std::find(picked.begin(), picked.end(), s) == picked.end()) picked.push_back(s);
    }
    Matrix<S> G = K.columns(std::span<const Index>(picked));
    if (!G.allFinite()) {
      r.status = status::diverged;
      r.stop_reason = stop_reason::non_finite;
      r.factor.resize(0, 0);
      r.pivots.clear();
      return r;
    }
    if (k > 0) {  // G −= F F(picked, :)ᵀ
      const Matrix<S> Fp = F(picked, Eigen::seqN(0, k));
      thread_stable_product(G, F.leftCols(k), Fp.transpose(), S(-1), true);
    }
    const Index k0 = k;
    for (std::size_t c = 0; c < picked.size() && k < o.rank; ++c) {
      const Index s = picked[c];
      Vector<S> g = G.col(Index(c));
      if (k > k0)
        g.noalias() -= F.middleCols(k0, k - k0) * F.row(s).segment(k0, k - k0).transpose();
      // A pivot already eliminated to rounding carries no new direction.
      if (!(g(s) > S(64) * std::numeric_limits<S>::epsilon() * original(s))) continue;
      F.col(k) = g / std::sqrt(g(s));
      d = (d - F.col(k).cwiseAbs2()).cwiseMax(S(0));
      d(s) = 0;
      r.pivots.push_back(s);
      ++k;
    }
    if (k == k0) {  // no pivot of this round was accepted
      r.stop_reason = stop_reason::no_progress;
      break;
    }
  }
  r.factor = F.leftCols(k);
  r.trace_error = d.sum();
  if (!r.factor.allFinite()) {
    r.status = status::diverged;
    r.stop_reason = stop_reason::non_finite;
  }
  return r;
}

}  // namespace detail

/// RPCholesky of a column source (kernel_operator, …): K ≈ F Fᵀ with at most options.rank pivots.
template <class Source>
requires kernel_column_source<Source>
auto rp_cholesky(const Source& K, const rp_cholesky_options& options = {}) {
  using S = typename Source::Scalar;
  return detail::rp_cholesky_impl<S>(K, options);
}

/// RPCholesky of a stored PSD matrix K (N × N; symmetry is assumed).
template <class DK, class S = typename DK::Scalar>
partial_cholesky<S> rp_cholesky(const Eigen::MatrixBase<DK>& K,
                                const rp_cholesky_options& options = {}) {
  require_shape("K", K.rows(), K.rows(), K);
  require_at_least<Index>("K.rows()", K.rows(), 1);
  require_finite("K", K);
  return detail::rp_cholesky_impl<S>(detail::dense_column_source<S>{K.derived()}, options);
}

/// The Nyström preconditioner of K + λI (N × N) from a low-rank factor K ≈ F Fᵀ (F: N × k), as
/// in the header comment: apply(R, Z) sets Z = P⁻¹ R in O(N·k·r). Built once per (F, λ).
/// On the complement of U, P is the identity, not λI: the eigenvalues of P⁻¹(K + λI) there are
/// λ_j + λ ≤ σ²_min + λ, so the condition number is ≈ (σ²_min + λ)/(λ_min(K) + λ); with
/// P = F Fᵀ + λI it would be (λ_{k+1} + λ)/λ, far worse when λ ≪ λ_min(K).
template <class S = double>
class nystrom_preconditioner {
 public:
  using Scalar = S;                             ///< element type
  static constexpr bool block_products = true;  ///< apply() takes N × r blocks

  /// P from F (N × k, finite) and λ > 0.
  template <class DF>
  nystrom_preconditioner(const Eigen::MatrixBase<DF>& F, std::type_identity_t<S> ridge)
      : ridge_(ridge) {
    build(F.derived().eval());
  }

  /// N, the size of the vectors P⁻¹ acts on.
  Index rows() const { return n_; }
  /// Number of retained directions of F (≤ F.cols()).
  Index rank() const { return U_.cols(); }
  /// The ridge λ of the system K + λI it preconditions.
  S ridge() const { return ridge_; }

  /// Z = P⁻¹ R for R (N × r); Z must be N × r.
  void apply(const const_matrix_ref<S>& R, matrix_ref<S> Z) const {
    require_rows("R", n_, R.rows());
    require_shape("Z", n_, R.cols(), Z);
    Z = R;
    if (U_.cols() == 0) return;
    Matrix<S> W;
    detail::thread_stable_product(W, U_.transpose(), R, S(1));
    W = shrink_.asDiagonal() * W;
    detail::thread_stable_product(Z, U_, W, S(1), true);
  }

 private:
  void build(const Matrix<S>& F) {
    require_at_least<Index>("F.rows()", F.rows(), 1);
    require_finite("F", F);
    require_finite("ridge", ridge_);
    require_positive("ridge", ridge_);
    n_ = F.rows();
    if (F.cols() == 0) return;
    // FᵀF = V Σ² Vᵀ, U = F V Σ⁻¹ on the directions with σ² above rounding.
    Matrix<S> C;
    detail::thread_stable_product(C, F.transpose(), F, S(1));
    Eigen::SelfAdjointEigenSolver<Matrix<S>> eig;
    {
      const detail::serial_eigen_scope serial;
      eig.compute(C);
    }
    const Vector<S>& s2 = eig.eigenvalues();
    const S floor = S(F.cols()) * std::numeric_limits<S>::epsilon() * std::max(s2.maxCoeff(), S(0));
    std::vector<Index> kept;
    for (Index i = 0; i < s2.size(); ++i)
      if (s2(i) > floor) kept.push_back(i);
    const Index k = static_cast<Index>(kept.size());
    Matrix<S> V(F.cols(), k);
    shrink_.resize(k);
    const S smallest = k > 0 ? s2(kept.front()) : S(0);  // eigenvalues ascend
    for (Index c = 0; c < k; ++c) {
      const S sigma2 = s2(kept[std::size_t(c)]);
      V.col(c) = eig.eigenvectors().col(kept[std::size_t(c)]) / std::sqrt(sigma2);
      shrink_(c) = (smallest + ridge_) / (sigma2 + ridge_) - S(1);
    }
    detail::thread_stable_product(U_, F, V, S(1));
  }

  Index n_ = 0;
  S ridge_ = 1;
  Matrix<S> U_;
  Vector<S> shrink_;
};

}  // namespace nnt
