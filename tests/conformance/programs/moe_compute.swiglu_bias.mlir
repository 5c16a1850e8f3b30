// meshes: 1x1
// One chip owning all 4 experts of two layers (layer 1 runs), SwiGLU with the three biases.
func.func @main(%x: tensor<16x32xf32>, %idx: tensor<16x2xi32>, %sc: tensor<16x2xf32>, %w0: tensor<2x4x32x64xf32>, %w1: tensor<2x4x32x64xf32>, %w2: tensor<2x4x64x32xf32>, %b0: tensor<2x4x64xf32>, %b1: tensor<2x4x64xf32>, %b2: tensor<2x4x32xf32>) -> tensor<2x16x32xf32> {
  %map = "ttir.constant"() <{value = dense<0> : tensor<1x4xi32>}> : () -> tensor<1x4xi32> loc("mapping")
  %r = "ttir.moe_compute"(%x, %idx, %sc, %map, %w0, %w1, %w2, %b0, %b1, %b2) <{operandSegmentSizes = array<i32: 1, 1, 1, 1, 1, 1, 1, 1, 1, 1>, layer_id = 1 : ui32, output_height_shard_dim = 4 : ui32, intermediate_size = 64 : ui32, activation_function = #ttcore.moe_activation_function<swiglu>, cluster_axis = 0 : ui32}> : (tensor<16x32xf32>, tensor<16x2xi32>, tensor<16x2xf32>, tensor<1x4xi32>, tensor<2x4x32x64xf32>, tensor<2x4x32x64xf32>, tensor<2x4x64x32xf32>, tensor<2x4x64xf32>, tensor<2x4x64xf32>, tensor<2x4x32xf32>) -> tensor<2x16x32xf32> loc("moe_compute")
  return %r : tensor<2x16x32xf32>
}
