// Hostile input to nnt/distributed/ (built into test_distributed: it needs MPI). Every rank gets
// the same bad argument — or, for the replication checks, one rank a different one — and every
// rank must throw, so that none is left waiting in a collective.
#include <nnt/distributed/block_cyclic_matrix.hpp>
#include <nnt/distributed/kernel_gram.hpp>
#include <nnt/distributed/kernel_operator.hpp>
#include <nnt/distributed/kernel_ridge.hpp>
#include <nnt/distributed/process_grid.hpp>
#include <nnt/kernels/large_scale.hpp>

#include <mpi.h>

#include "adversarial/adversarial.hpp"
#include "support/kernel_fixtures.hpp"

using nnt::Index;
using nnt::Matrix;
using nnt_adversarial::Inf;
using nnt_adversarial::NaN;

namespace {
int world_rank() { return nnt::detail::mpi_rank(MPI_COMM_WORLD); }
int world_size() { return nnt::detail::mpi_size(MPI_COMM_WORLD); }
}  // namespace

TEST_CASE("adversarial: process_grid and block_cyclic_matrix", "[adversarial][distributed]") {
  NNT_REFUSES(nnt::process_grid(MPI_COMM_NULL), "comm");
  NNT_REFUSES(nnt::process_grid(MPI_COMM_WORLD, 0, 1), "rows");
  NNT_REFUSES(nnt::process_grid(MPI_COMM_WORLD, 1, -3), "cols");
  NNT_REFUSES(nnt::process_grid(MPI_COMM_WORLD, world_size(), 2),
              world_size() == 1 ? "cols" : "rows·cols");
  const nnt::process_grid g;
  NNT_REFUSES(nnt::block_cyclic_matrix<double>(g, 0, 3), "rows");
  NNT_REFUSES(nnt::block_cyclic_matrix<double>(g, 3, -1), "cols");
  NNT_REFUSES(nnt::block_cyclic_matrix<double>(g, 3, 3, 0), "block");
  NNT_REFUSES(nnt::block_cyclic_matrix<double>(g, Index(1) << 40, 3), "rows");
  NNT_REFUSES(nnt::block_cyclic_matrix<double>(g, Index(1) << 30, Index(1) << 30, 64),
              "rows·cols");  // a local share beyond 32-bit ScaLAPACK's reach, refused by size
  nnt::block_cyclic_matrix<double> A(g, 4, 5, 2);
  NNT_REFUSES(A.assign(Matrix<double>::Zero(5, 4)), "full");
  if (A.local().rows() > 0) NNT_REFUSES(A.global_row(A.local().rows()), "i");
  if (A.local().cols() > 0) NNT_REFUSES(A.global_col(-1), "j");
  CHECK(A.descriptor()[2] == 4);
  CHECK(A.grid().context() == g.context());
  CHECK(A.block() == 2);
  CHECK(A.gather().isZero());
  long long entries = 0;
  A.for_each_block([&](Index, Index, Index, Index, Index m, Index n) { entries += m * n; });
  MPI_Allreduce(MPI_IN_PLACE, &entries, 1, MPI_LONG_LONG, MPI_SUM, MPI_COMM_WORLD);
  CHECK(entries == 20);
  CHECK(g.row() >= 0);
  CHECK(g.col() >= 0);
  CHECK(g.rank() == world_rank());
  CHECK(g.size() == world_size());
  CHECK(g.comm() == MPI_COMM_WORLD);
}

TEST_CASE("adversarial: distributed_kernel_gram and distributed_kernel_ridge",
          "[adversarial][distributed]") {
  const nnt::process_grid g;
  const auto net = nnt_test::relu_kernel_net();
  const Matrix<double> X = nnt_test::gaussian_matrix(3, 12, 1), Y = Matrix<double>::Ones(1, 12);
  Matrix<double> bad = X;
  bad(1, 4) = NaN;
  NNT_REFUSES(nnt::distributed_kernel_gram(g, net, bad), "X");
  NNT_REFUSES(nnt::distributed_kernel_gram(g, net, Matrix<double>(3, 0)), "X.cols()");
  NNT_REFUSES(nnt::distributed_kernel_gram(g, net, X, {.block = 0}), "block");
  NNT_REFUSES(nnt::distributed_kernel_ridge(g, net, X, Y, {.ridge = -1}), "ridge");
  NNT_REFUSES(nnt::distributed_kernel_ridge(g, net, X, Y, {.ridge = Inf}), "ridge");
  NNT_REFUSES(nnt::distributed_kernel_ridge(g, net, X, Matrix<double>::Ones(1, 11)), "Y");
  Matrix<double> Ybad = Y;
  Ybad(0, 3) = Inf;
  NNT_REFUSES(nnt::distributed_kernel_ridge(g, net, X, Ybad), "Y");
  // One rank passes something else: all of them refuse, naming the first rank that differs.
  if (world_size() > 1) {
    Matrix<double> mine = X;
    if (world_rank() == 1) mine(0, 0) += 1e-12;
    NNT_REFUSES(nnt::distributed_kernel_gram(g, net, mine),
                "X: expected the same matrix on "
                "every rank, got a different X on rank 1");
    Matrix<double> Ymine = Y;
    if (world_rank() == 1) Ymine(0, 5) = 2;
    NNT_REFUSES(nnt::distributed_kernel_ridge(g, net, X, Ymine), "Y");
    NNT_REFUSES(
        nnt::distributed_kernel_ridge(g, net, X, Y, {.ridge = world_rank() == 1 ? 0.5 : 0.25}),
        "ridge");
    NNT_REFUSES(nnt::distributed_kernel_gram(g, net, X, {.block = world_rank() == 1 ? 4 : 8}),
                "block");
  }
  // A bad option on one rank only (threads may differ, so it is not agreed): all ranks refuse.
  NNT_REFUSES(nnt::distributed_kernel_gram(g, net, X, {.threads = world_rank() == 0 ? -1 : 1}),
              "threads");
  // Overflow is a status, not an exception.
  const auto r = nnt::distributed_kernel_ridge(g, net, 1e200 * X, Y);
  CHECK(r.status == nnt::status::overflow);
}

