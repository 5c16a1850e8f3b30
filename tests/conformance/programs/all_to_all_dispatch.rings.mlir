// meshes: 2x4
// Eight chips, rings of 2 along the mesh columns (cluster_axis 0), 16 experts (2 per chip,
// chip d owning 2d and 2d + 1): a token only reaches the chips of its own ring, so experts
// owned elsewhere route it nowhere. Tokens [B, 1, S, H] layout.
func.func @main(%x: tensor<2x4x8x16xf32>, %idx: tensor<2x4x8x2xi32>) -> tensor<2x8x8x16xf32> {
  %xs = "ttir.mesh_shard"(%x) <{shard_dims = array<i64: 0, 1>, shard_direction = #ttcore.shard_direction<full_to_shard>, shard_shape = array<i64: 2, 4, 1, 1>, shard_type = #ttcore.shard_type<devices>}> : (tensor<2x4x8x16xf32>) -> tensor<1x1x8x16xf32> loc("shard_x")
  %is = "ttir.mesh_shard"(%idx) <{shard_dims = array<i64: 0, 1>, shard_direction = #ttcore.shard_direction<full_to_shard>, shard_shape = array<i64: 2, 4, 1, 1>, shard_type = #ttcore.shard_type<devices>}> : (tensor<2x4x8x2xi32>) -> tensor<1x1x8x2xi32> loc("shard_idx")
  %map = "ttir.constant"() <{value = dense<[[[[1, 0, 0, 0, 0, 0, 0, 0], [1, 0, 0, 0, 0, 0, 0, 0], [0, 1, 0, 0, 0, 0, 0, 0], [0, 1, 0, 0, 0, 0, 0, 0], [0, 0, 1, 0, 0, 0, 0, 0], [0, 0, 1, 0, 0, 0, 0, 0], [0, 0, 0, 1, 0, 0, 0, 0], [0, 0, 0, 1, 0, 0, 0, 0], [0, 0, 0, 0, 1, 0, 0, 0], [0, 0, 0, 0, 1, 0, 0, 0], [0, 0, 0, 0, 0, 1, 0, 0], [0, 0, 0, 0, 0, 1, 0, 0], [0, 0, 0, 0, 0, 0, 1, 0], [0, 0, 0, 0, 0, 0, 1, 0], [0, 0, 0, 0, 0, 0, 0, 1], [0, 0, 0, 0, 0, 0, 0, 1]]]]> : tensor<1x1x16x8xi32>}> : () -> tensor<1x1x16x8xi32> loc("mapping")
  %d, %m = "ttir.all_to_all_dispatch"(%xs, %is, %map) <{cluster_axis = 0 : i64, num_devices = 2 : i64}> : (tensor<1x1x8x16xf32>, tensor<1x1x8x2xi32>, tensor<1x1x16x8xi32>) -> (tensor<1x2x8x16xf32>, tensor<1x2x8x2xi32>) loc("all_to_all_dispatch")
  %df = "ttir.mesh_shard"(%d) <{shard_dims = array<i64: 0, 1>, shard_direction = #ttcore.shard_direction<shard_to_full>, shard_shape = array<i64: 2, 4, 1, 1>, shard_type = #ttcore.shard_type<devices>}> : (tensor<1x2x8x16xf32>) -> tensor<2x8x8x16xf32> loc("full_d")
  return %df : tensor<2x8x8x16xf32>
}
