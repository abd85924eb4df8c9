// nnt/kan/bspline.hpp — B-spline bases on the extended grids of Kolmogorov–Arnold networks (Liu
// et al. 2024): knots g_0 < … < g_G extended by k knots of spacing h = (g_G − g_0)/G per side give
// G + k bases of order k, B_{i,0} = 1[t_i ≤ x < t_{i+1}], B_{i,j} = (x − t_i)/(t_{i+j} − t_i)
// B_{i,j−1} + (t_{i+j+1} − x)/(t_{i+j+1} − t_{i+1}) B_{i+1,j−1} (Cox–de Boor), evaluated for the
// k + 1 bases nonzero at x (de Boor's scheme, or fixed polynomial pieces on uniform grids), with
// B′_{i,k} = k(B_{i,k−1}/(t_{i+k} − t_i) − B_{i+1,k−1}/(t_{i+k+1} − t_{i+1})). On [g_0, g_G] they
// sum to 1; outside [t_0, t_{G+2k}] all are 0. Also least-squares fits and refits onto a new grid.
#pragma once

#include "../core/error.hpp"
#include "../core/scalar_math.hpp"
#include "../core/types.hpp"

#include <Eigen/QR>

#include <algorithm>
#include <array>
#include <cmath>
#include <string>
#include <type_traits>
#include <vector>

namespace nnt {

/// The G + k B-splines of degree k ("order" k: cubic is k = 3) on a grid g_0 < … < g_G extended
/// by k knots of spacing h = (g_G − g_0)/G on each side. Immutable after construction.
class bspline_basis {
 public:
  /// Largest supported order (fixed-size scratch in evaluate(); cubic KANs use k = 3).
  static constexpr Index max_order = 15;
  /// Up to this order uniform grids evaluate precomputed polynomial pieces instead of de Boor.
  static constexpr Index max_polynomial_order = 7;

  /// G uniform intervals on [a, b], order k.
  bspline_basis(double a, double b, Index G, Index k) {
    require_finite("a", a);
    require_finite("b", b);
    if (!(b > a))
      throw_invalid_argument("b", "a value above a = " + format_value(a), format_value(b));
    require_in_range<Index, Index>("G", G, 1, Index(1) << 24);
    require_in_range<Index, Index>("k", k, 0, max_order);
    if (!std::isfinite(b - a))
      throw_invalid_argument("grid", "a range whose k-fold extension is finite",
                             "[" + format_value(a) + ", " + format_value(b) + "]");
    std::vector<double> g(static_cast<std::size_t>(G + 1));
    for (Index i = 0; i <= G; ++i) g[std::size_t(i)] = a + (b - a) * double(i) / double(G);
    build(std::move(g), k);
  }
  /// Any increasing grid g_0 < … < g_G (G ≥ 1), order k.
  bspline_basis(std::vector<double> grid, Index k) {
    require_at_least<Index>("grid.size()", static_cast<Index>(grid.size()), 2);
    require_in_range<Index, Index>("k", k, 0, max_order);
    for (std::size_t i = 0; i < grid.size(); ++i) {
      require_finite("grid[" + std::to_string(i) + "]", grid[i]);
      if (i > 0 && !(grid[i] > grid[i - 1]))
        throw_invalid_argument(
            "grid[" + std::to_string(i) + "]",
            "a value above grid[" + std::to_string(i - 1) + "] = " + format_value(grid[i - 1]),
            format_value(grid[i]));
    }
    build(std::move(grid), k);
  }

  /// G, the number of grid intervals.
  Index intervals() const { return G_; }
  /// k, the polynomial degree of the bases (k + 1 of them are nonzero at any x).
  Index order() const { return k_; }
  /// Number of bases, G + k.
  Index size() const { return G_ + k_; }
  /// g_0, the left end of the grid (the extension knots lie below it).
  double lower() const { return grid_.front(); }
  /// g_G, the right end of the grid.
  double upper() const { return grid_.back(); }
  /// The grid g_0 … g_G (G + 1 knots, without the extension).
  const std::vector<double>& grid() const { return grid_; }
  /// t_0 … t_{G+2k}.
  std::vector<double> knots() const { return {t_.begin() + k_, t_.end() - k_}; }

