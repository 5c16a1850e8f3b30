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
expect_exit 1 "--program-index 7 is out of range: the binary has 3 program(s)" -- "$TTRT" run good.ttnn --program-index 7 --result-file skip.json
/usr/bin/python3 -c "
import json; e = json.load(open('skip.json'))[0]
assert e['result'] == 'skip' and 'out of range' in e['exception'], e" && ok || fail "skip entry"
expect_exit 1 "--program-index must be 'all' or a program number (0, 1, ...), got 'two'" -- "$TTRT" run good.ttnn --program-index two
expect_exit 1 "got '-1'" -- "$TTRT" run good.ttnn --program-index -1
expect_exit 1 "--loops 0: nothing to run" -- "$TTRT" run good.ttnn --loops 0
expect_exit 1 "--ones-density 0" -- "$TTRT" run good.ttnn --ones-density 0
expect_exit 1 "--fabric-config 'ring' is not one of" -- "$TTRT" run good.ttnn --fabric-config ring
expect_exit 1 "--dirty-tensor-schedule: entry '0-1' has no ':'" -- "$TTRT" run good.ttnn --dirty-tensor-schedule 0-1
expect_exit 1 "--dirty-tensor-schedule: entry '0:x' needs two non-negative integers" -- "$TTRT" run good.ttnn --dirty-tensor-schedule 1:2,0:x
expect_exit 1 "--inject-fault 'nope': no op of good.ttnn has that loc" -- "$TTRT" run good.ttnn --inject-fault nope
expect_exit 1 "--filter 'consteval': unknown op kind" -- "$TTRT" perf good.ttnn --filter consteval --artifact-dir perf_arts

# Paths that cannot be written are refused before anything runs, naming the flag and the
# cause; nothing is written (no result file, no log file, no directory created).
mkdir ro && chattr +i ro 2>/dev/null; ro_ok=$?
check_refused() {  # check_refused NEEDLE -- command...
  local needle="$1"; shift 2
  rm -f refused.json
  expect_exit 1 "$needle" -- "$@" --result-file refused.json
  [ ! -e refused.json ] && ok || fail "'$*' wrote a result file although it was refused"
}
check_refused "--log-file nodir/x.log: directory" -- "$TTRT" run good.ttnn --log-file nodir/x.log
[ ! -e nodir ] && ok || fail "a refused --log-file created its directory"
check_refused "--log-file $PWD: is a directory" -- "$TTRT" run good.ttnn --log-file "$PWD"
check_refused "--artifact-dir good.ttnn: exists and is not a directory" -- "$TTRT" run good.ttnn --save-artifacts --artifact-dir good.ttnn
check_refused "--artifact-dir /proc/meshrt-arts: cannot create it" -- "$TTRT" perf good.ttnn --artifact-dir /proc/meshrt-arts
expect_exit 1 "--result-file /proc/meshrt.json: cannot write in /proc" -- "$TTRT" run good.ttnn --result-file /proc/meshrt.json
expect_exit 1 "--result-file $PWD: is a directory" -- "$TTRT" query --result-file "$PWD"
expect_exit 1 "--result-file nodir/r.json: directory" -- "$TTRT" read good.ttnn --result-file nodir/r.json
if [ "$ro_ok" = 0 ]; then
  check_refused "cannot write in" -- "$TTRT" run good.ttnn --log-file ro/x.log
  chattr -i ro
fi
# A .ttsys works wherever a cluster JSON does (told apart by content).
expect_exit 0 "system_desc_path" -- "$TTRT" query --save-artifacts --artifact-dir q --cluster "$SRC/configs/clusters/t3k.json"
expect_exit 0 "1 passed" -- "$TTRT" run good.ttnn --program-index 1 --cluster q/system_desc.ttsys --result-file ttsys.json
grep -q '"cluster": "t3k"' ttsys.json && ok || fail "the run did not use the .ttsys's t3k"
expect_exit 0 "pass: good.ttnn on q/system_desc.ttsys" -- "$TTRT" check good.ttnn --cluster q/system_desc.ttsys
expect_exit 1 "good.ttnn: a meshrt program binary (.ttnn), not a cluster description" -- "$TTRT" run good.ttnn --cluster good.ttnn
expect_exit 1 "random.ttnn: not a cluster description" -- "$TTRT" query --cluster random.ttnn
# --gdb: the same command under gdb, or a clear error where there is no gdb.
expect_exit 1 "ttrt --gdb: gdb is not installed" -- env PATH=/nonexistent "$TTRT" --gdb query
# (not under a sanitizer: LeakSanitizer cannot run under ptrace)
if command -v gdb >/dev/null && [ -z "${MESHRT_SANITIZER:-}" ]; then
  expect_exit 0 "exited normally" -- bash -c "echo run | '$TTRT' --gdb query --quiet --result-file gdb.json"
  [ -s gdb.json ] && ok || fail "ttrt --gdb query wrote no result file"
fi
# Progress lines never reach a log: no escape codes when stderr is not a terminal.
"$TTRT" run good.ttnn good.ttnn --loops 2 > progress.log 2>&1
! grep -q $'\033' progress.log && ok || fail "escape codes in redirected output"

# The fuzzer's loader crash inputs (ttrt read/run of main at d33b9d4 died with SIGSEGV): a
# clear error and exit 1 from read, check and run, in one process and under mpirun. They were
# written by an older schema: --ignore-version takes them past the schema check to the loader.
crashes=0
for f in "$SRC"/tests/binary/data/loader_crashes/*; do
  expect_exit 1 "$(basename "$f"): corrupted binary" -- "$TTRT" read "$f" --ignore-version
  expect_exit 1 "$(basename "$f"): corrupted binary" -- "$TTRT" run "$f" --ignore-version \
    --result-file crash_results.json
  expect_exit 1 "$(basename "$f"): corrupted binary" -- "$TTRT" check "$f" --ignore-version \
    --result-file crash_check.json
  crashes=$((crashes + 1))
done
[ "$crashes" -eq 10 ] || fail "expected the 10 loader crash inputs, found $crashes"
expect_exit 1 "crash_intattr.ttnn: corrupted binary" -- "${MPIRUN[@]}" -np 2 "$TTRT" run \
  "$SRC/tests/binary/data/loader_crashes/crash_intattr.ttnn" --ignore-version \
  --result-file crash_np2.json

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
