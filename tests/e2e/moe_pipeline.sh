# A mixture-of-experts layer as TTIR users write it, expert-parallel over two chips:
# all_to_all_dispatch_metadata sends every token to the chips owning its 2 experts (8 experts, 4
# per chip), moe_compute runs each chip's experts on the tokens that chose them and combines the
# results home. Run in one process and under mpirun -np 2 (one chip per rank): goldens pass, the
# two runs' results are identical, and they match a dense MoE worked out here with numpy from
# the saved inputs (every token through its experts' SiLU FFN, no routing at all).
source "$(dirname "$0")/lib.sh"
S='#ttcore.shard_direction<full_to_shard>'; G='#ttcore.shard_direction<shard_to_full>'
D='#ttcore.shard_type<devices>'
shard() { echo "<{shard_dims = array<i64: $1>, shard_direction = $2, shard_shape = array<i64: $3>, shard_type = $D}>"; }
cat > moe.mlir <<MLIR
func.func @moe(%x: tensor<1x1x32x32xf32>, %idx: tensor<1x1x32x2xi32>, %sc: tensor<1x1x32x2xf32>, %w0: tensor<1x8x32x32xf32>, %w1: tensor<1x8x32x32xf32>, %w2: tensor<1x8x32x32xf32>) -> tensor<2x32x32xf32> {
  %xs = "ttir.mesh_shard"(%x) $(shard "-1, 2" "$S" "1, 1, 2, 1") : (tensor<1x1x32x32xf32>) -> tensor<1x1x16x32xf32> loc("shard_x")
  %is = "ttir.mesh_shard"(%idx) $(shard "-1, 2" "$S" "1, 1, 2, 1") : (tensor<1x1x32x2xi32>) -> tensor<1x1x16x2xi32> loc("shard_idx")
  %ss = "ttir.mesh_shard"(%sc) $(shard "-1, 2" "$S" "1, 1, 2, 1") : (tensor<1x1x32x2xf32>) -> tensor<1x1x16x2xf32> loc("shard_scores")
  %w0s = "ttir.mesh_shard"(%w0) $(shard "-1, 1" "$S" "1, 2, 1, 1") : (tensor<1x8x32x32xf32>) -> tensor<1x4x32x32xf32> loc("shard_w0")
  %w1s = "ttir.mesh_shard"(%w1) $(shard "-1, 1" "$S" "1, 2, 1, 1") : (tensor<1x8x32x32xf32>) -> tensor<1x4x32x32xf32> loc("shard_w1")
  %w2s = "ttir.mesh_shard"(%w2) $(shard "-1, 1" "$S" "1, 2, 1, 1") : (tensor<1x8x32x32xf32>) -> tensor<1x4x32x32xf32> loc("shard_w2")
  %map = "ttir.constant"() <{value = dense<[[[[0, 0, 0, 0, 1, 1, 1, 1], [0, 0, 0, 0, 1, 1, 1, 1]]]]> : tensor<1x1x2x8xi32>}> : () -> tensor<1x1x2x8xi32> loc("mapping")
  %d, %i, %s = "ttir.all_to_all_dispatch_metadata"(%xs, %is, %ss, %map) <{cluster_axis = 1 : i64, num_devices = 2 : i64}> : (tensor<1x1x16x32xf32>, tensor<1x1x16x2xi32>, tensor<1x1x16x2xf32>, tensor<1x1x2x8xi32>) -> (tensor<1x32x32xf32>, tensor<1x32x2xi32>, tensor<1x32x2xf32>) loc("dispatch")
  %r = "ttir.moe_compute"(%d, %i, %s, %map, %w0s, %w1s, %w2s) <{operandSegmentSizes = array<i32: 1, 1, 1, 1, 1, 1, 1, 0, 0, 0>, layer_id = 0 : ui32, output_height_shard_dim = 4 : ui32, intermediate_size = 32 : ui32, cluster_axis = 1 : ui32}> : (tensor<1x32x32xf32>, tensor<1x32x2xi32>, tensor<1x32x2xf32>, tensor<1x1x2x8xi32>, tensor<1x4x32x32xf32>, tensor<1x4x32x32xf32>, tensor<1x4x32x32xf32>) -> tensor<2x16x32xf32> loc("experts")
  %f = "ttir.mesh_shard"(%r) $(shard "-1, 1" "$G" "1, 2, 1") : (tensor<2x16x32xf32>) -> tensor<2x32x32xf32> loc("full")
  return %f : tensor<2x32x32xf32>
}
MLIR
expect_exit 0 "moe.ttnn" -- "$TTRT" compile moe.mlir -o moe.ttnn --mesh-shape 1,2
expect_exit 0 "1 passed, 0 failed" -- "$TTRT" run moe.ttnn --save-artifacts --artifact-dir one
expect_exit 0 "1 passed, 0 failed" -- "${MPIRUN[@]}" -np 2 "$TTRT" run moe.ttnn --save-artifacts \
  --artifact-dir two
/usr/bin/python3 - one/moe.ttnn/run/program_0 two/moe.ttnn/run/program_0 <<'PY' || fail "dense MoE"
import sys
import numpy as np
one, two = sys.argv[1], sys.argv[2]
x, idx, _, w0, w1, w2 = (np.load(f"{one}/input_{i}.npy").astype(np.float64) for i in range(6))
x, idx = x.reshape(32, 32), idx.reshape(32, 2).astype(int)
w0, w1, w2 = w0[0], w1[0], w2[0]
assert idx.min() >= 0 and idx.max() < 8 and len(set(idx.flatten())) > 4, idx
want = np.zeros((2, 32, 32))
for t in range(32):
    for k in range(2):
        e = idx[t, k]
        gate, up = x[t] @ w0[e], x[t] @ w1[e]
        want[k, t] = (gate / (1 + np.exp(-gate)) * up) @ w2[e]
got = np.load(f"{one}/device_output_0.npy")
got_mpi = np.load(f"{two}/device_output_0.npy")
assert np.array_equal(got, got_mpi), "one process and mpirun -np 2 differ"
err = np.max(np.abs(got - want)) / np.max(np.abs(want))
print(f"moe pipeline: 32 tokens x 2 experts, max error {err:.2e} of the largest value")
assert err < 1e-5, err
PY
ok
finish
