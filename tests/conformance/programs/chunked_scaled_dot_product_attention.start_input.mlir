// The chunk's start is an input (generated within one block), the scale an attribute; one KV
// head shared by every query head.
func.func @main(%q: tensor<1x2x32x64xf32>, %k: tensor<6x1x32x64xf32>, %v: tensor<6x1x32x64xf32>, %pt: tensor<1x4xi32>, %start: tensor<1xi32>) -> tensor<1x2x32x64xf32> {
  %out = "ttir.empty"() : () -> tensor<1x2x32x64xf32> loc("out")
  %r = "ttir.chunked_scaled_dot_product_attention"(%q, %k, %v, %pt, %start, %out) <{scale = 0.2 : f32}> : (tensor<1x2x32x64xf32>, tensor<6x1x32x64xf32>, tensor<6x1x32x64xf32>, tensor<1x4xi32>, tensor<1xi32>, tensor<1x2x32x64xf32>) -> tensor<1x2x32x64xf32> loc("chunked_scaled_dot_product_attention")
  return %r : tensor<1x2x32x64xf32>
}
