# ttrt query writes a .ttsys that ttrt read and ttrt check accept; check rejects what does not fit.
source "$(dirname "$0")/lib.sh"
expect_exit 0 "wormhole_b0" -- "$TTRT" query --save-artifacts --artifact-dir art
[ -s art/system_desc.ttsys ] && ok || fail "no system_desc.ttsys"
expect_exit 0 "host_cpus" -- "$TTRT" read art/system_desc.ttsys
"$TTRT" query --cluster "$SRC/configs/clusters/n300.json" --quiet --result-file q.json > q.out 2>&1 &&
  [ ! -s q.out ] && ok || fail "query --quiet printed: $(cat q.out)"
/usr/bin/python3 - <<'P' && ok || fail "query_results.json names the n300"
import json
q = json.load(open("q.json"))
assert len(q) == 1 and q[0]["result"] == "pass", q
assert q[0]["meshrt"]["system"]["name"] == "n300", q[0]["meshrt"]["system"]
assert q[0]["meshrt"]["cluster_source"].endswith("configs/clusters/n300.json"), q[0]["meshrt"]
P
# The cluster a launch names is the cluster every subcommand uses ($TT_CLUSTER from tt-run).
"$BIN/tt-run" --rank-binding "$SRC/configs/rank_bindings/t3k_2proc.yaml" -- "$TTRT" query \
  --quiet --result-file t3k.json > t3k.out 2>&1 || fail "tt-run query: $(cat t3k.out)"
/usr/bin/python3 - <<'P' && ok || fail "tt-run --rank-binding t3k: query reports the t3k"
import json
m = json.load(open("t3k.json"))[0]["meshrt"]
assert m["system"]["name"] == "t3k" and m["num_ranks"] == 2, m["system"]["name"]
assert [r["box"] for r in m["ranks"]] == ["1x4@(0,0)", "1x4@(1,0)"], m["ranks"]
P
cat > wide.mlir <<'M'
func.func @wide(%a: tensor<32x512xf32>) -> tensor<32x512xf32> {
  %0 = "ttir.mesh_shard"(%a) <{shard_dims = array<i64: -1, 1>, shard_direction = #ttcore.shard_direction<full_to_shard>, shard_shape = array<i64: 1, 16>, shard_type = #ttcore.shard_type<devices>}> : (tensor<32x512xf32>) -> tensor<32x32xf32>
  %1 = "ttir.mesh_shard"(%0) <{shard_dims = array<i64: -1, 1>, shard_direction = #ttcore.shard_direction<shard_to_full>, shard_shape = array<i64: 1, 16>, shard_type = #ttcore.shard_type<devices>}> : (tensor<32x32xf32>) -> tensor<32x512xf32>
  return %1 : tensor<32x512xf32>
}
M
"$TTRT" compile wide.mlir -o wide.ttnn --mesh-shape 1x16 >/dev/null || fail "compile 1x16"
"$TTRT" compile "$SRC/examples/mlir/tp_linear_2x4.mlir" -o tp.ttnn >/dev/null || fail "compile tp"
expect_exit 0 "pass: tp.ttnn" -- "$TTRT" check tp.ttnn --system-desc art/system_desc.ttsys
expect_exit 0 "pass: wide.ttnn" -- "$TTRT" check wide.ttnn
expect_exit 1 "needs a 1x16 mesh (16 chips)" -- "$TTRT" check wide.ttnn --cluster "$SRC/configs/clusters/t3k.json"
grep -q '"mesh_fits": false' check_results.json && ok || fail "check_results.json"
expect_exit 1 "1x16" -- "$TTRT" run wide.ttnn --cluster "$SRC/configs/clusters/t3k.json"
expect_exit 1 "the program needs a 2x4 mesh (8 chips) but cluster 'n300' has 2 chips (1x2)" -- \
  "$BIN/tt-run" --rank-binding "$SRC/configs/rank_bindings/n300_2proc.yaml" -- "$TTRT" run tp.ttnn
expect_exit 1 "system 'n300' has 2" -- env TT_CLUSTER="$SRC/configs/clusters/n300.json" "$TTRT" check tp.ttnn
head -c 100 art/system_desc.ttsys > bad.ttsys
expect_exit 1 "bad.ttsys" -- "$TTRT" check tp.ttnn --system-desc bad.ttsys
finish
