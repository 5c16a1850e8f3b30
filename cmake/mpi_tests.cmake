# Tier 3 tests: commands run under a real `mpirun -np N` on this machine.
#
# meshrt_add_mpi_test(NAME name NP n
#                     [TIMEOUT seconds]            (default 120; the command is killed after it)
#                     [MPI_ARGS arg...]            (extra mpirun options)
#                     [ENVIRONMENT VAR=value...]   (set for mpirun and so for every rank)
#                     [EXPECT_FAILURE]             (pass only if mpirun exits non-zero, not by timeout)
#                     [OUTPUT_MATCHES regex...]    (each extended regex must match the output)
#                     [LABELS label...]
#                     COMMAND exe args...)
# COMMAND may be any program (a gtest main, bin/ttrt, a script) and may use generator
# expressions such as $<TARGET_FILE:target>. mpirun gets --oversubscribe, --bind-to none and the
# shared-memory transports (--mca btl self,vader --mca oob_tcp_if_include lo), runs as root
# (OMPI_ALLOW_RUN_AS_ROOT*), and is wrapped by cmake/run_checked_test.sh, which enforces TIMEOUT
# with timeout(1) (exit 124, process group killed) below the CTest TIMEOUT belt.
#
# meshrt_add_checked_test(NAME name [TIMEOUT s] [EXPECT_FAILURE] [OUTPUT_MATCHES re...]
#                         [LABELS l...] COMMAND exe args...)
# The same wrapper for a command without mpirun: exit status and output are both checked.
#
# meshrt_timeout(VAR seconds): VAR = seconds * MESHRT_TEST_TIMEOUT_SCALE (4 in sanitizer
# builds), for time limits set outside these functions. Both functions scale TIMEOUT.
find_program(MESHRT_MPIRUN NAMES ${MPIEXEC_EXECUTABLE} mpirun mpiexec REQUIRED)
set(MESHRT_CHECKED_TEST_RUNNER ${CMAKE_CURRENT_LIST_DIR}/run_checked_test.sh)
set(MESHRT_MPIRUN_LOCAL_ARGS --oversubscribe --bind-to none --mca btl self,vader
    --mca oob_tcp_if_include lo)

function(meshrt_timeout var seconds)
  set(scale 1)
  if(MESHRT_TEST_TIMEOUT_SCALE)
    set(scale ${MESHRT_TEST_TIMEOUT_SCALE})
  endif()
  math(EXPR scaled "${seconds} * ${scale}")
  set(${var} ${scaled} PARENT_SCOPE)
endfunction()

function(meshrt_add_checked_test)
  cmake_parse_arguments(ARG "EXPECT_FAILURE" "NAME;TIMEOUT"
                        "OUTPUT_MATCHES;LABELS;ENVIRONMENT;COMMAND" ${ARGN})
  if(NOT ARG_NAME OR NOT ARG_COMMAND)
    message(FATAL_ERROR "meshrt_add_checked_test needs NAME and COMMAND")
  endif()
  if(NOT ARG_TIMEOUT)
    set(ARG_TIMEOUT 120)
  endif()
  meshrt_timeout(ARG_TIMEOUT ${ARG_TIMEOUT})
  set(expect pass)
  if(ARG_EXPECT_FAILURE)
    set(expect fail)
  endif()
  set(match_args)
  foreach(re IN LISTS ARG_OUTPUT_MATCHES)
    list(APPEND match_args --match ${re})
  endforeach()
  add_test(NAME ${ARG_NAME}
    COMMAND bash ${MESHRT_CHECKED_TEST_RUNNER} --expect ${expect} --timeout ${ARG_TIMEOUT}
            ${match_args} -- ${ARG_COMMAND})
  math(EXPR belt "${ARG_TIMEOUT} + 30")
  set_tests_properties(${ARG_NAME} PROPERTIES TIMEOUT ${belt} LABELS "${ARG_LABELS}"
    ENVIRONMENT "${ARG_ENVIRONMENT}")
endfunction()

function(meshrt_add_mpi_test)
  cmake_parse_arguments(ARG "EXPECT_FAILURE" "NAME;NP;TIMEOUT"
                        "MPI_ARGS;ENVIRONMENT;OUTPUT_MATCHES;LABELS;COMMAND" ${ARGN})
  if(NOT ARG_NAME OR NOT ARG_NP OR NOT ARG_COMMAND)
    message(FATAL_ERROR "meshrt_add_mpi_test needs NAME, NP and COMMAND")
  endif()
  set(failure)
  if(ARG_EXPECT_FAILURE)
    set(failure EXPECT_FAILURE)
  endif()
  meshrt_add_checked_test(NAME ${ARG_NAME} TIMEOUT ${ARG_TIMEOUT} ${failure}
    OUTPUT_MATCHES ${ARG_OUTPUT_MATCHES} LABELS mpi ${ARG_LABELS}
    ENVIRONMENT OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 ${ARG_ENVIRONMENT}
    COMMAND ${MESHRT_MPIRUN} -np ${ARG_NP} ${MESHRT_MPIRUN_LOCAL_ARGS} ${ARG_MPI_ARGS}
            ${ARG_COMMAND})
  set_tests_properties(${ARG_NAME} PROPERTIES PROCESSORS ${ARG_NP})
endfunction()
