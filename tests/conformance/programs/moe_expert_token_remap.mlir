// meshes: 1x2
// Two chips, 8 experts (4 each), 2 x 16 tokens choosing 4 experts: each chip keeps the routing
// weights of its own experts and marks, per chunk of 8 tokens, the experts any token chose.
func.func @main(%w: tensor<1x2x16x8xf32>, %md: tensor<1x2x16x4xi32>) -> (tensor<2x2x16x4xf32>, tensor<2x1x4x4xf32>) {
  %ws = "ttir.mesh_shard"(%w) <{shard_dims = array<i64>, shard_direction = #ttcore.shard_direction<full_to_shard>, shard_shape = array<i64: 1>, shard_type = #ttcore.shard_type<replicate>}> : (tensor<1x2x16x8xf32>) -> tensor<1x2x16x8xf32> loc("replicate_w")
  %ms = "ttir.mesh_shard"(%md) <{shard_dims = array<i64>, shard_direction = #ttcore.shard_direction<full_to_shard>, shard_shape = array<i64: 1>, shard_type = #ttcore.shard_type<replicate>}> : (tensor<1x2x16x4xi32>) -> tensor<1x2x16x4xi32> loc("replicate_md")
  %map = "ttir.constant"() <{value = dense<[[[[1, 0], [1, 0], [1, 0], [1, 0], [0, 1], [0, 1], [0, 1], [0, 1]]]]> : tensor<1x1x8x2xi32>}> : () -> tensor<1x1x8x2xi32> loc("mapping")
  %m, %red = "ttir.moe_expert_token_remap"(%ws, %map, %ms) <{reduction_size = 8 : i64}> : (tensor<1x2x16x8xf32>, tensor<1x1x8x2xi32>, tensor<1x2x16x4xi32>) -> (tensor<1x2x16x4xf32>, tensor<1x1x4x4xf32>) loc("moe_expert_token_remap")
  %mf = "ttir.mesh_shard"(%m) <{shard_dims = array<i64: -1, 0>, shard_direction = #ttcore.shard_direction<shard_to_full>, shard_shape = array<i64: 2, 1, 1, 1>, shard_type = #ttcore.shard_type<devices>}> : (tensor<1x2x16x4xf32>) -> tensor<2x2x16x4xf32> loc("full_m")
  %rf = "ttir.mesh_shard"(%red) <{shard_dims = array<i64: -1, 0>, shard_direction = #ttcore.shard_direction<shard_to_full>, shard_shape = array<i64: 2, 1, 1, 1>, shard_type = #ttcore.shard_type<devices>}> : (tensor<1x1x4x4xf32>) -> tensor<2x1x4x4xf32> loc("full_r")
  return %mf, %rf : tensor<2x2x16x4xf32>, tensor<2x1x4x4xf32>
}
