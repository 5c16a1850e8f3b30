# Bad input: each gets a clear message naming what is wrong and a non-zero exit, no signal.
source "$(dirname "$0")/lib.sh"
printf 'func.func @f(%%a: tensor<2x2xf32>) -> tensor<2x2xf32> {\n  %%0 = "ttir.add"(%%a, %%a : (tensor<2x2xf32>) -> tensor<2x2xf32>\n  return %%0 : tensor<2x2xf32>\n}\n' > syntax.mlir
expect_exit 1 "syntax.mlir:2:" -- "$TTRT" compile syntax.mlir -o s.ttnn
printf 'func.func @f(%%a: tensor<2x2xf32>) -> tensor<2x2xf32> {\n  %%0 = "ttir.frobnicate"(%%a) : (tensor<2x2xf32>) -> tensor<2x2xf32>\n  return %%0 : tensor<2x2xf32>\n}\n' > unknown.mlir
expect_exit 1 "ttir.frobnicate" -- "$TTRT" compile unknown.mlir -o u.ttnn
expect_exit 1 "unknown.mlir:2:" -- "$TTRT" compile unknown.mlir -o u.ttnn
cat > indivisible.mlir <<'M'
func.func @f(%arg0: tensor<1x1x30x128xf32>) -> tensor<1x1x30x128xf32> {
  %0 = "ttir.mesh_shard"(%arg0) <{shard_dims = array<i64: 2, 3>, shard_direction = #ttcore.shard_direction<full_to_shard>, shard_shape = array<i64: 1, 1, 8, 4>, shard_type = #ttcore.shard_type<devices>}> : (tensor<1x1x30x128xf32>) -> tensor<1x1x4x32xf32>
  %1 = "ttir.mesh_shard"(%0) <{shard_dims = array<i64: 2, 3>, shard_direction = #ttcore.shard_direction<shard_to_full>, shard_shape = array<i64: 1, 1, 8, 4>, shard_type = #ttcore.shard_type<devices>}> : (tensor<1x1x4x32xf32>) -> tensor<1x1x30x128xf32>
  return %1 : tensor<1x1x30x128xf32>
}
M
expect_exit 1 "does not divide" -- "$TTRT" compile indivisible.mlir -o i.ttnn --mesh-shape 8,4
expect_exit 1 "invalid mesh shape" -- "$TTRT" compile indivisible.mlir -o i.ttnn --mesh-shape 8by4
expect_exit 1 "missing.mlir" -- "$TTRT" compile missing.mlir -o m.ttnn

"$TTRT" compile "$SRC/examples/mlir/two_programs.mlir" -o good.ttnn >/dev/null || fail "compile good"
head -c 200 good.ttnn > truncated.ttnn
head -c 4096 /dev/urandom > random.ttnn
expect_exit 1 "truncated" -- "$TTRT" read truncated.ttnn
expect_exit 1 "not a meshrt binary" -- "$TTRT" read random.ttnn
expect_exit 1 "cannot open" -- "$TTRT" run missing.ttnn
expect_exit 1 "out of range" -- "$TTRT" run good.ttnn --program-index 7
expect_exit 1 "'all' or a number" -- "$TTRT" run good.ttnn --program-index two
expect_exit 1 "" -- "$TTRT" run good.ttnn --loops 0

# The fuzzer's loader crash inputs (ttrt read/run of main at d33b9d4 died with SIGSEGV): a
# clear error and exit 1 from read, check and run, in one process and under mpirun.
crashes=0
for f in "$SRC"/tests/binary/data/loader_crashes/*; do
  expect_exit 1 "$(basename "$f"):" -- "$TTRT" read "$f"
  expect_exit 1 "$(basename "$f"):" -- "$TTRT" run "$f" --result-file crash_results.json
  expect_exit 1 "$(basename "$f"):" -- "$TTRT" check "$f" --result-file crash_check.json
  crashes=$((crashes + 1))
done
[ "$crashes" -eq 10 ] || fail "expected the 10 loader crash inputs, found $crashes"
expect_exit 1 "crash_intattr.ttnn: corrupted binary" -- "${MPIRUN[@]}" -np 2 "$TTRT" run \
  "$SRC/tests/binary/data/loader_crashes/crash_intattr.ttnn" --result-file crash_np2.json

# A directory with bad files still runs the good one; results keep every file.
mkdir dir && cp good.ttnn truncated.ttnn random.ttnn dir/
expect_exit 1 "1 passed, 2 failed" -- "$TTRT" run dir --result-file dir_results.json
/usr/bin/python3 - <<'P' || fail "run_results.json content"
import json
r = json.load(open("dir_results.json"))
by = {e["file_path"].split("/")[-1]: e for e in r}
assert by["good.ttnn"]["result"] == "pass", by["good.ttnn"]
assert by["random.ttnn"]["result"] == "error" and "not a meshrt binary" in by["random.ttnn"]["exception"]
assert by["truncated.ttnn"]["result"] == "error" and "truncated" in by["truncated.ttnn"]["exception"]
P
ok
finish
