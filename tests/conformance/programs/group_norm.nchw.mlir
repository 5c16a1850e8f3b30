// Channels first (channel_dim 1), a weight and no bias or mask.
func.func @main(%x: tensor<2x8x4x4xf32>, %w: tensor<8xf32>) -> tensor<2x8x4x4xf32> {
  %r = "ttir.group_norm"(%x, %w) <{num_groups = 2 : i64, channel_dim = 1 : i64, operandSegmentSizes = array<i32: 1, 0, 1, 0>}> : (tensor<2x8x4x4xf32>, tensor<8xf32>) -> tensor<2x8x4x4xf32> loc("group_norm")
  return %r : tensor<2x8x4x4xf32>
}
