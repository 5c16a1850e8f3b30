// meshes: 2x4
// Eight chips, rings of 4 along the mesh rows (cluster_axis 1), one expert per chip: slots
// whose expert lives in the other row stay zero. Sequence positions split along the ring.
func.func @main(%x: tensor<2x8x8x16xf32>, %md: tensor<1x2x8x2xi32>) -> tensor<4x2x8x16xf32> {
  %xs = "ttir.mesh_shard"(%x) <{shard_dims = array<i64: 0, 1>, shard_direction = #ttcore.shard_direction<full_to_shard>, shard_shape = array<i64: 2, 4, 1, 1>, shard_type = #ttcore.shard_type<devices>}> : (tensor<2x8x8x16xf32>) -> tensor<1x2x8x16xf32> loc("shard_x")
  %ms = "ttir.mesh_shard"(%md) <{shard_dims = array<i64>, shard_direction = #ttcore.shard_direction<full_to_shard>, shard_shape = array<i64: 1>, shard_type = #ttcore.shard_type<replicate>}> : (tensor<1x2x8x2xi32>) -> tensor<1x2x8x2xi32> loc("replicate_md")
  %map = "ttir.constant"() <{value = dense<[[[[1, 0, 0, 0, 0, 0, 0, 0], [0, 1, 0, 0, 0, 0, 0, 0], [0, 0, 1, 0, 0, 0, 0, 0], [0, 0, 0, 1, 0, 0, 0, 0], [0, 0, 0, 0, 1, 0, 0, 0], [0, 0, 0, 0, 0, 1, 0, 0], [0, 0, 0, 0, 0, 0, 1, 0], [0, 0, 0, 0, 0, 0, 0, 1]]]]> : tensor<1x1x8x8xi32>}> : () -> tensor<1x1x8x8xi32> loc("mapping")
  %r = "ttir.all_to_all_combine"(%xs, %ms, %map) <{cluster_axis = 1 : i64, num_devices = 4 : i64, num_experts_per_tok = 2 : i64, output_shard_dim = 2 : i64}> : (tensor<1x2x8x16xf32>, tensor<1x2x8x2xi32>, tensor<1x1x8x8xi32>) -> tensor<2x2x2x16xf32> loc("all_to_all_combine")
  %f = "ttir.mesh_shard"(%r) <{shard_dims = array<i64: 0, 2>, shard_direction = #ttcore.shard_direction<shard_to_full>, shard_shape = array<i64: 2, 1, 4, 1>, shard_type = #ttcore.shard_type<devices>}> : (tensor<2x2x2x16xf32>) -> tensor<4x2x8x16xf32> loc("full")
  return %f : tensor<4x2x8x16xf32>
}
