// Stride 2, dilation 2, padding [left 1, right 2], 2 groups, no bias:
// L_out = (20 + 1 + 2 - 2 * (3 - 1) - 1) / 2 + 1 = 10.
func.func @main(%x: tensor<1x20x8xf32>, %w: tensor<6x4x3xf32>) -> tensor<1x10x6xf32> {
  %r = "ttir.conv1d"(%x, %w) <{stride = array<i32: 2>, padding = array<i32: 1, 2>, dilation = array<i32: 2>, groups = 2 : i32}> : (tensor<1x20x8xf32>, tensor<6x4x3xf32>) -> tensor<1x10x6xf32> loc("conv1d")
  return %r : tensor<1x10x6xf32>
}
