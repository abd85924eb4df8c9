# Fails unless include/nnt/nnt.hpp includes every other public header, except nnt/distributed/
# and nnt/hdf5/ (they need MPI or HDF5: users include them and link nnt::mpi or nnt::hdf5).
file(READ ${INCLUDE_DIR}/nnt/nnt.hpp umbrella)
file(GLOB_RECURSE headers RELATIVE ${INCLUDE_DIR}/nnt ${INCLUDE_DIR}/nnt/*.hpp)
set(missing)
foreach(h IN LISTS headers)
  if(NOT h STREQUAL "nnt.hpp" AND NOT h MATCHES "/detail/" AND NOT h MATCHES "^(distributed|hdf5)/" AND NOT umbrella MATCHES "#include \"${h}\"")
    list(APPEND missing ${h})
  endif()
endforeach()
if(missing)
  message(FATAL_ERROR "nnt.hpp: expected it to include every public header, got none of: ${missing}")
endif()
