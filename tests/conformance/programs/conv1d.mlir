// NLC input, weight [O, C, K], bias (1, 1, O), symmetric padding.
func.func @main(%x: tensor<2x32x16xf32>, %w: tensor<24x16x3xf32>, %b: tensor<1x1x24xf32>) -> tensor<2x32x24xf32> {
  %r = "ttir.conv1d"(%x, %w, %b) <{stride = 1 : i32, padding = 1 : i32, dilation = 1 : i32, groups = 1 : i32}> : (tensor<2x32x16xf32>, tensor<24x16x3xf32>, tensor<1x1x24xf32>) -> tensor<2x32x24xf32> loc("conv1d")
  return %r : tensor<2x32x24xf32>
}
