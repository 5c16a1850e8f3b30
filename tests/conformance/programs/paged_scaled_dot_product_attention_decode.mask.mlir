// Not causal: an additive mask over every user's 64 positions, a scale of its own.
func.func @main(%q: tensor<1x4x8x32xf32>, %k: tensor<16x2x16x32xf32>, %v: tensor<16x2x16x32xf32>, %pt: tensor<4x4xi32>, %m: tensor<4x1x8x64xf32>) -> tensor<1x4x8x32xf32> {
  %out = "ttir.empty"() : () -> tensor<1x4x8x32xf32> loc("out")
  %r = "ttir.paged_scaled_dot_product_attention_decode"(%q, %k, %v, %pt, %out, %m) <{is_causal = false, scale = 0.125 : f32, operandSegmentSizes = array<i32: 1, 1, 1, 1, 1, 1, 0, 0>}> : (tensor<1x4x8x32xf32>, tensor<16x2x16x32xf32>, tensor<16x2x16x32xf32>, tensor<4x4xi32>, tensor<1x4x8x32xf32>, tensor<4x1x8x64xf32>) -> tensor<1x4x8x32xf32> loc("paged_scaled_dot_product_attention_decode")
  return %r : tensor<1x4x8x32xf32>
}
