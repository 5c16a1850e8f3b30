// ttnn's form: [N, 1, H*W, C] channels last, a tile-membership mask, weight and bias as rows of
// 32 (64 channels in 4 groups).
func.func @main(%x: tensor<1x1x32x64xf32>, %m: tensor<1x4x32x32xf32>, %w: tensor<1x1x2x32xf32>, %b: tensor<1x1x2x32xf32>) -> tensor<1x1x32x64xf32> {
  %r = "ttir.group_norm"(%x, %m, %w, %b) <{num_groups = 4 : i64, epsilon = 9.99999974E-6 : f32, operandSegmentSizes = array<i32: 1, 1, 1, 1>}> : (tensor<1x1x32x64xf32>, tensor<1x4x32x32xf32>, tensor<1x1x2x32xf32>, tensor<1x1x2x32xf32>) -> tensor<1x1x32x64xf32> loc("group_norm")
  return %r : tensor<1x1x32x64xf32>
}
