# Runs Doxygen over the public headers without writing HTML and fails on any warning, so an
# undocumented public symbol or a malformed doc command breaks the test suite.
# -DDOXYGEN=<exe> -DDOXYFILE=<configured Doxyfile> -DWORK_DIR=<scratch directory>
file(REMOVE_RECURSE "${WORK_DIR}")
file(MAKE_DIRECTORY "${WORK_DIR}")
file(READ "${DOXYFILE}" config)
string(APPEND config "\nOUTPUT_DIRECTORY = ${WORK_DIR}\nWARN_LOGFILE = ${WORK_DIR}/warnings.txt\n"
                     "GENERATE_HTML = NO\nSOURCE_BROWSER = NO\n")
file(WRITE "${WORK_DIR}/Doxyfile" "${config}")
execute_process(COMMAND "${DOXYGEN}" "${WORK_DIR}/Doxyfile" WORKING_DIRECTORY "${WORK_DIR}"
                RESULT_VARIABLE rc OUTPUT_QUIET ERROR_VARIABLE stderr)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "doxygen failed (exit ${rc}):\n${stderr}")
endif()
file(READ "${WORK_DIR}/warnings.txt" warnings)
string(STRIP "${warnings}" warnings)
if(NOT warnings STREQUAL "")
  string(REGEX MATCHALL "\n" lines "${warnings}")
  list(LENGTH lines n)
  math(EXPR n "${n} + 1")
  message(FATAL_ERROR "${n} Doxygen warnings (document every public symbol):\n${warnings}")
endif()
message(STATUS "every public symbol is documented")
