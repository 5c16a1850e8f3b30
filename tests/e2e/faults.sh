# A wrong result is caught (exit 42, the op named), a leak is caught, a program too big for a
# chip's DRAM fails fast with a memory message and little host memory.
source "$(dirname "$0")/lib.sh"
"$TTRT" compile "$SRC/examples/mlir/tp_linear_2x4.mlir" -o tp.ttnn >/dev/null || fail "compile"
expect_exit 42 "golden mismatch at 'gelu'" -- "$TTRT" run tp.ttnn --inject-fault gelu --save-artifacts
/usr/bin/python3 - <<'P' && ok || fail "fault report"
import json
r = json.load(open('run_results.json'))[0]
assert r['result'] == 'test_error' and 'gelu' in r['exception'], r
g = json.load(open('ttrt-artifacts/tp.ttnn/run/program_0/golden_results.json'))
assert g['loc("gelu")']['0']['actual_pcc'] < 0.99 and g['loc("gelu")']['1']['actual_pcc'] > 0.99
P
expect_exit 0 "1 passed" -- "$TTRT" run tp.ttnn --check-memory-leak
expect_exit 1 "memory leak" -- "$TTRT" run tp.ttnn --check-memory-leak --debug-leak gelu
"$TTRT" compile "$SRC/examples/mlir/all_gather_8x4.mlir" -o ag.ttnn --mesh-shape 8,4 >/dev/null || fail "compile ag"
expect_exit 0 "1 passed" -- "$TTRT" run ag.ttnn --identity       # shard, gather, reassemble = input
expect_exit 42 "--identity" -- "$TTRT" run tp.ttnn --identity    # a linear layer is not

# 64 x 64 x 2^20 f32 = 16 GiB per chip: more than a 12 GiB Wormhole DRAM.
cat > big.mlir <<'M'
func.func @big(%a: tensor<64x64x1048576xf32>) -> tensor<64x64x1048576xf32> {
  %0 = "ttir.exp"(%a) : (tensor<64x64x1048576xf32>) -> tensor<64x64x1048576xf32>
  return %0 : tensor<64x64x1048576xf32>
}
M
"$TTRT" compile big.mlir -o big.ttnn --no-goldens >/dev/null || fail "compile big"
# Under a 2 GiB address-space limit: the chip's allocator must refuse before host memory is used.
# (AddressSanitizer reserves terabytes of shadow address space, so under it the limit itself
# cannot be set: the refusal is checked without it.)
if [ -n "${MESHRT_SANITIZER:-}" ]; then
  echo "skipped under ${MESHRT_SANITIZER}: the 2 GiB address-space limit (the sanitizer's shadow memory exceeds it)"
  expect_exit 1 "out of dram memory" -- "$TTRT" run big.ttnn
else
  expect_exit 1 "out of dram memory" -- bash -c "ulimit -v 2097152; exec '$TTRT' run big.ttnn"
fi
expect_exit 1 "needs" -- "$TTRT" check big.ttnn

# Every chip fits its DRAM, but 64 chips of 4 GiB each do not fit this host's memory: a clear
# error naming the remedy, before any tensor exists.
cat > wide.mlir <<'M'
module attributes {ttcore.meshes = #ttcore.meshes<[<"mesh" = 8x8>]>} {
  func.func @wide(%a: tensor<131072x262144xf32> {ttcore.shard_status = #ttcore.shard_status<presharded>, ttcore.local_shape = #ttcore<local_shape local_shape = tensor<16384x32768xf32>>}) -> tensor<16384x32768xf32> {
    %0 = "ttir.mesh_shard"(%a) <{shard_dims = array<i64: 0, 1>, shard_direction = #ttcore.shard_direction<full_to_shard>, shard_shape = array<i64: 8, 8>, shard_type = #ttcore.shard_type<identity>}> : (tensor<131072x262144xf32>) -> tensor<16384x32768xf32>
    %1 = "ttir.exp"(%0) : (tensor<16384x32768xf32>) -> tensor<16384x32768xf32>
    return %1 : tensor<16384x32768xf32>
  }
}
M
expect_exit 0 "no goldens for program 'wide'" -- "$TTRT" compile wide.mlir -o wide.ttnn
if [ -n "${MESHRT_SANITIZER:-}" ]; then
  expect_exit 1 "run it over more ranks" -- "$TTRT" run wide.ttnn
else
  expect_exit 1 "run it over more ranks" -- bash -c "ulimit -v 2097152; exec '$TTRT' run wide.ttnn"
fi

# Goldens that cannot be computed (the declared shard disagrees with the mesh) do not stop the
# compile; the run then fails with the op's message.
cat > odd.mlir <<'M'
func.func @odd(%a: tensor<64x64xf32>) -> tensor<64x64xf32> {
  %0 = "ttir.mesh_shard"(%a) <{shard_dims = array<i64: -1, 1>, shard_direction = #ttcore.shard_direction<full_to_shard>, shard_shape = array<i64: 1, 8>, shard_type = #ttcore.shard_type<devices>}> : (tensor<64x64xf32>) -> tensor<64x8xf32>
  %1 = "ttir.mesh_shard"(%0) <{shard_dims = array<i64: -1, 1>, shard_direction = #ttcore.shard_direction<shard_to_full>, shard_shape = array<i64: 1, 8>, shard_type = #ttcore.shard_type<devices>}> : (tensor<64x8xf32>) -> tensor<64x64xf32>
  return %1 : tensor<64x64xf32>
}
M
expect_exit 0 "warning: no goldens for program 'odd'" -- "$TTRT" compile odd.mlir -o odd.ttnn --mesh-shape 1,2
expect_exit 1 "mesh_shard" -- "$TTRT" run odd.ttnn

# The interpreter's input limit is the user's to set: over it, no goldens and a warning saying
# why; the run recomputes them under its own limit.
cat > small.mlir <<'M'
func.func @small(%a: tensor<64x64xf32>) -> tensor<64x64xf32> {
  %0 = "ttir.exp"(%a) : (tensor<64x64xf32>) -> tensor<64x64xf32>
  return %0 : tensor<64x64xf32>
}
M
expect_exit 0 "0.0 MiB of inputs, over the 0 MiB limit" -- "$TTRT" compile small.mlir -o small.ttnn --golden-input-limit-mib 0
expect_exit 0 "1 ops, 2 golden checks" -- "$TTRT" run small.ttnn
expect_exit 0 ", 3 goldens" -- "$TTRT" compile small.mlir -o small.ttnn
finish
