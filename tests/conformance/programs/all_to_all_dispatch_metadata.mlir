// meshes: 1x2
// Two chips, 8 experts (mapping row 0: the owner of each), 16 tokens per chip: a token reaches
// the chips owning one of its experts; indices and scores are gathered onto every chip.
func.func @main(%x: tensor<1x1x32x32xf32>, %idx: tensor<1x1x32x4xi32>, %sc: tensor<1x1x32x4xf32>) -> (tensor<2x32x32xf32>, tensor<2x32x4xi32>, tensor<2x32x4xf32>) {
  %xs = "ttir.mesh_shard"(%x) <{shard_dims = array<i64: -1, 2>, shard_direction = #ttcore.shard_direction<full_to_shard>, shard_shape = array<i64: 1, 1, 2, 1>, shard_type = #ttcore.shard_type<devices>}> : (tensor<1x1x32x32xf32>) -> tensor<1x1x16x32xf32> loc("shard_x")
  %is = "ttir.mesh_shard"(%idx) <{shard_dims = array<i64: -1, 2>, shard_direction = #ttcore.shard_direction<full_to_shard>, shard_shape = array<i64: 1, 1, 2, 1>, shard_type = #ttcore.shard_type<devices>}> : (tensor<1x1x32x4xi32>) -> tensor<1x1x16x4xi32> loc("shard_idx")
  %ss = "ttir.mesh_shard"(%sc) <{shard_dims = array<i64: -1, 2>, shard_direction = #ttcore.shard_direction<full_to_shard>, shard_shape = array<i64: 1, 1, 2, 1>, shard_type = #ttcore.shard_type<devices>}> : (tensor<1x1x32x4xf32>) -> tensor<1x1x16x4xf32> loc("shard_scores")
  %map = "ttir.constant"() <{value = dense<[[[[0, 0, 0, 0, 1, 1, 1, 1], [0, 0, 0, 0, 1, 1, 1, 1]]]]> : tensor<1x1x2x8xi32>}> : () -> tensor<1x1x2x8xi32> loc("mapping")
  %d, %i, %s = "ttir.all_to_all_dispatch_metadata"(%xs, %is, %ss, %map) <{cluster_axis = 1 : i64, num_devices = 2 : i64}> : (tensor<1x1x16x32xf32>, tensor<1x1x16x4xi32>, tensor<1x1x16x4xf32>, tensor<1x1x2x8xi32>) -> (tensor<1x32x32xf32>, tensor<1x32x4xi32>, tensor<1x32x4xf32>) loc("all_to_all_dispatch_metadata")
  %df = "ttir.mesh_shard"(%d) <{shard_dims = array<i64: -1, 0>, shard_direction = #ttcore.shard_direction<shard_to_full>, shard_shape = array<i64: 2, 1, 1>, shard_type = #ttcore.shard_type<devices>}> : (tensor<1x32x32xf32>) -> tensor<2x32x32xf32> loc("full_d")
  %if = "ttir.mesh_shard"(%i) <{shard_dims = array<i64: -1, 0>, shard_direction = #ttcore.shard_direction<shard_to_full>, shard_shape = array<i64: 2, 1, 1>, shard_type = #ttcore.shard_type<devices>}> : (tensor<1x32x4xi32>) -> tensor<2x32x4xi32> loc("full_i")
  %sf = "ttir.mesh_shard"(%s) <{shard_dims = array<i64: -1, 0>, shard_direction = #ttcore.shard_direction<shard_to_full>, shard_shape = array<i64: 2, 1, 1>, shard_type = #ttcore.shard_type<devices>}> : (tensor<1x32x4xf32>) -> tensor<2x32x4xf32> loc("full_s")
  return %df, %if, %sf : tensor<2x32x32xf32>, tensor<2x32x4xi32>, tensor<2x32x4xf32>
}
