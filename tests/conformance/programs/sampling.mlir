// 4 requests of 64 candidates: greedy (k = 1), top-8 at temperature 0.7 with top-p 0.9, all 64
// with top-p 0.5, top-20 at temperature 2.
func.func @main(%v: tensor<4x64xf32>, %i: tensor<4x64xi32>) -> tensor<4xi32> {
  %k = "ttir.constant"() <{value = dense<[1, 8, 64, 20]> : tensor<4xui32>}> : () -> tensor<4xui32> loc("k")
  %p = "ttir.constant"() <{value = dense<[1.0, 0.9, 0.5, 0.95]> : tensor<4xf32>}> : () -> tensor<4xf32> loc("p")
  %t = "ttir.constant"() <{value = dense<[1.0, 0.7, 1.0, 2.0]> : tensor<4xf32>}> : () -> tensor<4xf32> loc("temp")
  %r = "ttir.sampling"(%v, %i, %k, %p, %t) <{seed = 7 : ui32}> : (tensor<4x64xf32>, tensor<4x64xi32>, tensor<4xui32>, tensor<4xf32>, tensor<4xf32>) -> tensor<4xi32> loc("sampling")
  return %r : tensor<4xi32>
}
