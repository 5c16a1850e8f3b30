// meshes: 1x2
// Two chips, 8 experts (4 each): every chip holds its experts' outputs for all 2 x 16 tokens;
// each token's 4 slots come back to its home chip (batches split along the ring).
func.func @main(%x: tensor<8x2x16x32xf32>, %md: tensor<1x2x16x4xi32>) -> tensor<4x2x16x32xf32> {
  %xs = "ttir.mesh_shard"(%x) <{shard_dims = array<i64: -1, 0>, shard_direction = #ttcore.shard_direction<full_to_shard>, shard_shape = array<i64: 2, 1, 1, 1>, shard_type = #ttcore.shard_type<devices>}> : (tensor<8x2x16x32xf32>) -> tensor<4x2x16x32xf32> loc("shard_x")
  %ms = "ttir.mesh_shard"(%md) <{shard_dims = array<i64>, shard_direction = #ttcore.shard_direction<full_to_shard>, shard_shape = array<i64: 1>, shard_type = #ttcore.shard_type<replicate>}> : (tensor<1x2x16x4xi32>) -> tensor<1x2x16x4xi32> loc("replicate_md")
  %map = "ttir.constant"() <{value = dense<[[[[1, 0], [1, 0], [1, 0], [1, 0], [0, 1], [0, 1], [0, 1], [0, 1]]]]> : tensor<1x1x8x2xi32>}> : () -> tensor<1x1x8x2xi32> loc("mapping")
  %r = "ttir.all_to_all_combine"(%xs, %ms, %map) <{cluster_axis = 1 : i64, num_devices = 2 : i64, num_experts_per_tok = 4 : i64, output_shard_dim = 1 : i64}> : (tensor<4x2x16x32xf32>, tensor<1x2x16x4xi32>, tensor<1x1x8x2xi32>) -> tensor<4x1x16x32xf32> loc("all_to_all_combine")
  %f = "ttir.mesh_shard"(%r) <{shard_dims = array<i64: -1, 1>, shard_direction = #ttcore.shard_direction<shard_to_full>, shard_shape = array<i64: 1, 2, 1, 1>, shard_type = #ttcore.shard_type<devices>}> : (tensor<4x1x16x32xf32>) -> tensor<4x2x16x32xf32> loc("full")
  return %f : tensor<4x2x16x32xf32>
}
