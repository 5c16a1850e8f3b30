// dtypes: keep
func.func @main(%a: tensor<8x4x!quant.uniform<i32<-128:127>:f32, 5.000000e-02:2>>) -> tensor<8x4x!quant.uniform<i32<-128:127>:f32, 3.000000e-02:-5>> {
  %s0 = "ttir.constant"() <{value = dense<[5.000000e-02, 1.000000e-01, 2.000000e-02, 4.000000e-02]> : tensor<4xf32>}> : () -> tensor<4xf32> loc("s0")
  %z0 = "ttir.constant"() <{value = dense<[2, 0, -3, 9]> : tensor<4xi32>}> : () -> tensor<4xi32> loc("z0")
  %s1 = "ttir.constant"() <{value = dense<3.000000e-02> : tensor<1xf32>}> : () -> tensor<1xf32> loc("s1")
  %z1 = "ttir.constant"() <{value = dense<[-5, 1, 0, 4]> : tensor<4xi32>}> : () -> tensor<4xi32> loc("z1")
  %r = "ttir.requantize_unrolled"(%a, %s0, %z0, %s1, %z1) <{axis = 1 : i32}> : (tensor<8x4x!quant.uniform<i32<-128:127>:f32, 5.000000e-02:2>>, tensor<4xf32>, tensor<4xi32>, tensor<1xf32>, tensor<4xi32>) -> tensor<8x4x!quant.uniform<i32<-128:127>:f32, 3.000000e-02:-5>> loc("requantize_unrolled")
  return %r : tensor<8x4x!quant.uniform<i32<-128:127>:f32, 3.000000e-02:-5>>
}
