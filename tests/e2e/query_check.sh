# ttrt query writes a .ttsys that ttrt read and ttrt check accept; check rejects what does not fit.
source "$(dirname "$0")/lib.sh"
expect_exit 0 "wormhole_b0" -- "$TTRT" query --save-artifacts --artifact-dir art
[ -s art/system_desc.ttsys ] && ok || fail "no system_desc.ttsys"
expect_exit 0 "host_cpus" -- "$TTRT" read art/system_desc.ttsys
expect_exit 0 '' -- "$TTRT" query --cluster "$SRC/configs/clusters/n300.json" --quiet --result-file q.json
grep -q '"n300"' q.json && ok || fail "query_results.json lacks the cluster"
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
head -c 100 art/system_desc.ttsys > bad.ttsys
expect_exit 1 "bad.ttsys" -- "$TTRT" check tp.ttnn --system-desc bad.ttsys
finish
