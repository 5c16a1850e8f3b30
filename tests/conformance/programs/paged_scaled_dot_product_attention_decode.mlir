// 4 users, 8 query heads over 2 KV heads, caches of 16 blocks of 16 positions, 4 blocks per
// user (page table generated within the cache); each user attends up to its own position.
func.func @main(%q: tensor<1x4x8x32xf32>, %k: tensor<16x2x16x32xf32>, %v: tensor<16x2x16x32xf32>, %pt: tensor<4x4xi32>) -> tensor<1x4x8x32xf32> {
  %out = "ttir.empty"() : () -> tensor<1x4x8x32xf32> loc("out")
  %pos = "ttir.constant"() <{value = dense<[0, 17, 40, 63]> : tensor<4xi32>}> : () -> tensor<4xi32> loc("cur_pos")
  %r = "ttir.paged_scaled_dot_product_attention_decode"(%q, %k, %v, %pt, %out, %pos) <{is_causal = true, operandSegmentSizes = array<i32: 1, 1, 1, 1, 1, 0, 1, 0>}> : (tensor<1x4x8x32xf32>, tensor<16x2x16x32xf32>, tensor<16x2x16x32xf32>, tensor<4x4xi32>, tensor<1x4x8x32xf32>, tensor<4xi32>) -> tensor<1x4x8x32xf32> loc("paged_scaled_dot_product_attention_decode")
  return %r : tensor<1x4x8x32xf32>
}
