// nnt/core/random.hpp — explicitly seeded, reproducible random numbers: std::mt19937_64 (output
// fixed by the C++ standard) with nnt's own transforms, so a seed gives the same numbers with every
// standard library: uniform (bits >> 11)·2⁻⁵³ ∈ [0, 1); normal by Marsaglia's polar method (pairs
// cached); ±1 from single bits; integers in [0, n) by rejection (unbiased); Fisher–Yates shuffles.
// Parallel work draws from per-task streams for_task(seed, task) seeded through splitmix64
// (Steele, Lea & Flood 2014), so results never depend on the number of threads.
#pragma once

#include "error.hpp"
#include "types.hpp"

#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <type_traits>
#include <utility>
#include <vector>

namespace nnt {

/// splitmix64 output function: a bijective 64-bit mixer of x + golden gamma.
constexpr std::uint64_t splitmix64(std::uint64_t x) noexcept {
  std::uint64_t z = x + 0x9e3779b97f4a7c15ULL;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

/// Seed of the independent stream number `task` derived from a user seed.
constexpr std::uint64_t stream_seed(std::uint64_t seed, std::uint64_t task) noexcept {
  return splitmix64(seed ^ splitmix64(task));
}

/// An explicitly seeded std::mt19937_64 with nnt's platform-independent transforms (uniform,
/// normal, ±1, unbiased indices, Eigen fills). Not thread-safe: one generator per task (for_task).
class random_generator {
 public:
  /// The engine seeded with `seed` (std::mt19937_64(seed)); same seed, same sequence everywhere.
  explicit random_generator(std::uint64_t seed) : engine_(seed) {}

  /// Independent stream for parallel task `task`: same (seed, task), same numbers.
  static random_generator for_task(std::uint64_t seed, std::uint64_t task) {
    return random_generator(stream_seed(seed, task));
  }

  /// 64 raw bits from the engine.
  std::uint64_t bits() { return engine_(); }

  /// Uniform on [0, 1) with 53 random bits.
  double uniform() { return static_cast<double>(bits() >> 11) * 0x1.0p-53; }

  /// Uniform on [lo, hi) for any finite lo < hi (also when hi − lo overflows).
  double uniform(double lo, double hi) {
    require_interval(lo, hi);
    return scaled(lo, hi, uniform());
  }

  /// Uniform integer in [0, n), n ≥ 1, without modulo bias (the top partial block of 2⁶⁴ is
  /// redrawn).
  std::uint64_t uniform_index(std::uint64_t n) {
    if (n == 0) throw_invalid_argument("n", "at least 1", "0");
    const std::uint64_t limit =
        std::numeric_limits<std::uint64_t>::max() - std::numeric_limits<std::uint64_t>::max() % n;
    std::uint64_t x;
    do x = bits();
    while (x >= limit);
    return x % n;
  }

  /// Standard normal N(0, 1).
  double normal() {
    if (has_spare_) {
      has_spare_ = false;
      return spare_;
    }
    double u, v, s;
    do {
      u = 2.0 * uniform() - 1.0;
      v = 2.0 * uniform() - 1.0;
      s = u * u + v * v;
    } while (s >= 1.0 || s == 0.0);
    const double factor = std::sqrt(-2.0 * std::log(s) / s);
    spare_ = v * factor;
    has_spare_ = true;
    return u * factor;
  }

  /// N(mean, stddev²).
  double normal(double mean, double stddev) {
    require_normal_parameters(mean, stddev);
    return mean + stddev * normal();
  }

  /// +1 or −1 with probability ½ each.
  int rademacher() {
    if (bits_left_ == 0) {
      bit_buffer_ = bits();
      bits_left_ = 64;
    }
    const int sign = (bit_buffer_ & 1U) ? 1 : -1;
    bit_buffer_ >>= 1;
    --bits_left_;
    return sign;
  }

  /// Fills x (any dense Eigen object, column-major order) with N(mean, stddev²) draws.
  template <class Derived>
  void fill_normal(const Eigen::DenseBase<Derived>& x, double mean = 0.0, double stddev = 1.0) {
    require_normal_parameters(mean, stddev);
    fill(x, [&] { return mean + stddev * normal(); });
  }

  /// Fills x with uniform draws on [lo, hi), also after rounding to x's Scalar (a double just
  /// below hi may round up to hi in float: such draws become the largest Scalar below hi).
  template <class Derived>
  void fill_uniform(const Eigen::DenseBase<Derived>& x, double lo = 0.0, double hi = 1.0) {
    require_interval(lo, hi);
    using T = typename Derived::Scalar;
    double top = hi;
    if constexpr (std::is_floating_point_v<T>) {
      T below = static_cast<T>(hi);
      if (static_cast<double>(below) >= hi)
        below = std::nextafter(below, -std::numeric_limits<T>::infinity());
      top = static_cast<double>(below);
    }
    fill(x, [&] {
      const double v = scaled(lo, hi, uniform());
      return v < top ? v : top;
    });
  }

  /// Fills x with independent ±1 entries.
  template <class Derived>
  void fill_rademacher(const Eigen::DenseBase<Derived>& x) {
    fill(x, [&] { return static_cast<double>(rademacher()); });
  }

  /// The engine, for use with standard-library algorithms such as std::shuffle.
  std::mt19937_64& engine() { return engine_; }

 private:
  // lo + (hi − lo)u without forming hi − lo (which overflows for |lo|, |hi| near the double range);
  // for moderate ranges it is the same number.
  static double scaled(double lo, double hi, double u) {
    const double width = hi - lo;
    double v;
    if (std::isfinite(width)) {
      v = lo + width * u;
    } else {
      const double half = hi / 2 - lo / 2;
      v = lo + half * u + half * u;
    }
    return v < hi ? v : std::nextafter(hi, lo);
  }

  static void require_normal_parameters(double mean, double stddev) {
    require_finite("mean", mean);
    require_nonnegative("stddev", stddev);
    require_finite("stddev", stddev);
  }

  static void require_interval(double lo, double hi) {
    require_finite("lo", lo);
    require_finite("hi", hi);
    if (!(lo < hi))
      throw_invalid_argument("hi", "a value greater than lo = " + format_value(lo),
                             format_value(hi));
  }

  template <class Derived, class Draw>
  static void fill(const Eigen::DenseBase<Derived>& x_const, Draw&& draw) {
    // The usual Eigen idiom for writable expression arguments (blocks, maps, temporaries).
    auto& x = const_cast<Eigen::DenseBase<Derived>&>(x_const);
    using S = typename Derived::Scalar;
    for (Index j = 0; j < x.cols(); ++j)
      for (Index i = 0; i < x.rows(); ++i) x.coeffRef(i, j) = S(draw());
  }

  std::mt19937_64 engine_;
  double spare_ = 0.0;
  bool has_spare_ = false;
  std::uint64_t bit_buffer_ = 0;
  int bits_left_ = 0;
};

/// In-place Fisher–Yates shuffle driven by nnt's generator (same result on every platform;
/// std::shuffle differs between standard libraries).
template <class T>
void shuffle(std::vector<T>& v, random_generator& rng) {
  for (std::size_t i = v.size(); i > 1; --i)
    std::swap(v[i - 1], v[std::size_t(rng.uniform_index(i))]);
}

/// A rows × cols matrix of N(0, stddev²) entries in Scalar S.
template <class S>
Matrix<S> normal_matrix(Index rows, Index cols, random_generator& rng, double stddev = 1.0) {
  require_at_least<Index>("rows", rows, 0);
  require_at_least<Index>("cols", cols, 0);
  require_allocation("rows × cols", checked_product("rows × cols", rows, cols), sizeof(S));
  Matrix<S> x(rows, cols);
  rng.fill_normal(x, 0.0, stddev);
  return x;
}

}  // namespace nnt
