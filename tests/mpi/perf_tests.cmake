# `ttrt perf` under a real `mpirun -np 2` on the 8x4 all_gather example (examples/mlir): the
# CSV rank 0 writes must hold a row per chip per op (32 chips x 3 ops) from both ranks.
# Three steps chained by fixtures: compile, run under mpirun, check the CSV.
set(perf_dir ${CMAKE_CURRENT_BINARY_DIR}/perf_np2)
add_test(NAME mpi_perf_np2_compile
  COMMAND $<TARGET_FILE:ttrt> compile ${CMAKE_SOURCE_DIR}/examples/mlir/all_gather_8x4.mlir
          -o ${perf_dir}/ag.ttnn --mesh-shape 8,4)
set_tests_properties(mpi_perf_np2_compile PROPERTIES FIXTURES_SETUP mpi_perf_binary LABELS mpi)
meshrt_add_mpi_test(NAME mpi_perf_np2 NP 2 TIMEOUT 120
  OUTPUT_MATCHES "perf artifacts" "1 passed, 0 failed"
  COMMAND $<TARGET_FILE:ttrt> perf ${perf_dir}/ag.ttnn --clean-artifacts
          --artifact-dir ${perf_dir}/arts --result-file ${perf_dir}/perf_results.json)
set_tests_properties(mpi_perf_np2 PROPERTIES FIXTURES_REQUIRED mpi_perf_binary
  FIXTURES_SETUP mpi_perf_csv)
add_test(NAME mpi_perf_np2_csv
  COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/check_perf_csv.sh
          ${perf_dir}/arts/ag.ttnn/perf/ops_perf_results.csv 32 3 2)
set_tests_properties(mpi_perf_np2_csv PROPERTIES FIXTURES_REQUIRED mpi_perf_csv LABELS mpi)
