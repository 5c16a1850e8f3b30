// Row-parallel linear layer on a 2x4 mesh (the main job of the README).
// x is split by columns over the 4 chips of each mesh row, w by rows; every chip multiplies
// its pieces, reduce_scatter sums the partial products across the row and leaves each chip a
// quarter of the columns, gelu runs on the quarters, all_gather puts the rows back together.
module attributes {ttcore.meshes = #ttcore.meshes<[<"mesh" = 2x4>]>} {
  func.func @forward(%x: tensor<256x1024xf32>, %w: tensor<1024x512xf32>) -> tensor<256x512xf32> {
    %xs = "ttir.mesh_shard"(%x) <{shard_dims = array<i64: -1, 1>, shard_direction = #ttcore.shard_direction<full_to_shard>, shard_shape = array<i64: 1, 4>, shard_type = #ttcore.shard_type<devices>}> : (tensor<256x1024xf32>) -> tensor<256x256xf32> loc("shard_x")
    %ws = "ttir.mesh_shard"(%w) <{shard_dims = array<i64: -1, 0>, shard_direction = #ttcore.shard_direction<full_to_shard>, shard_shape = array<i64: 4, 1>, shard_type = #ttcore.shard_type<devices>}> : (tensor<1024x512xf32>) -> tensor<256x512xf32> loc("shard_w")
    %y = "ttir.matmul"(%xs, %ws) : (tensor<256x256xf32>, tensor<256x512xf32>) -> tensor<256x512xf32> loc("partial_matmul")
    %z = "ttir.reduce_scatter"(%y) <{cluster_axis = 1 : ui32, reduce_type = #ttcore.reduce_type<sum>, scatter_dim = 1 : si32}> : (tensor<256x512xf32>) -> tensor<256x128xf32> loc("reduce_scatter")
    %g = "ttir.gelu"(%z) : (tensor<256x128xf32>) -> tensor<256x128xf32> loc("gelu")
    %a = "ttir.all_gather"(%g) <{all_gather_dim = 1 : si32, cluster_axis = 1 : ui32}> : (tensor<256x128xf32>) -> tensor<256x512xf32> loc("all_gather")
    %out = "ttir.mesh_shard"(%a) <{shard_dims = array<i64: -1>, shard_direction = #ttcore.shard_direction<shard_to_full>, shard_shape = array<i64: 1>, shard_type = #ttcore.shard_type<replicate>}> : (tensor<256x512xf32>) -> tensor<256x512xf32> loc("gather_out")
    return %out : tensor<256x512xf32>
  }
}
