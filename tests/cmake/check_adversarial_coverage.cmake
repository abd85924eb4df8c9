cmake_minimum_required(VERSION 3.25)
# Fails unless every public function of include/nnt — free functions of nnt and its public
# namespaces, members of its public classes, as Doxygen's index lists them (detail/ excluded,
# operators and destructors skipped) — is called by name somewhere in tests/adversarial/*.cpp
# (or tests/adversarial/{mpi,hdf5}/*.cpp, the cases of nnt/distributed/ and nnt/hdf5/, built with
# MPI or HDF5), or is listed in
# tests/adversarial/no_hostile_input.txt as "qualified::name | why it takes no input to attack".
# A stale list entry (no longer a public function, or now covered by the suite) fails too.
# -DDOXYGEN=<exe> -DDOXYFILE=<configured Doxyfile> -DWORK_DIR=<scratch> -DSUITE_DIR=<tests/adversarial>
file(REMOVE_RECURSE "${WORK_DIR}")
file(MAKE_DIRECTORY "${WORK_DIR}")
file(READ "${DOXYFILE}" config)
string(APPEND config "\nOUTPUT_DIRECTORY = ${WORK_DIR}\nWARN_LOGFILE = ${WORK_DIR}/warnings.txt\n"
                     "GENERATE_HTML = NO\nGENERATE_XML = YES\nXML_PROGRAMLISTING = NO\n"
                     "SOURCE_BROWSER = NO\nQUIET = YES\n")
file(WRITE "${WORK_DIR}/Doxyfile" "${config}")
execute_process(COMMAND "${DOXYGEN}" "${WORK_DIR}/Doxyfile" WORKING_DIRECTORY "${WORK_DIR}"
                RESULT_VARIABLE rc OUTPUT_QUIET ERROR_VARIABLE stderr)
if(NOT rc EQUAL 0 OR NOT EXISTS "${WORK_DIR}/xml/index.xml")
  message(FATAL_ERROR "doxygen failed (exit ${rc}):\n${stderr}")
endif()

# The index lists private members too: collect their ids from the class files to skip them.
file(GLOB class_files "${WORK_DIR}/xml/class*.xml" "${WORK_DIR}/xml/struct*.xml")
set(hidden)
foreach(f IN LISTS class_files)
  file(STRINGS "${f}" defs REGEX "<memberdef kind=\"function\" id=\"[^\"]*\" prot=\"(private|protected)\"")
  foreach(d IN LISTS defs)
    if(d MATCHES "id=\"([^\"]*)\"")
      list(APPEND hidden "${CMAKE_MATCH_1}")
    endif()
  endforeach()
endforeach()

# index.xml holds one <compound …><name>…</name> line per class/namespace/file and one
# <member … kind="function"><name>…</name></member> line per function under it.
file(STRINGS "${WORK_DIR}/xml/index.xml" lines)
set(functions)
set(compound "")
foreach(line IN LISTS lines)
  if(line MATCHES "<compound refid=\"[^\"]*\" kind=\"([a-z]+)\"><name>([^<]*)</name>")
    set(kind "${CMAKE_MATCH_1}")
    set(compound "${CMAKE_MATCH_2}")
    if(kind STREQUAL "file" OR kind STREQUAL "dir" OR kind STREQUAL "page")
      set(compound "nnt")  # a file's free functions are also listed under their namespace
    endif()
  elseif(line MATCHES "<member refid=\"([^\"]*)\" kind=\"function\"><name>([^<]*)</name>")
    set(id "${CMAKE_MATCH_1}")
    set(name "${CMAKE_MATCH_2}")
    # Operators are skipped, and destructors, which take no input.
    if(name MATCHES "^operator" OR name MATCHES "^~" OR compound MATCHES "(^|::)detail(::|$)" OR id IN_LIST hidden)
      continue()
    endif()
    list(APPEND functions "${compound}::${name}")
  endif()
endforeach()
list(REMOVE_DUPLICATES functions)
list(LENGTH functions n_functions)
if(n_functions LESS 100)
  message(FATAL_ERROR "expected the index to list hundreds of public functions, got ${n_functions}")
endif()

file(GLOB suite_files "${SUITE_DIR}/*.cpp" "${SUITE_DIR}/mpi/*.cpp" "${SUITE_DIR}/hdf5/*.cpp")
set(suite "")
foreach(f IN LISTS suite_files)
  file(READ "${f}" text)
  string(APPEND suite "\n${text}")
endforeach()

file(STRINGS "${SUITE_DIR}/no_hostile_input.txt" exempt_lines REGEX "^[^#]")
set(exempt)
set(problems)
foreach(line IN LISTS exempt_lines)
  if(NOT line MATCHES "^([A-Za-z0-9_:]+) +\\| +(.+)$")
    list(APPEND problems "no_hostile_input.txt: expected 'qualified::name | reason', got '${line}'")
    continue()
  endif()
  list(APPEND exempt "${CMAKE_MATCH_1}")
endforeach()

set(uncovered)
set(covered_exempt)
foreach(f IN LISTS functions)
  string(REGEX REPLACE "^.*::" "" name "${f}")
  # Called by name: member access, qualified, or plain, followed by ( or <.
  string(REGEX MATCH "[^A-Za-z0-9_]${name}[ \n]*[(<]" hit "${suite}")
  if(f IN_LIST exempt)
    if(hit)
      list(APPEND covered_exempt "${f}")
    endif()
  elseif(NOT hit)
    list(APPEND uncovered "${f}")
  endif()
endforeach()
foreach(e IN LISTS exempt)
  if(NOT e IN_LIST functions)
    list(APPEND problems "no_hostile_input.txt lists ${e}, which is not a public function")
  endif()
endforeach()
if(covered_exempt)
  list(JOIN covered_exempt ", " text)
  list(APPEND problems "no_hostile_input.txt lists functions the suite calls (drop them): ${text}")
endif()
if(uncovered)
  list(LENGTH uncovered n)
  list(JOIN uncovered "\n  " text)
  list(APPEND problems "${n} public functions are not called by tests/adversarial (add a hostile "
                       "case, or list them with a reason in no_hostile_input.txt):\n  ${text}")
endif()
if(problems)
  list(JOIN problems "\n" text)
  message(FATAL_ERROR "${text}")
endif()
list(LENGTH exempt n_exempt)
message(STATUS "${n_functions} public functions: every one is called by tests/adversarial "
               "(${n_exempt} listed as taking no input to attack)")
