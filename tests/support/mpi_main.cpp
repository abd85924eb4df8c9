// The Catch2 runner of test_distributed: MPI_Init around the session, so that every test case
// runs on all ranks of MPI_COMM_WORLD (CTest starts it with mpirun -np 1, 2 and 4). A rank whose
// assertions fail makes the whole run fail: the exit codes are combined with MPI_MAX. A REQUIRE
// failing on some ranks only ends the test case there while the others wait in its next
// collective: the run then hangs until CTest's timeout (900 s) — a failure all the same.
#define CATCH_CONFIG_RUNNER
#include <mpi.h>
#include <catch2/catch.hpp>

int main(int argc, char** argv) {
  int threads = 0;  // OpenMP inside the ranks; MPI from the main thread only
  MPI_Init_thread(&argc, &argv, MPI_THREAD_FUNNELED, &threads);
  int failed = Catch::Session().run(argc, argv);
  MPI_Allreduce(MPI_IN_PLACE, &failed, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
  MPI_Finalize();
  return failed;
}
