// meshes: 1x2
// Two chips, 8 experts (4 each), 16 tokens of 32 values per chip, 4 experts per token: every
// token reaches the chips owning one of its experts; every chip gets every chip's indices.
func.func @main(%x: tensor<2x16x1x32xf32>, %idx: tensor<2x16x1x4xi32>) -> (tensor<2x2x16x32xf32>, tensor<2x2x16x4xi32>) {
  %xs = "ttir.mesh_shard"(%x) <{shard_dims = array<i64: -1, 0>, shard_direction = #ttcore.shard_direction<full_to_shard>, shard_shape = array<i64: 2, 1, 1, 1>, shard_type = #ttcore.shard_type<devices>}> : (tensor<2x16x1x32xf32>) -> tensor<1x16x1x32xf32> loc("shard_x")
  %is = "ttir.mesh_shard"(%idx) <{shard_dims = array<i64: -1, 0>, shard_direction = #ttcore.shard_direction<full_to_shard>, shard_shape = array<i64: 2, 1, 1, 1>, shard_type = #ttcore.shard_type<devices>}> : (tensor<2x16x1x4xi32>) -> tensor<1x16x1x4xi32> loc("shard_idx")
  %map = "ttir.constant"() <{value = dense<[[[[1, 0], [1, 0], [1, 0], [1, 0], [0, 1], [0, 1], [0, 1], [0, 1]]]]> : tensor<1x1x8x2xi32>}> : () -> tensor<1x1x8x2xi32> loc("mapping")
  %d, %m = "ttir.all_to_all_dispatch"(%xs, %is, %map) <{cluster_axis = 1 : i64, num_devices = 2 : i64}> : (tensor<1x16x1x32xf32>, tensor<1x16x1x4xi32>, tensor<1x1x8x2xi32>) -> (tensor<1x2x16x32xf32>, tensor<1x2x16x4xi32>) loc("all_to_all_dispatch")
  %df = "ttir.mesh_shard"(%d) <{shard_dims = array<i64: -1, 0>, shard_direction = #ttcore.shard_direction<shard_to_full>, shard_shape = array<i64: 2, 1, 1, 1>, shard_type = #ttcore.shard_type<devices>}> : (tensor<1x2x16x32xf32>) -> tensor<2x2x16x32xf32> loc("full_d")
  %mf = "ttir.mesh_shard"(%m) <{shard_dims = array<i64: -1, 0>, shard_direction = #ttcore.shard_direction<shard_to_full>, shard_shape = array<i64: 2, 1, 1, 1>, shard_type = #ttcore.shard_type<devices>}> : (tensor<1x2x16x4xi32>) -> tensor<2x2x16x4xi32> loc("full_m")
  return %df, %mf : tensor<2x2x16x32xf32>, tensor<2x2x16x4xi32>
}
