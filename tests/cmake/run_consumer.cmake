# Installs nnt from NNT_BINARY_DIR into a private prefix, then configures, builds and runs a tiny
# consumer whose main.cpp is the usage example of README.md (between the usage-example markers).
file(REMOVE_RECURSE ${WORK_DIR})
file(MAKE_DIRECTORY ${WORK_DIR}/src)

function(run)
  execute_process(COMMAND ${ARGV} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "command failed (${rc}): ${ARGV}\n${out}\n${err}")
  endif()
  set(last_output "${out}" PARENT_SCOPE)
endfunction()

run(${CMAKE_COMMAND} --install ${NNT_BINARY_DIR} --prefix ${WORK_DIR}/prefix)

file(READ ${NNT_SOURCE_DIR}/README.md readme)
string(REGEX MATCH "<!-- usage-example:begin -->[^`]*```cpp\n(.*)```[^`]*<!-- usage-example:end -->"
       found "${readme}")
if(NOT found)
  message(FATAL_ERROR "README.md: expected a ```cpp block between the usage-example markers, got none")
endif()
file(WRITE ${WORK_DIR}/src/main.cpp "${CMAKE_MATCH_1}")
string(REGEX MATCHALL "\n" lines "${CMAKE_MATCH_1}")
list(LENGTH lines line_count)
if(line_count GREATER 30)
  message(FATAL_ERROR "README.md usage example: expected at most 30 lines, got ${line_count}")
endif()
# README's MPI example, where nnt::mpi is built (MPIEXEC set): compiled against the installed
# nnt::mpi and run on 2 ranks.
if(MPIEXEC)
  string(REGEX MATCH "<!-- mpi-example:begin -->[^`]*```cpp\n(.*)```[^`]*<!-- mpi-example:end -->"
         found_mpi "${readme}")
  if(NOT found_mpi)
    message(FATAL_ERROR "README.md: expected a ```cpp block between the mpi-example markers, got none")
  endif()
  file(WRITE ${WORK_DIR}/src/mpi_example.cpp "${CMAKE_MATCH_1}")
endif()
configure_file(${NNT_SOURCE_DIR}/tests/consumer/CMakeLists.txt ${WORK_DIR}/src/CMakeLists.txt COPYONLY)

run(${CMAKE_COMMAND} -S ${WORK_DIR}/src -B ${WORK_DIR}/build -DCMAKE_BUILD_TYPE=Release
    -DCMAKE_CXX_COMPILER=${CXX_COMPILER} -DCMAKE_PREFIX_PATH=${WORK_DIR}/prefix)
run(${CMAKE_COMMAND} --build ${WORK_DIR}/build)
run(${WORK_DIR}/build/usage_example)
message(STATUS "usage example printed:\n${last_output}")
if(NOT last_output MATCHES "top Hessian eigenvalue [-0-9.e]+ \\(ok" OR NOT last_output MATCHES "error: X: expected 4 rows, got 3")
  message(FATAL_ERROR "usage example: expected a converged top eigenvalue and the X error, got:\n${last_output}")
endif()
if(MPIEXEC)
  if(NOT EXISTS ${WORK_DIR}/build/mpi_example)
    message(FATAL_ERROR "mpi example: expected the installed nntConfig to provide nnt::mpi, got no mpi_example")
  endif()
  run(${CMAKE_COMMAND} -E env OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
      OMPI_MCA_btl_vader_single_copy_mechanism=none OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1
      ${MPIEXEC} -np 2 --oversubscribe ${WORK_DIR}/build/mpi_example)
  message(STATUS "mpi example printed:\n${last_output}")
  if(NOT last_output MATCHES "ranks 2: exact ok, PCG ok after [0-9]+ iterations, \\|a_pcg - a_exact\\| / \\|a_exact\\| = [0-9.]+e-(09|1[0-9])")
    message(FATAL_ERROR "mpi example: expected both fits ok and agreeing to 1e-8, got:\n${last_output}")
  endif()
endif()
