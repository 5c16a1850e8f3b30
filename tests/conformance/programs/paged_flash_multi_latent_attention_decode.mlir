// Latent-only MLA: 4 users, 8 query heads over the one latent head of 64 columns; the values
// are its first 32 columns. Caches of 16 blocks of 16 positions, 4 blocks per user; each user
// attends up to its own position.
func.func @main(%q: tensor<1x4x8x64xf32>, %k: tensor<16x1x16x64xf32>, %pt: tensor<4x4xi32>) -> tensor<1x4x8x32xf32> {
  %pos = "ttir.constant"() <{value = dense<[3, 20, 47, 63]> : tensor<4xi32>}> : () -> tensor<4xi32> loc("cur_pos")
  %r = "ttir.paged_flash_multi_latent_attention_decode"(%q, %k, %pt, %pos) <{head_dim_v = 32 : ui32, is_causal = true, operandSegmentSizes = array<i32: 1, 1, 0, 1, 0, 1, 0>}> : (tensor<1x4x8x64xf32>, tensor<16x1x16x64xf32>, tensor<4x4xi32>, tensor<4xi32>) -> tensor<1x4x8x32xf32> loc("paged_flash_multi_latent_attention_decode")
  return %r : tensor<1x4x8x32xf32>
}