  /// Values (and derivatives) of the k + 1 bases B_f … B_{f+k} at x; returns f ∈ [0, G − 1]. Bases
  /// that do not exist (near the ends of the extended grid) and all bases outside [t_0, t_{G+2k}]
  /// come out as 0. T may be double, float, long double or an AutoDiffScalar.
  template <class T>
  Index evaluate(const T& x, T* values, T* derivatives = nullptr) const {
    const double xv = static_cast<double>(scalar_value(x));
    const Index k = k_;
    // interval μ of the padded knots with t[μ] ≤ x < t[μ+1], real knots t_0…t_{G+2k} at k…G+3k
    const Index lo = k, hi = k + G_ + 2 * k;  // padded indices of t_0 and t_{G+2k}
    if (!(xv >= t_[std::size_t(lo)]) || !(xv <= t_[std::size_t(hi)])) {
      // 0 outside the extended grid, also at x = ±inf (0·x would be NaN there); NaN stays NaN
      const T zero = std::isnan(xv) ? T(0.0) * x : math::zero_like(x);
      for (Index q = 0; q <= k; ++q) {
        values[q] = zero;
        if (derivatives) derivatives[q] = zero;
      }
      return 0;
    }
    Index mu;
    if (uniform_) {  // direct index, corrected by one for rounding at the knots
      mu = lo + Index((xv - t_[std::size_t(lo)]) / h_);
      mu = std::clamp(mu, lo, hi - 1);
      if (xv < t_[std::size_t(mu)])
        --mu;
      else if (mu + 1 < hi && xv >= t_[std::size_t(mu + 1)])
        ++mu;
    } else {
      mu = Index(std::upper_bound(t_.begin() + lo, t_.begin() + hi, xv) - t_.begin()) - 1;
      mu = std::clamp(mu, lo, hi - 1);
    }
    const Index first_raw = mu - 2 * k;
    const Index f = std::clamp(first_raw, Index(0), size() - (k + 1));
    if (use_pieces_) {
      // uniform grid: the k + 1 pieces are fixed polynomials in u = (x − t_μ)/h (see build()),
      // evaluated in double for plain floating types and in T for AutoDiffScalar
      for (Index q = 0; q <= k; ++q) {
        const Index src = f + q - first_raw;
        if (src < 0 || src > k) {
          values[q] = T(0.0) * x;
          if (derivatives) derivatives[q] = T(0.0) * x;
          continue;
        }
        const double* a = &piece_(src, 0);
        using U = std::conditional_t<std::is_arithmetic_v<T>, double, T>;
        const U u = (U(x) - t_[std::size_t(mu)]) / h_;
        U v = U(a[k]) + U(0.0) * u, d = U(0.0) * u;
        for (Index r = k - 1; r >= 0; --r) {
          d = d * u + double(r + 1) * a[r + 1];
          v = v * u + a[r];
        }
        values[q] = T(v);
        if (derivatives) derivatives[q] = T(d / h_);
      }
      return f;
    }
    // de Boor: N[0..j] of degree j on [t_μ, t_{μ+1}); keep degree k − 1 for the derivative.
    std::array<T, max_order + 1> N, left, right, lower_degree;
    N[0] = T(1.0) + T(0.0) * x;
    for (Index j = 1; j <= k; ++j) {
      if (j == k && derivatives)
        for (Index r = 0; r < k; ++r) lower_degree[std::size_t(r)] = N[std::size_t(r)];
      left[std::size_t(j)] = x - t_[std::size_t(mu + 1 - j)];
      right[std::size_t(j)] = t_[std::size_t(mu + j)] - x;
      T saved = T(0.0) * x;
      for (Index r = 0; r < j; ++r) {
        const T temp = N[std::size_t(r)] / (right[std::size_t(r + 1)] + left[std::size_t(j - r)]);
        N[std::size_t(r)] = saved + right[std::size_t(r + 1)] * temp;
        saved = left[std::size_t(j - r)] * temp;
      }
      N[std::size_t(j)] = saved;
    }
    // N[q] is the basis with padded index μ − k + q, i.e. real index i = μ − k + q − k.
    for (Index q = 0; q <= k; ++q) {
      const Index src = f + q - first_raw;
      values[q] = (src >= 0 && src <= k) ? N[std::size_t(src)] : T(0.0) * x;
      if (!derivatives) continue;
      if (k == 0 || src < 0 || src > k) {
        derivatives[q] = T(0.0) * x;
        continue;
      }
      // B′_{i,k} = k (B_{i,k−1}/(t_{i+k} − t_i) − B_{i+1,k−1}/(t_{i+k+1} − t_{i+1})), with the
      // degree k − 1 values of padded bases μ − k + 1 … μ in lower_degree[0..k−1].
      const Index p = mu - k + src;  // padded index of this basis
      const T a = src >= 1 ? lower_degree[std::size_t(src - 1)] : T(0.0) * x;
      const T b = src <= k - 1 ? lower_degree[std::size_t(src)] : T(0.0) * x;
      derivatives[q] = double(k) * (a / (t_[std::size_t(p + k)] - t_[std::size_t(p)]) -
                                    b / (t_[std::size_t(p + k + 1)] - t_[std::size_t(p + 1)]));
    }
    return f;
  }

