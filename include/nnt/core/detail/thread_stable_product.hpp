// nnt/core/detail/thread_stable_product.hpp — dst = α·A·B (or dst += α·A·B) with the same bits on
// every thread count. Eigen's threaded GEMM chooses its depth blocking k_c from the number of
// threads (computeProductBlockingSizes), so a product it splits differs from the single-threaded
// one at the 1e-16 level. Here the work is cut into blocks of rows or columns by a rule that reads
// only the shapes, each block is a single-threaded Eigen GEMM, and nnt's OpenMP threads share the
// blocks: whichever thread computes a block computes it the same way.
#pragma once

#include "../types.hpp"

#include <algorithm>
#include <exception>

#ifdef _OPENMP
#include <omp.h>
#endif

namespace nnt::detail {

/// Makes Eigen's products issued by this thread single-threaded for the scope. Eigen sizes its
/// team from the calling thread's OpenMP nthreads ICV, which this sets to 1 and restores (an
/// explicit Eigen::setNbThreads(n > 1) overrides the ICV and is outside nnt's promise).
class serial_eigen_scope {
 public:
  serial_eigen_scope() {
#ifdef _OPENMP
    saved_ = omp_get_max_threads();
    omp_set_num_threads(1);
#endif
  }
  ~serial_eigen_scope() {
#ifdef _OPENMP
    omp_set_num_threads(saved_);
#endif
  }
  serial_eigen_scope(const serial_eigen_scope&) = delete;
  serial_eigen_scope& operator=(const serial_eigen_scope&) = delete;

 private:
  [[maybe_unused]] int saved_ = 1;
};

/// dst = alpha·A·B, or dst += alpha·A·B when accumulate (dst then already A.rows() × B.cols()).
/// A and B are matrices, maps, blocks or their transposes (expressions with direct access).
template <class Dst, class Lhs, class Rhs, class S>
void thread_stable_product(Dst&& dst, const Lhs& A, const Rhs& B, const S& alpha,
                           bool accumulate = false) {
  const Index m = A.rows(), depth = A.cols(), n = B.cols();
  if (!accumulate) dst.resize(m, n);
  const double work = double(m) * double(n) * double(depth);
  auto product = [&](auto&& out, const auto& lhs, const auto& rhs) {
    if (accumulate)
      out.noalias() += alpha * lhs * rhs;
    else
      out.noalias() = alpha * lhs * rhs;
  };
  // Below 10⁵ multiply-adds Eigen never splits a product (its Parallelizer needs 5·10⁴ per thread).
  if (work < 1e5) {
    product(dst, A, B);
    return;
  }
  // Split the longer side of the result, so the operand repacked per block is the smaller one;
  // blocks of at least 64 rows/columns (multiples of 16), at most 8 of them.
  const bool by_columns = n >= m;
  const Index extent = by_columns ? n : m;
  const Index wanted = work < double(1 << 21) ? 1 : std::clamp<Index>(extent / 64, 1, 8);
  const Index step = ((extent + wanted - 1) / wanted + 15) / 16 * 16;
  const Index blocks = (extent + step - 1) / step;
  if (blocks == 1) {
    const serial_eigen_scope serial;
    product(dst, A, B);
    return;
  }
  std::exception_ptr error;
#ifdef _OPENMP
#pragma omp parallel
#endif
  {
    const serial_eigen_scope serial;  // this thread's ICV only: its blocks stay single-threaded
#ifdef _OPENMP
#pragma omp for schedule(static)
#endif
    for (Index b = 0; b < blocks; ++b) {
      try {  // an exception must not leave the parallel region (std::terminate)
        const Index start = b * step, width = std::min(step, extent - start);
        if (by_columns)
          product(dst.middleCols(start, width), A, B.middleCols(start, width));
        else
          product(dst.middleRows(start, width), A.middleRows(start, width), B);
      } catch (...) {
#ifdef _OPENMP
#pragma omp critical(nnt_thread_stable_product)
#endif
        if (!error) error = std::current_exception();
      }
    }
  }
  if (error) std::rethrow_exception(error);
}

}  // namespace nnt::detail
