// dtypes: keep
// The parameters as operands (constants here: generated arguments would not be valid scales).
func.func @main(%a: tensor<8x64x!quant.uniform<i32<-128:127>:f32, 5.000000e-02:2>>) -> tensor<8x64x!quant.uniform<i32<-128:127>:f32, 3.000000e-02:-5>> {
  %s0 = "ttir.constant"() <{value = dense<5.000000e-02> : tensor<1xf32>}> : () -> tensor<1xf32> loc("s0")
  %z0 = "ttir.constant"() <{value = dense<2> : tensor<1xi32>}> : () -> tensor<1xi32> loc("z0")
  %s1 = "ttir.constant"() <{value = dense<3.000000e-02> : tensor<1xf32>}> : () -> tensor<1xf32> loc("s1")
  %z1 = "ttir.constant"() <{value = dense<-5> : tensor<1xi32>}> : () -> tensor<1xi32> loc("z1")
  %r = "ttir.requantize_unrolled"(%a, %s0, %z0, %s1, %z1) : (tensor<8x64x!quant.uniform<i32<-128:127>:f32, 5.000000e-02:2>>, tensor<1xf32>, tensor<1xi32>, tensor<1xf32>, tensor<1xi32>) -> tensor<8x64x!quant.uniform<i32<-128:127>:f32, 3.000000e-02:-5>> loc("requantize_unrolled")
  return %r : tensor<8x64x!quant.uniform<i32<-128:127>:f32, 3.000000e-02:-5>>
}
