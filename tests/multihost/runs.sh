# Programs across namespace hosts (one rank per host, OpenMPI over TCP, the work directory on
# the first host only) give byte-identical outputs to one process: the 8x4 all_gather, the 2x4
# tensor-parallel linear, a 1x8 program on the t3k (a reshaped ring), a data-parallel run of
# 2x4 sub-meshes on the galaxy, and the mixture-of-experts dispatch and combine on 2x4 meshes
# (rows routed between the chips of rings that span hosts). Usage: runs.sh TTRT SOURCE_DIR NAME
# NHOSTS
source "$(dirname "$0")/lib.sh"
N=$4
E="$SRC/examples/mlir"
t3k="$SRC/configs/clusters/t3k.json"
galaxy="$SRC/configs/clusters/galaxy.json"
"$TTRT" compile "$E/all_gather_8x4.mlir" -o ag.ttnn >/dev/null || fail "compile ag"
"$TTRT" compile "$E/tp_linear_2x4.mlir" -o tp.ttnn >/dev/null || fail "compile tp"
# mesh_shard -> all_gather -> add -> shard_to_full on a 1x8 mesh.
cat > line.mlir <<'MLIR'
func.func @line(%arg0: tensor<1x1x2x32xf32>) -> tensor<1x1x2x32xf32> {
  %0 = "ttir.mesh_shard"(%arg0) <{shard_dims = array<i64: 2, 3>, shard_direction = #ttcore.shard_direction<full_to_shard>, shard_shape = array<i64: 1, 1, 1, 8>, shard_type = #ttcore.shard_type<devices>}> : (tensor<1x1x2x32xf32>) -> tensor<1x1x2x4xf32> loc("shard")
  %1 = "ttir.all_gather"(%0) <{all_gather_dim = 3 : si32, cluster_axis = 1 : ui32}> : (tensor<1x1x2x4xf32>) -> tensor<1x1x2x32xf32> loc("gather")
  %2 = "ttir.add"(%1, %1) : (tensor<1x1x2x32xf32>, tensor<1x1x2x32xf32>) -> tensor<1x1x2x32xf32> loc("add")
  %3 = "ttir.mesh_shard"(%2) <{shard_dims = array<i64: 2, -1>, shard_direction = #ttcore.shard_direction<shard_to_full>, shard_shape = array<i64: 1, 1, 1, 1>, shard_type = #ttcore.shard_type<devices>}> : (tensor<1x1x2x32xf32>) -> tensor<1x1x2x32xf32> loc("full")
  return %3 : tensor<1x1x2x32xf32>
}
MLIR
"$TTRT" compile line.mlir --mesh-shape 1x8 -o line.ttnn >/dev/null || fail "compile 1x8"
for moe in dispatch combine; do
  "$TTRT" compile "$SRC/tests/conformance/programs/all_to_all_$moe.rings.mlir" --mesh-shape 2x4 \
    -o "moe_$moe.ttnn" >/dev/null || fail "compile moe $moe"
done
# case NAME ARGS...: one process, then across the hosts; every saved .npy byte for byte.
check_case() {
  local name=$1; shift
  "$TTRT" run "$@" --save-artifacts --artifact-dir "one_$name" --result-file "one_$name.json" \
    > "one_$name.log" 2>&1 || { fail "$name: one process: $(tail -3 "one_$name.log")"; return; }
  tt_run "$N" "$TTRT" run "$@" --save-artifacts --artifact-dir "h_$name" \
    --result-file "h_$name.json" > "h_$name.log" 2>&1 ||
    { fail "$name on $N hosts: $(tail -5 "h_$name.log")"; return; }
  ok
  local n=0 f
  for f in $(cd "one_$name" && find . -name '*.npy' | sort); do
    cmp -s "one_$name/$f" "h_$name/$f" || fail "$name on $N hosts: $f differs from one process"
    n=$((n + 1))
  done
  [ "$n" -ge 2 ] && ok || fail "$name: only $n artifacts compared"
  /usr/bin/python3 - "h_$name.json" "$N" <<'P' && ok || fail "$name: results"
import json, sys
r = json.load(open(sys.argv[1]))
assert r and all(x["result"] == "pass" for x in r), r
P
  echo "$name on $N hosts: $n artifacts identical"
}
# Bad input: a directory to hide that does not exist is refused, naming it, and nothing is made.
expect_exit 1 "--hide $WORK/missing: not a directory" -- "$HOSTS" up 2 --name "${NAME}x" --hide "$WORK/missing"
ip netns list | grep -q "^${NAME}x" && fail "a refused 'hosts up' left namespaces" || ok
hosts_up "$N"
# Each host answers with its own name, and the work directory is not on the others.
[ "$(on_host 1 hostname)" = "${NAME}1" ] && ok || fail "host 1's hostname"
on_host 1 test -e "$WORK/ag.ttnn" && fail "the work directory is visible on host 1" || ok
check_case ag8x4 ag.ttnn
check_case tp2x4 tp.ttnn
check_case line1x8 line.ttnn --cluster "$t3k"
check_case dp2x4 tp.ttnn --data-parallel --cluster "$galaxy"
check_case moe_dispatch2x4 moe_dispatch.ttnn
check_case moe_combine2x4 moe_combine.ttnn
# The ranks really ran on the hosts: query lists one rank per host.
tt_run "$N" "$TTRT" query --result-file q.json > q.log 2>&1 || fail "query: $(tail -3 q.log)"
/usr/bin/python3 - "$N" "$NAME" <<'P' && ok || fail "query over hosts"
import json, sys
n, name = int(sys.argv[1]), sys.argv[2]
q = json.load(open("q.json"))[0]
ranks = q["meshrt"]["ranks"]
assert len(ranks) == n, ranks
assert [r["host"]["hostname"] for r in ranks] == [f"{name}{i}" for i in range(n)], ranks
P
for _ in $(seq 1 50); do [ -z "$(left_on_hosts)" ] && break; sleep 0.1; done
left=$(left_on_hosts)
[ -z "$left" ] && ok || fail "processes left 5 s after the last job: $left"
finish