  /// Σ c_i B_i(x).
  template <class T>
  T spline(const Vector<T>& c, const T& x) const {
    require_size("c", size(), c.size());
    std::vector<T> v(std::size_t(k_ + 1));
    const Index f = evaluate(x, v.data());
    T s = math::zero_like(x);  // not 0·x, NaN at x = ±∞ where every basis is 0
    for (Index q = 0; q <= k_; ++q) s += c(f + q) * v[std::size_t(q)];
    return s;
  }

  /// The dense design matrix B_i(x_m) (M × (G + k)); for fits.
  template <class DX>
  Matrix<double> design(const Eigen::MatrixBase<DX>& x) const {
    require_allocation("x.size() (the design matrix x.size() × (G + k))",
                       checked_product("x.size()", x.size(), size()), sizeof(double));
    Matrix<double> A = Matrix<double>::Zero(x.size(), size());
    std::vector<double> v(std::size_t(k_ + 1));
    for (Index m = 0; m < x.size(); ++m) {
      const Index f = evaluate(double(x(m)), v.data());
      for (Index q = 0; q <= k_; ++q) A(m, f + q) = v[std::size_t(q)];
    }
    return A;
  }

 private:
  void build(std::vector<double> grid, Index k) {
    grid_ = std::move(grid);
    k_ = k;
    G_ = static_cast<Index>(grid_.size()) - 1;
    const double h = (grid_.back() - grid_.front()) / double(G_);
    // The extended knots must stay finite and distinct in double: a spacing below 1e-12 of the
    // knots' magnitude (or a range that overflows) would make the interval search meaningless.
    const double magnitude = std::max(std::abs(grid_.front()), std::abs(grid_.back()));
    if (!std::isfinite(h) || !std::isfinite(magnitude + 2 * double(k) * h))
      throw_invalid_argument(
          "grid", "a range whose k-fold extension is finite",
          "[" + format_value(grid_.front()) + ", " + format_value(grid_.back()) + "]");
    for (std::size_t i = 1; i < grid_.size(); ++i)
      if (!(grid_[i] - grid_[i - 1] > 1e-12 * magnitude))
        throw_invalid_argument("grid", "knots separated by more than 1e-12 of their magnitude",
                               "a spacing of " + format_value(grid_[i] - grid_[i - 1]) + " at " +
                                   format_value(grid_[i - 1]));
    // k real extension knots plus k virtual ones per side (the de Boor scheme reads up to k
    // beyond the span); virtual bases are dropped in evaluate().
    t_.clear();
    for (Index i = 2 * k; i >= 1; --i) t_.push_back(grid_.front() - double(i) * h);
    t_.insert(t_.end(), grid_.begin(), grid_.end());
    for (Index i = 1; i <= 2 * k; ++i) t_.push_back(grid_.back() + double(i) * h);
    // padded index of t_0 is k: t_ = [virtual k][extension k][grid G+1][extension k][virtual k]
    h_ = h;
    use_pieces_ = false;
    uniform_ = true;
    for (std::size_t i = 1; i < grid_.size() && uniform_; ++i)
      uniform_ = std::abs((grid_[i] - grid_[i - 1]) - h) <= 1e-12 * std::abs(h);
    if (uniform_ && k <= max_polynomial_order) {
      // Pieces of the cardinal B-spline: on a uniform span the k + 1 nonzero bases are polynomials
      // in u ∈ [0, 1), the same on every span. Their coefficients come from de Boor on the first
      // grid span [g_0, g_1) (bases B_0 … B_k), evaluated at k + 1 points and solved for
      // (Vandermonde, k ≤ 7; checked against de Boor in tests/kan).
      // V c = values with V_pr = u_p^r; a tiny system solved by Gaussian elimination with partial
      // pivoting in long double (no Eigen decomposition: nothing heavy to compile in every user
      // TU).
      constexpr std::size_t n_max = max_polynomial_order + 1;
      const std::size_t n = std::size_t(k + 1);
      long double V[n_max][n_max], rhs[n_max][n_max];
      std::vector<double> v(n);
      use_pieces_ = false;
      for (std::size_t p = 0; p < n; ++p) {
        const double u = (double(p) + 0.5) / double(n);
        evaluate(grid_.front() + u * h, v.data());
        for (std::size_t r = 0; r < n; ++r) V[p][r] = std::pow((long double)u, (long double)r);
        for (std::size_t q = 0; q < n; ++q) rhs[p][q] = v[q];
      }
      for (std::size_t c = 0; c < n; ++c) {
        std::size_t pivot = c;
        for (std::size_t r = c + 1; r < n; ++r)
          if (std::abs(V[r][c]) > std::abs(V[pivot][c])) pivot = r;
        for (std::size_t j = 0; j < n; ++j) {
          std::swap(V[c][j], V[pivot][j]);
          std::swap(rhs[c][j], rhs[pivot][j]);
        }
        for (std::size_t r = 0; r < n; ++r) {
          if (r == c) continue;
          const long double f = V[r][c] / V[c][c];
          for (std::size_t j = 0; j < n; ++j) {
            V[r][j] -= f * V[c][j];
            rhs[r][j] -= f * rhs[c][j];
          }
        }
      }
      use_pieces_ = true;
      piece_.resize(k + 1, k + 1);
      for (std::size_t q = 0; q < n; ++q)
        for (std::size_t r = 0; r < n; ++r)
          piece_(Index(q), Index(r)) = double(rhs[r][q] / V[r][r]);
    }
  }

