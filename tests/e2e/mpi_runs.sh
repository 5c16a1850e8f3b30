# A directory mixing 1x1, 1x2, 2x4 and 8x4 binaries passes under mpirun -np 2, -np 3 and -np 4
# (a binary smaller than the job runs on the ranks that hold its chips), and every saved .npy
# is byte-identical to the one-process run.
source "$(dirname "$0")/lib.sh"
E="$SRC/examples/mlir"
"$TTRT" compile "$E/all_gather_8x4.mlir" -o ag.ttnn >/dev/null || fail "compile ag"
"$TTRT" compile "$E/tp_linear_2x4.mlir" -o tp.ttnn >/dev/null || fail "compile tp"
"$TTRT" compile "$E/presharded_exp_1x2.mlir" -o pre.ttnn >/dev/null || fail "compile pre"
"$TTRT" compile "$E/two_programs.mlir" -o two.ttnn >/dev/null || fail "compile two"
mkdir bins && cp ag.ttnn tp.ttnn pre.ttnn two.ttnn bins/
expect_exit 0 "4 passed, 0 failed" -- "$TTRT" run bins --save-artifacts --artifact-dir one
# 8x4: input, output, golden output; 2x4: 2 inputs, output, golden; 1x2: 2 input shards,
# output, golden; 1x1: program 1 with 2 inputs and program 2 with 1, each output and golden.
expected=18
found=$(cd one && find . -name '*.npy' | wc -l)
[ "$found" = "$expected" ] && ok || fail "one-process run saved $found .npy files, expected $expected"
compare() {  # compare DIR: every .npy of the one-process run, byte for byte
  local n=0 f
  for f in $(cd one && find . -name '*.npy' | sort); do
    cmp -s "one/$f" "$1/$f" || fail "$1: $f differs from the one-process run"
    n=$((n + 1))
  done
  [ "$n" = "$expected" ] && ok || fail "$1: compared $n artifacts, expected $expected"
}
for np in 2 3 4; do
  expect_exit 0 "4 passed, 0 failed" -- "${MPIRUN[@]}" -np $np "$TTRT" run bins --save-artifacts \
    --artifact-dir np$np --result-file np$np.json
  compare np$np
done
# Through tt-run, which binds each rank to a core (BLAS then sees one core): still identical.
expect_exit 0 "4 passed, 0 failed" -- "$BIN/tt-run" --np 2 --timeout 120 -- "$TTRT" run bins \
  --save-artifacts --artifact-dir ttrun2 --result-file ttrun2.json
compare ttrun2
# --log-file: every rank logs what it did, rank 0 into the file, rank N into FILE.rank<N>.
expect_exit 0 "4 passed" -- "${MPIRUN[@]}" -np 2 "$TTRT" run bins --log-file mpi.log --result-file log.json
grep -q "evaluating binary=bins/two.ttnn" mpi.log && ok || fail "mpi.log lacks rank 0's lines"
grep -q "\[rank 1\] info rank 1 executes command .* 'submit'" mpi.log.rank1 && ok ||
  fail "mpi.log.rank1 lacks rank 1's lines: $(head -3 mpi.log.rank1)"
# Who ran what: the 1x1 binary on rank 0 alone, the 8x4 over all four ranks.
expect_exit 0 "num_ranks" -- "${MPIRUN[@]}" -np 4 "$TTRT" query --result-file q4.json
/usr/bin/python3 - <<'P' && ok || fail "query under 4 ranks"
import json
q = json.load(open("q4.json"))[0]
assert q["result"] == "pass", q
ranks = q["meshrt"]["ranks"]
assert [len(r["chips"]) for r in ranks] == [8, 8, 8, 8], ranks
assert sorted(c["device_id"] for r in ranks for c in r["chips"]) == list(range(32))
P
finish
