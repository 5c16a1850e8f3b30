# Under mpirun -np 2 and -np 4 the examples pass and their saved outputs are byte-identical to
# the one-process run.
source "$(dirname "$0")/lib.sh"
E="$SRC/examples/mlir"
"$TTRT" compile "$E/all_gather_8x4.mlir" -o ag.ttnn --mesh-shape 8,4 >/dev/null || fail "compile ag"
"$TTRT" compile "$E/tp_linear_2x4.mlir" -o tp.ttnn >/dev/null || fail "compile tp"
"$TTRT" compile "$E/presharded_exp_1x2.mlir" -o pre.ttnn >/dev/null || fail "compile pre"
mkdir bins && cp ag.ttnn tp.ttnn pre.ttnn bins/
expect_exit 0 "3 passed, 0 failed" -- "$TTRT" run bins --save-artifacts --artifact-dir one
# -np 2: all three; -np 4: the 1x2 program cannot split over 4 ranks (a clear error for that
# binary, the others still pass).
expect_exit 0 "3 passed, 0 failed" -- "${MPIRUN[@]}" -np 2 "$TTRT" run bins --save-artifacts --artifact-dir np2 --result-file np2.json
expect_exit 1 "2 passed, 1 failed" -- "${MPIRUN[@]}" -np 4 "$TTRT" run bins --save-artifacts --artifact-dir np4 --result-file np4.json
grep -q "does not split evenly over 4 ranks" np4.json && ok || fail "np4.json lacks the split error"
# Through tt-run, which binds each rank to a core (BLAS then sees one core): still identical.
expect_exit 0 "3 passed, 0 failed" -- "$BIN/tt-run" --np 2 --timeout 120 -- "$TTRT" run bins --save-artifacts --artifact-dir ttrun2 --result-file ttrun2.json
for f in $(cd one && find . -name '*.npy' | sort); do
  cmp -s "one/$f" "ttrun2/$f" && ok || fail "tt-run np 2: $f differs from the one-process run"
done
for np in 2 4; do
  for f in $(cd one && find . -name '*.npy' | sort); do
    [ $np = 4 ] && [[ $f == ./pre.ttnn/* ]] && continue
    cmp -s "one/$f" "np$np/$f" && ok || fail "np $np: $f differs from the one-process run"
  done
done
expect_exit 0 "num_ranks" -- "${MPIRUN[@]}" -np 2 "$TTRT" query
expect_exit 1 "does not split" -- "${MPIRUN[@]}" -np 3 "$TTRT" run bins/tp.ttnn
finish
