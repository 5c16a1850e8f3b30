// 2 users, a chunk of 32 query rows over 4 query heads and 2 KV heads; caches of 8 blocks of
// 32 positions, 3 blocks per user. The chunk starts at position 40: row r sees keys [0, 40 + r].
func.func @main(%q: tensor<2x4x32x32xf32>, %k: tensor<8x2x32x32xf32>, %v: tensor<8x2x32x32xf32>, %pt: tensor<2x3xi32>) -> tensor<2x4x32x32xf32> {
  %start = "ttir.constant"() <{value = dense<40> : tensor<1xi32>}> : () -> tensor<1xi32> loc("start")
  %out = "ttir.empty"() : () -> tensor<2x4x32x32xf32> loc("out")
  %r = "ttir.chunked_scaled_dot_product_attention"(%q, %k, %v, %pt, %start, %out) : (tensor<2x4x32x32xf32>, tensor<8x2x32x32xf32>, tensor<8x2x32x32xf32>, tensor<2x3xi32>, tensor<1xi32>, tensor<2x4x32x32xf32>) -> tensor<2x4x32x32xf32> loc("chunked_scaled_dot_product_attention")
  return %r : tensor<2x4x32x32xf32>
}