TEST_CASE("adversarial: distributed kernel operators", "[adversarial][distributed]") {
  const auto net = nnt_test::relu_kernel_net();
  const Matrix<double> X = nnt_test::gaussian_matrix(3, 12, 2);
  Matrix<double> bad = X;
  bad(2, 2) = -Inf;
  NNT_REFUSES(nnt::distributed_kernel_operator<double>(MPI_COMM_WORLD, net, bad), "X");
  NNT_REFUSES(nnt::distributed_kernel_operator<double>(MPI_COMM_WORLD, net, X, {.block = -2}),
              "block");
  if (world_size() > 1)  // the cross operator shares its rows: one test input per rank at least
    NNT_REFUSES(
        nnt::distributed_kernel_cross_operator<double>(MPI_COMM_WORLD, net, X.leftCols(1), X),
        "A.cols()");
  const nnt::distributed_kernel_operator<double> K(MPI_COMM_WORLD, net, X);
  NNT_REFUSES(K.multiply(Matrix<double>::Ones(11, 2)), "V");
  Matrix<double> out(12, 2);
  NNT_REFUSES(K.apply(Matrix<double>::Constant(12, 2, NaN), out), "V");
  Matrix<double> wrong(12, 3);
  NNT_REFUSES(K.apply(Matrix<double>::Ones(12, 2), wrong), "out");
  NNT_REFUSES(K.columns(std::vector<Index>{12}), "columns[0]");
  CHECK(K.ntk());
  CHECK(K.comm() == MPI_COMM_WORLD);
  NNT_REFUSES(nnt::kernel_ridge_pcg(K, Matrix<double>::Ones(1, 12), {.ridge = 0}), "ridge");
  K.require_replicated("Y", Matrix<double>::Ones(1, 12));  // the same everywhere: accepted
  K.require_same("seed", 7);
  if (world_size() > 1) {
    NNT_REFUSES(K.require_replicated("Z", Matrix<double>::Constant(1, 2, world_rank())), "Z");
    NNT_REFUSES(K.require_same("seed", world_rank()), "seed");
  }
  if (world_size() > 1) {  // PCG's Y and options must agree across the ranks
    Matrix<double> Ymine = Matrix<double>::Ones(1, 12);
    if (world_rank() == 1) Ymine(0, 3) = 2;
    NNT_REFUSES(nnt::kernel_ridge_pcg(K, Ymine, {.ridge = 1}), "Y");
    NNT_REFUSES(nnt::kernel_ridge_pcg(K, Matrix<double>::Ones(1, 12),
                                      {.ridge = 1, .tolerance = world_rank() == 1 ? 1e-6 : 1e-8}),
                "tolerance");
  }
  NNT_REFUSES(nnt::kernel_ridge_pcg(K, Matrix<double>::Ones(1, 10), {.ridge = 1}), "Y");
  NNT_REFUSES(nnt::distributed_kernel_cross_operator<double>(MPI_COMM_WORLD, net, X,
                                                             Matrix<double>::Zero(4, 5)),
              "B");
  const nnt::distributed_kernel_cross_operator<double> C(MPI_COMM_WORLD, net, X, X.leftCols(5));
  Matrix<double> o(12, 1);
  NNT_REFUSES(C.apply(Matrix<double>::Ones(4, 1), o), "V");
  CHECK(C.row_diagonal().size() == 12);
  // A variance that overflows: NaN products and an overflow status, on every rank alike.
  const nnt::distributed_kernel_operator<double> huge(MPI_COMM_WORLD, net, 1e200 * X);
  CHECK(huge.status() == nnt::status::overflow);
  CHECK(huge.multiply(Matrix<double>::Ones(12, 1)).hasNaN());
  const auto m = nnt::kernel_ridge_pcg(huge, Matrix<double>::Ones(1, 12), {.ridge = 1});
  CHECK(m.status == nnt::status::overflow);
}
