#include <nnt/distributed/block_cyclic_matrix.hpp>

#include <mpi.h>
#include <catch2/catch.hpp>

#include "support/kernel_fixtures.hpp"

using nnt::Index;
using nnt::Matrix;

TEST_CASE("block_cyclic_matrix places block (I, J) on process (I mod pr, J mod pc)",
          "[distributed]") {
  const nnt::process_grid g;
  for (Index nb : {1, 7, 64}) {
    const Index m = 53, n = 38;
    nnt::block_cyclic_matrix<double> A(g, m, n, nb);
    CHECK(A.rows() == m);
    CHECK(A.cols() == n);
    CHECK(A.block() == nb);
    CHECK(&A.grid() == &g);
    // ScaLAPACK's descriptor: dtype 1, context, M, N, MB, NB, source row/col 0, local leading dim.
    const auto& desc = A.descriptor();
    CHECK(desc[0] == 1);
    CHECK(desc[1] == g.context());
    CHECK(desc[2] == m);
    CHECK(desc[3] == n);
    CHECK(desc[4] == nb);
    CHECK(desc[5] == nb);
    CHECK(desc[8] == std::max<Index>(1, A.local().rows()));
    // Every global entry is owned exactly once, by the process the block-cyclic rule names.
    Matrix<double> owners = Matrix<double>::Zero(m, n);
    A.for_each_block([&](Index li, Index lj, Index gi, Index gj, Index bm, Index bn) {
      CHECK((gi / nb) % g.rows() == g.row());
      CHECK((gj / nb) % g.cols() == g.col());
      CHECK(gi == A.global_row(li));
      CHECK(gj == A.global_col(lj));
      CHECK(li + bm <= A.local().rows());
      CHECK(lj + bn <= A.local().cols());
      owners.block(gi, gj, bm, bn).array() += 1;
    });
    MPI_Allreduce(MPI_IN_PLACE, owners.data(), int(owners.size()), MPI_DOUBLE, MPI_SUM,
                  MPI_COMM_WORLD);
    CHECK(owners == Matrix<double>::Ones(m, n));
    // assign then gather is the identity, on every rank.
    const Matrix<double> full = nnt_test::gaussian_matrix(m, n, 3);
    A.assign(full);
    CHECK(A.gather() == full);
  }
}

TEST_CASE("block_cyclic_matrix in float", "[distributed]") {
  const nnt::process_grid g;
  nnt::block_cyclic_matrix<float> A(g, 9, 5, 2);
  const Matrix<float> full = nnt_test::gaussian_matrix(9, 5, 4).cast<float>();
  A.assign(full);
  CHECK(A.gather() == full);
}
