// Channels first (N, C, L): channel_dim 1, length_dim 2.
func.func @main(%x: tensor<2x8x12xf32>, %w: tensor<4x8x5xf32>) -> tensor<2x4x8xf32> {
  %r = "ttir.conv1d"(%x, %w) <{stride = 1 : i32, padding = 0 : i32, dilation = 1 : i32, groups = 1 : i32, batch_dim = 0 : i64, channel_dim = 1 : i64, length_dim = 2 : i64}> : (tensor<2x8x12xf32>, tensor<4x8x5xf32>) -> tensor<2x4x8xf32> loc("conv1d")
  return %r : tensor<2x4x8xf32>
}
