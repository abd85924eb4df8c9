// nnt/distributed/detail/scalapack.hpp — the BLACS and ScaLAPACK routines nnt calls. ScaLAPACK
// ships no C header, so they are declared here with the reference implementation's Fortran ABI
// (trailing underscore, every argument by pointer, 32-bit integers, and gfortran's hidden length
// argument after the character ones: Debian's libscalapack-openmpi) and the C interface of its
// bundled BLACS (Cblacs_*); overloads pick the float or double routine.
#pragma once

#include <mpi.h>

#include <cstddef>

extern "C" {
void Cblacs_get(int context, int what, int* value);
void Cblacs_gridinit(int* context, const char* order, int rows, int cols);
void Cblacs_gridinfo(int context, int* rows, int* cols, int* my_row, int* my_col);
void Cblacs_gridexit(int context);
int Csys2blacs_handle(MPI_Comm comm);
void Cfree_blacs_system_handle(int handle);
int numroc_(const int* n, const int* nb, const int* iproc, const int* isrcproc, const int* nprocs);
void descinit_(int* desc, const int* m, const int* n, const int* mb, const int* nb,
               const int* irsrc, const int* icsrc, const int* context, const int* lld, int* info);
void pdpotrf_(const char* uplo, const int* n, double* a, const int* ia, const int* ja,
              const int* desca, int* info, std::size_t uplo_length);
void pspotrf_(const char* uplo, const int* n, float* a, const int* ia, const int* ja,
              const int* desca, int* info, std::size_t uplo_length);
void pdpotrs_(const char* uplo, const int* n, const int* nrhs, const double* a, const int* ia,
              const int* ja, const int* desca, double* b, const int* ib, const int* jb,
              const int* descb, int* info, std::size_t uplo_length);
void pspotrs_(const char* uplo, const int* n, const int* nrhs, const float* a, const int* ia,
              const int* ja, const int* desca, float* b, const int* ib, const int* jb,
              const int* descb, int* info, std::size_t uplo_length);
}

namespace nnt::detail {

inline void scalapack_potrf(int n, double* a, const int* desc, int* info) {
  const int one = 1;
  pdpotrf_("L", &n, a, &one, &one, desc, info, 1);
}
inline void scalapack_potrf(int n, float* a, const int* desc, int* info) {
  const int one = 1;
  pspotrf_("L", &n, a, &one, &one, desc, info, 1);
}
inline void scalapack_potrs(int n, int nrhs, const double* a, const int* desca, double* b,
                            const int* descb, int* info) {
  const int one = 1;
  pdpotrs_("L", &n, &nrhs, a, &one, &one, desca, b, &one, &one, descb, info, 1);
}
inline void scalapack_potrs(int n, int nrhs, const float* a, const int* desca, float* b,
                            const int* descb, int* info) {
  const int one = 1;
  pspotrs_("L", &n, &nrhs, a, &one, &one, desca, b, &one, &one, descb, info, 1);
}

template <class S>
MPI_Datatype mpi_type();
template <>
inline MPI_Datatype mpi_type<double>() {
  return MPI_DOUBLE;
}
template <>
inline MPI_Datatype mpi_type<float>() {
  return MPI_FLOAT;
}

}  // namespace nnt::detail
