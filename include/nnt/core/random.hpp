// nnt/core/random.hpp — explicitly seeded, reproducible random numbers.
//
// The engine is std::mt19937_64, whose output sequence the C++ standard fixes. The transforms to
// uniform, normal and Rademacher variates are nnt's own (std::normal_distribution differs between
// standard libraries), so the same seed gives the same numbers with every standard library:
//   uniform  u = (bits >> 11) · 2⁻⁵³                       ∈ [0, 1), 53 random bits
//   normal   Marsaglia's polar method on pairs (2u₁−1, 2u₂−1), second value of a pair cached;
//            bit-identical wherever log and sqrt are (sqrt is exact by IEEE 754; glibc's log is
//            correctly rounded in practice)
//   ±1       one bit of the engine per draw, 64 draws per engine call
// Parallel work draws from per-task streams random_generator::for_task(seed, task), seeded through
// splitmix64 (Steele, Lea, Flood 2014), so results never depend on the number of threads.
#pragma once

#include "error.hpp"
#include "types.hpp"

#include <cmath>
#include <cstdint>
#include <random>

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

class random_generator {
 public:
  explicit random_generator(std::uint64_t seed) : engine_(seed) {}

  /// Independent stream for parallel task `task`: same (seed, task), same numbers.
  static random_generator for_task(std::uint64_t seed, std::uint64_t task) {
    return random_generator(stream_seed(seed, task));
  }

  /// 64 raw bits from the engine.
  std::uint64_t bits() { return engine_(); }

  /// Uniform on [0, 1) with 53 random bits.
  double uniform() { return static_cast<double>(bits() >> 11) * 0x1.0p-53; }

  /// Uniform on [lo, hi).
  double uniform(double lo, double hi) {
    require_interval(lo, hi);
    return lo + (hi - lo) * uniform();
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

  /// Fills x with uniform draws on [lo, hi).
  template <class Derived>
  void fill_uniform(const Eigen::DenseBase<Derived>& x, double lo = 0.0, double hi = 1.0) {
    require_interval(lo, hi);
    fill(x, [&] { return lo + (hi - lo) * uniform(); });
  }

  /// Fills x with independent ±1 entries.
  template <class Derived>
  void fill_rademacher(const Eigen::DenseBase<Derived>& x) {
    fill(x, [&] { return static_cast<double>(rademacher()); });
  }

  /// The engine, for use with standard-library algorithms such as std::shuffle.
  std::mt19937_64& engine() { return engine_; }

 private:
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

/// A rows × cols matrix of N(0, stddev²) entries in Scalar S.
template <class S>
Matrix<S> normal_matrix(Index rows, Index cols, random_generator& rng, double stddev = 1.0) {
  require_at_least<Index>("rows", rows, 0);
  require_at_least<Index>("cols", cols, 0);
  Matrix<S> x(rows, cols);
  rng.fill_normal(x, 0.0, stddev);
  return x;
}

}  // namespace nnt
