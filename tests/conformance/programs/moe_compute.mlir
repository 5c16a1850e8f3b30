// meshes: 1x2
// Two chips, 8 experts (mapping: the owner of each; 4 per chip), 32 tokens in each chip's
// dispatched buffer, 2 experts per token: each chip runs its experts' SiLU FFN on the tokens
// that chose them and sends every result to the token's home chip (16 tokens each).
func.func @main(%x: tensor<2x32x32xf32>, %idx: tensor<1x32x2xi32>, %sc: tensor<1x32x2xf32>, %w0: tensor<1x8x32x32xf32>, %w1: tensor<1x8x32x32xf32>, %w2: tensor<1x8x32x32xf32>) -> tensor<2x32x32xf32> {
  %xs = "ttir.mesh_shard"(%x) <{shard_dims = array<i64: -1, 0>, shard_direction = #ttcore.shard_direction<full_to_shard>, shard_shape = array<i64: 2, 1, 1>, shard_type = #ttcore.shard_type<devices>}> : (tensor<2x32x32xf32>) -> tensor<1x32x32xf32> loc("shard_x")
  %is = "ttir.mesh_shard"(%idx) <{shard_dims = array<i64>, shard_direction = #ttcore.shard_direction<full_to_shard>, shard_shape = array<i64: 1>, shard_type = #ttcore.shard_type<replicate>}> : (tensor<1x32x2xi32>) -> tensor<1x32x2xi32> loc("replicate_idx")
  %ss = "ttir.mesh_shard"(%sc) <{shard_dims = array<i64>, shard_direction = #ttcore.shard_direction<full_to_shard>, shard_shape = array<i64: 1>, shard_type = #ttcore.shard_type<replicate>}> : (tensor<1x32x2xf32>) -> tensor<1x32x2xf32> loc("replicate_scores")
  %w0s = "ttir.mesh_shard"(%w0) <{shard_dims = array<i64: -1, 1>, shard_direction = #ttcore.shard_direction<full_to_shard>, shard_shape = array<i64: 1, 2, 1, 1>, shard_type = #ttcore.shard_type<devices>}> : (tensor<1x8x32x32xf32>) -> tensor<1x4x32x32xf32> loc("shard_w0")
  %w1s = "ttir.mesh_shard"(%w1) <{shard_dims = array<i64: -1, 1>, shard_direction = #ttcore.shard_direction<full_to_shard>, shard_shape = array<i64: 1, 2, 1, 1>, shard_type = #ttcore.shard_type<devices>}> : (tensor<1x8x32x32xf32>) -> tensor<1x4x32x32xf32> loc("shard_w1")
  %w2s = "ttir.mesh_shard"(%w2) <{shard_dims = array<i64: -1, 1>, shard_direction = #ttcore.shard_direction<full_to_shard>, shard_shape = array<i64: 1, 2, 1, 1>, shard_type = #ttcore.shard_type<devices>}> : (tensor<1x8x32x32xf32>) -> tensor<1x4x32x32xf32> loc("shard_w2")
  %map = "ttir.constant"() <{value = dense<[[0, 0, 0, 0, 1, 1, 1, 1]]> : tensor<1x8xi32>}> : () -> tensor<1x8xi32> loc("mapping")
  %r = "ttir.moe_compute"(%xs, %is, %ss, %map, %w0s, %w1s, %w2s) <{operandSegmentSizes = array<i32: 1, 1, 1, 1, 1, 1, 1, 0, 0, 0>, layer_id = 0 : ui32, output_height_shard_dim = 4 : ui32, intermediate_size = 32 : ui32, cluster_axis = 1 : ui32}> : (tensor<1x32x32xf32>, tensor<1x32x2xi32>, tensor<1x32x2xf32>, tensor<1x8xi32>, tensor<1x4x32x32xf32>, tensor<1x4x32x32xf32>, tensor<1x4x32x32xf32>) -> tensor<2x16x32xf32> loc("moe_compute")
  %f = "ttir.mesh_shard"(%r) <{shard_dims = array<i64: -1, 1>, shard_direction = #ttcore.shard_direction<shard_to_full>, shard_shape = array<i64: 1, 2, 1>, shard_type = #ttcore.shard_type<devices>}> : (tensor<2x16x32xf32>) -> tensor<2x32x32xf32> loc("full")
  return %f : tensor<2x32x32xf32>
}
