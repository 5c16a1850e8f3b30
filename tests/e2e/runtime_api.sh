#!/usr/bin/env bash
# ttrt run through the runtime API, in one process and under mpirun -np 2:
#   --data-parallel on a galaxy (4 sub-meshes of 2x4, distinct seeds, each passing, run
#   concurrently; `ttrt perf --data-parallel` writes perf reports per sub-mesh), a 1x8
#   program on the t3k (reshaped along its links), a 1x16 program on it (a clear error), outputs
#   identical to the one-process run, --debugger fed from stdin, and a worker that stops
#   answering mid-directory (stopped): the job ends within 10 s naming rank 1 and its host, with
#   earlier results kept.
# Usage: runtime_api.sh TTRT SOURCE_DIR
set -u
ttrt=$1
src=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
mpi=(mpirun --oversubscribe --bind-to none --mca btl self,vader --mca oob_tcp_if_include lo)
fail() { echo "FAILED: $*"; exit 1; }

# mesh_shard over both axes -> all_gather on axis 1 -> add -> shard_to_full, on a RxC mesh.
program() {
  local r=$1 c=$2 h=$(($1 * 2)) w=$(($2 * 4))
  cat > "gather_add_${r}x${c}.mlir" <<MLIR
func.func @gather_add(%arg0: tensor<1x1x${h}x${w}xf32>) -> tensor<1x1x${h}x${w}xf32> {
  %0 = "ttir.mesh_shard"(%arg0) <{shard_dims = array<i64: 2, 3>, shard_direction = #ttcore.shard_direction<full_to_shard>, shard_shape = array<i64: 1, 1, ${r}, ${c}>, shard_type = #ttcore.shard_type<devices>}> : (tensor<1x1x${h}x${w}xf32>) -> tensor<1x1x2x4xf32> loc("shard")
  %1 = "ttir.all_gather"(%0) <{all_gather_dim = 3 : si32, cluster_axis = 1 : ui32}> : (tensor<1x1x2x4xf32>) -> tensor<1x1x2x${w}xf32> loc("gather")
  %2 = "ttir.add"(%1, %1) : (tensor<1x1x2x${w}xf32>, tensor<1x1x2x${w}xf32>) -> tensor<1x1x2x${w}xf32> loc("add")
  %3 = "ttir.mesh_shard"(%2) <{shard_dims = array<i64: 2, -1>, shard_direction = #ttcore.shard_direction<shard_to_full>, shard_shape = array<i64: 1, 1, ${r}, 1>, shard_type = #ttcore.shard_type<devices>}> : (tensor<1x1x2x${w}xf32>) -> tensor<1x1x${h}x${w}xf32> loc("full")
  return %3 : tensor<1x1x${h}x${w}xf32>
}
MLIR
  "$ttrt" compile "gather_add_${r}x${c}.mlir" --mesh-shape "${r}x${c}" -o "gather_add_${r}x${c}.ttnn" > /dev/null ||
    fail "compile ${r}x${c}"
}
program 2 4
program 1 8
program 1 16
t3k=$src/configs/clusters/t3k.json
galaxy=$src/configs/clusters/galaxy.json

# 1. --data-parallel on a galaxy over 2 ranks: 4 sub-meshes, distinct seeds, all pass.
"${mpi[@]}" -np 2 "$ttrt" run gather_add_2x4.ttnn --data-parallel --cluster "$galaxy" \
  --artifact-dir dp --result-file dp.json --save-artifacts > dp.log 2>&1 || { cat dp.log; fail "data-parallel run"; }
python3 - <<'PY' || fail "data-parallel results"
import json, os
r = json.load(open("dp.json"))[0]
p = r["meshrt"]["programs"]["program_index_0"]
assert r["result"] == "pass", r
subs = p["submeshes"]
assert p["submesh_count"] == 4 and len(subs) == 4, p
assert len({s["seed"] for s in subs}) == 4, subs
assert all(s["result"] == "pass" and s["golden"]["checked"] > 0 for s in subs), subs
assert sorted(i for s in subs for i in s["device_ids"]) == list(range(32)), subs
inputs = [open(f"dp/gather_add_2x4.ttnn/run/submesh_{k}/program_0/input_0.npy", "rb").read() for k in range(4)]
assert len(set(inputs)) == 4, "sub-meshes got identical inputs"
assert p["wall_seconds"] > 0 and p["run_seconds"] > 0 and p["modelled_device_ns"] > 0, p
PY
grep -q "data-parallel: 4 sub-meshes of 2x4 ran concurrently" dp.log || { cat dp.log; fail "data-parallel summary line"; }

# 1b. ttrt perf --data-parallel, 2 loops: one ops_perf_results.csv per sub-mesh, 4 ops x 8 chips
# x 2 loops rows each.
"${mpi[@]}" -np 2 "$ttrt" perf gather_add_2x4.ttnn --data-parallel --loops 2 --cluster "$galaxy" \
  --artifact-dir dpperf --result-file dpperf.json > dpperf.log 2>&1 || { cat dpperf.log; fail "perf --data-parallel"; }
for k in 0 1 2 3; do
  csv=dpperf/gather_add_2x4.ttnn/perf/submesh_$k/ops_perf_results.csv
  [ "$(wc -l < "$csv")" = 65 ] || { head -3 "$csv"; fail "$csv: expected 64 rows"; }
  [ -s "dpperf/gather_add_2x4.ttnn/perf/submesh_$k/trace.json" ] || fail "no trace for sub-mesh $k"
done

# 2. A 1x8 program runs on the t3k (2x4 reshaped to a ring), also over 2 ranks; a 1x16 fails.
"$ttrt" run gather_add_1x8.ttnn --cluster "$t3k" --artifact-dir one --save-artifacts \
  --result-file one.json > line.log 2>&1 || { cat line.log; fail "1x8 on t3k"; }
"${mpi[@]}" -np 2 "$ttrt" run gather_add_1x8.ttnn --cluster "$t3k" --artifact-dir two \
  --save-artifacts --result-file two.json > line2.log 2>&1 || { cat line2.log; fail "1x8 on t3k, 2 ranks"; }
compared=0
for f in one/gather_add_1x8.ttnn/run/program_0/*.npy; do
  cmp -s "$f" "two/gather_add_1x8.ttnn/run/program_0/$(basename "$f")" || fail "outputs differ: $f"
  compared=$((compared + 1))
done
[ "$compared" = 3 ] || fail "compared $compared 1x8 artifacts, expected 3 (input, output, golden)"
"$ttrt" run gather_add_1x16.ttnn --cluster "$t3k" --result-file big.json > big.log 2>&1 && fail "1x16 on t3k ran"
grep -q "needs a 1x16 mesh (16 chips) but cluster 't3k' has 8 chips" big.log || { cat big.log; fail "1x16 message"; }

# 3. --debugger: step, print an output with its golden comparison, continue at end of input.
printf 'n\np 0\nbogus\nc\n' | "$ttrt" run gather_add_2x4.ttnn --debugger --result-file dbg.json > dbg.log 2>&1 ||
  { cat dbg.log; fail "debugger run"; }
grep -q "after op shard" dbg.log && grep -q "after op gather" dbg.log || { cat dbg.log; fail "debugger steps"; }
grep -Eq "output 0 device 7: 1x1x2x16 f32 .*golden: pcc 1.0+ allclose true PASS" dbg.log || { cat dbg.log; fail "debugger print"; }
grep -q "after op add" dbg.log && fail "debugger stopped after continue"
printf 'q\n' | "$ttrt" run gather_add_2x4.ttnn --debugger --result-file dbgq.json > dbgq.log 2>&1 &&
  fail "debugger quit should fail the run"
grep -q "debugger: quit" dbgq.json || fail "quit not reported"

# 4. A worker that stops answering (SIGSTOP) after the first binary of a directory: the job
#    ends within 10 s naming rank 1 and its host, the first binary's result is kept, and no
#    process is left.
mkdir dir
for i in 0 1 2 3 4 5; do cp gather_add_2x4.ttnn "dir/b$i.ttnn"; done
"${mpi[@]}" -np 2 "$ttrt" run dir --loops 30 --result-file dead.json > dead.log 2>&1 &
job=$!
for _ in $(seq 1 600); do grep -q "^PASS" dead.log 2>/dev/null && break; sleep 0.1; done
victim=""
for pid in $(pgrep -f "$ttrt run dir"); do
  if tr '\0' '\n' < /proc/$pid/environ 2>/dev/null | grep -qx 'OMPI_COMM_WORLD_RANK=1'; then victim=$pid; fi
done
[ -n "$victim" ] || fail "rank 1 not found"
start=$(date +%s.%N)
kill -STOP "$victim"
wait "$job" && fail "stopped worker: job succeeded"
took=$(/usr/bin/python3 -c "import time; print(round(time.time() - $start, 1))")
limit=$((10 * ${TTRT_TIMEOUT_SCALE:-1}))  # the sanitizers scale every time limit
/usr/bin/python3 -c "import sys; sys.exit(0 if $took <= $limit else 1)" || fail "stopped worker: took ${took}s"
grep -q "rank 1 on host $(hostname) stopped answering" dead.log || { cat dead.log; fail "stopped worker not named"; }
python3 - <<'PY' || fail "stopped worker results"
import json
r = json.load(open("dead.json"))
assert r[0]["file_path"].endswith("b0.ttnn") and r[0]["result"] == "pass", r
bad = [x for x in r if x["result"] == "error"]
assert bad and "rank 1 on host" in bad[0]["exception"], r
PY
sleep 1
pgrep -f "$ttrt run dir" > /dev/null && fail "processes left behind"
echo "runtime_api e2e: all passed (dead worker reported after ${took}s)"
