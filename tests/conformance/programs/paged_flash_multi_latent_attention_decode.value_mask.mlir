// With a value cache of its own (head_dim_v 32) and, not causal, an additive mask over every
// user's 64 positions, with a scale of its own.
func.func @main(%q: tensor<1x2x4x64xf32>, %k: tensor<12x1x16x64xf32>, %v: tensor<12x1x16x32xf32>, %pt: tensor<2x4xi32>, %m: tensor<2x1x4x64xf32>) -> tensor<1x2x4x32xf32> {
  %r = "ttir.paged_flash_multi_latent_attention_decode"(%q, %k, %v, %pt, %m) <{head_dim_v = 32 : ui32, is_causal = false, scale = 0.1 : f32, operandSegmentSizes = array<i32: 1, 1, 1, 1, 1, 0, 0>}> : (tensor<1x2x4x64xf32>, tensor<12x1x16x64xf32>, tensor<12x1x16x32xf32>, tensor<2x4xi32>, tensor<2x1x4x64xf32>) -> tensor<1x2x4x32xf32> loc("paged_flash_multi_latent_attention_decode")
  return %r : tensor<1x2x4x32xf32>
}
