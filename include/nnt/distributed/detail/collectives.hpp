// nnt/distributed/detail/collectives.hpp — the few MPI collectives the distributed solvers use:
// an in-place sum over ranks, and the check that an argument every rank passes is the same on all
// of them (a 64-bit FNV-1a hash of its shape and bytes, compared with rank 0's).
#pragma once

#include "../../core/error.hpp"
#include "../../core/types.hpp"
#include "scalapack.hpp"

#include <mpi.h>

#include <algorithm>
#include <climits>
#include <cstdint>
#include <exception>
#include <string>
#include <string_view>

namespace nnt::detail {

inline int mpi_rank(MPI_Comm comm) {
  int r = 0;
  MPI_Comm_rank(comm, &r);
  return r;
}
inline int mpi_size(MPI_Comm comm) {
  int s = 1;
  MPI_Comm_size(comm, &s);
  return s;
}

inline void require_mpi_initialized(MPI_Comm comm) {
  int initialized = 0, finalized = 0;
  MPI_Initialized(&initialized);
  MPI_Finalized(&finalized);
  if (!initialized || finalized)
    throw_invalid_argument("comm",
                           "a communicator of an initialised MPI (between MPI_Init and "
                           "MPI_Finalize)",
                           finalized ? "MPI already finalised" : "MPI not initialised");
  if (comm == MPI_COMM_NULL) throw_invalid_argument("comm", "a communicator", "MPI_COMM_NULL");
}

// Runs checks() on every rank and lets all ranks fail together: when it throws on some ranks,
// the first of them (lowest rank) broadcasts its message and every rank throws
// nnt::invalid_argument with it, so that no rank is left waiting in the next collective.
template <class Checks>
void on_every_rank(MPI_Comm comm, Checks&& checks) {
  std::string message;
  try {
    checks();
  } catch (const std::exception& e) {
    message = e.what();
    if (message.empty()) message = "an error";
  }
  int first = message.empty() ? INT_MAX : mpi_rank(comm);
  MPI_Allreduce(MPI_IN_PLACE, &first, 1, MPI_INT, MPI_MIN, comm);
  if (first == INT_MAX) return;
  int length = int(message.size());
  MPI_Bcast(&length, 1, MPI_INT, first, comm);
  message.resize(std::size_t(length));
  MPI_Bcast(message.data(), length, MPI_CHAR, first, comm);
  throw invalid_argument(
      message + (mpi_rank(comm) == first ? "" : " (on rank " + std::to_string(first) + ")"));
}

// Sum over the ranks of comm, in place; A must be contiguous (a Matrix or Vector). MPI's sum of
// one nonzero and zeros is exact, so rows owned by one rank arrive bit for bit.
template <class S, class Dense>
void allreduce_sum(Dense& A, MPI_Comm comm) {
  if (A.size() == 0) return;
  const int chunk = INT_MAX / 2;  // MPI counts are int
  for (Index off = 0; off < A.size(); off += chunk) {
    const int count = static_cast<int>(std::min<Index>(chunk, A.size() - off));
    MPI_Allreduce(MPI_IN_PLACE, A.data() + off, count, mpi_type<S>(), MPI_SUM, comm);
  }
}

inline std::uint64_t fnv1a(std::uint64_t h, const void* data, std::size_t bytes) {
  const auto* p = static_cast<const unsigned char*>(data);
  for (std::size_t i = 0; i < bytes; ++i) {
    h ^= p[i];
    h *= 1099511628211ull;
  }
  return h;
}

// Throws nnt::invalid_argument on every rank (so that none is left waiting in a collective)
// unless h, a hash of the argument `name`, is the same on all ranks of comm.
inline void require_same_hash(std::string_view name, std::string_view what, std::uint64_t h,
                              MPI_Comm comm) {
  std::uint64_t root = h;
  MPI_Bcast(&root, 1, MPI_UINT64_T, 0, comm);
  int first = root == h ? INT_MAX : mpi_rank(comm);
  MPI_Allreduce(MPI_IN_PLACE, &first, 1, MPI_INT, MPI_MIN, comm);
  if (first != INT_MAX)
    throw_invalid_argument(
        name, "the same " + std::string(what) + " on every rank",
        "a different " + std::string(name) + " on rank " + std::to_string(first));
}

// A (any shape) must be the same on every rank of comm.
template <class S>
void require_replicated(std::string_view name, const const_matrix_ref<S>& A, MPI_Comm comm) {
  std::uint64_t h = 14695981039346656037ull;
  const Index shape[2] = {A.rows(), A.cols()};
  h = fnv1a(h, shape, sizeof shape);
  for (Index j = 0; j < A.cols(); ++j)
    h = fnv1a(h, A.col(j).data(), std::size_t(A.rows()) * sizeof(S));
  require_same_hash(name, "matrix", h, comm);
}

// An option that must be the same on every rank (ranks configured differently would deadlock or
// compute different systems).
template <class T>
void require_same_value(std::string_view name, const T& value, MPI_Comm comm) {
  require_same_hash(name, "value", fnv1a(14695981039346656037ull, &value, sizeof value), comm);
}

}  // namespace nnt::detail