  std::vector<double> grid_, t_;
  Index G_ = 0, k_ = 0;
  double h_ = 1;
  bool uniform_ = false, use_pieces_ = false;
  Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor> piece_;  // (q, power)
};

/// Least-squares coefficients c minimising Σ_m (Σ_i c_i B_i(x_m) − y_m)² + ridge‖c‖².
struct bspline_fit_result {
  Vector<double> coefficients;  ///< c, one per basis (G + k)
  double rms_residual = 0;      ///< √(mean squared residual) at the samples
  double max_residual = 0;      ///< max_m |Σ_i c_i B_i(x_m) − y_m| (the ridge term not included)
};

/// The least-squares fit of samples (x_m, y_m) on `basis` (column-pivoted QR).
template <class DX, class DY>
bspline_fit_result bspline_fit(const bspline_basis& basis, const Eigen::MatrixBase<DX>& x,
                               const Eigen::MatrixBase<DY>& y, double ridge = 0.0) {
  require_size("y", x.size(), y.size());
  require_at_least<Index>("x.size()", x.size(), 1);
  require_finite("x", x);
  require_finite("y", y);
  require_finite("ridge", ridge);
  require_nonnegative("ridge", ridge);
  const Matrix<double> A = basis.design(x);
  bspline_fit_result r;
  if (ridge > 0) {
    Matrix<double> A2(A.rows() + A.cols(), A.cols());
    A2 << A, std::sqrt(ridge) * Matrix<double>::Identity(A.cols(), A.cols());
    Vector<double> y2 = Vector<double>::Zero(A2.rows());
    y2.head(y.size()) = y.template cast<double>();
    r.coefficients = A2.colPivHouseholderQr().solve(y2);
  } else {
    r.coefficients = A.colPivHouseholderQr().solve(y.template cast<double>());
  }
  const Vector<double> e = A * r.coefficients - y.template cast<double>();
  r.rms_residual = std::sqrt(e.squaredNorm() / double(std::max<Index>(1, e.size())));
  r.max_residual = e.size() ? e.cwiseAbs().maxCoeff() : 0.0;
  return r;
}

/// The spline Σ c_i B_i of `from` refitted on the basis `to` (grid extension or a new grid): least
/// squares at 4(k + 1) points per interval of the finer grid, covering both grids' common range.
/// When the knots of `from` are among those of `to` (G′ a multiple of G on the same [a, b]) the
/// spline spaces nest and the refit is exact to rounding; otherwise the residual is O(h^{k+1}).
template <class DC>
bspline_fit_result bspline_refit(const bspline_basis& from, const Eigen::MatrixBase<DC>& c,
                                 const bspline_basis& to) {
  require_size("c", from.size(), c.size());
  require_finite("c", c);
  const double lo = std::max(from.lower(), to.lower()), hi = std::min(from.upper(), to.upper());
  if (!(hi > lo)) throw_invalid_argument("to", "a grid overlapping the old one", "disjoint grids");
  const Index per = 4 * (to.order() + 1), G = std::max(from.intervals(), to.intervals());
  const Index M = per * G;
  const Vector<double> coefficients = c.template cast<double>();
  Vector<double> x(M), y(M);
  for (Index m = 0; m < M; ++m) {
    x(m) = lo + (hi - lo) * (double(m) + 0.5) / double(M);
    y(m) = from.spline(coefficients, x(m));
  }
  return bspline_fit(to, x, y);
}

}  // namespace nnt
