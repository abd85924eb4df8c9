#include <nnt/distributed/process_grid.hpp>

#include <mpi.h>
#include <catch2/catch.hpp>

#include "support/testing.hpp"

TEST_CASE("process_grid spans every rank, most square by default", "[distributed]") {
  int size = 0, rank = 0;
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  const nnt::process_grid g;
  CHECK(g.size() == size);
  CHECK(g.rank() == rank);
  CHECK(g.rows() * g.cols() == size);
  CHECK(g.rows() <= g.cols());
  if (size == 4) CHECK(g.rows() == 2);
  if (size == 2) CHECK(g.rows() == 1);
  // Row-major BLACS order: rank = row·pc + col.
  CHECK(g.row() * g.cols() + g.col() == rank);
  CHECK(g.context() >= 0);
}

TEST_CASE("process_grid takes an explicit shape and refuses one that does not fit",
          "[distributed]") {
  int size = 0;
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  const nnt::process_grid column(MPI_COMM_WORLD, size, 1);
  CHECK(column.rows() == size);
  CHECK(column.cols() == 1);
  CHECK(column.col() == 0);
  CHECK_THROWS_MATCHES(nnt::process_grid(MPI_COMM_WORLD, size + 1, 1), nnt::invalid_argument,
                       nnt_test::message("rows: expected a value in [1, " + std::to_string(size) +
                                         "], got " + std::to_string(size + 1)));
  if (size > 1)
    CHECK_THROWS_MATCHES(nnt::process_grid(MPI_COMM_WORLD, 1, 1), nnt::invalid_argument,
                         nnt_test::message("rows·cols: expected the communicator's size " +
                                           std::to_string(size) + ", got 1·1"));
  // Two grids on one communicator at once (BLACS shares its system handle between them).
  const nnt::process_grid a, b;
  CHECK(a.context() != b.context());
}
