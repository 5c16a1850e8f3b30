// Per-tensor: scale 0.02 and zero point 3 from the result type; values beyond the storage
// range [-128, 127] clamp.
func.func @main(%a: tensor<8x64xf32>) -> tensor<8x64x!quant.uniform<i32<-128:127>:f32, 2.000000e-02:3>> {
  %r = "ttir.quantize"(%a) : (tensor<8x64xf32>) -> tensor<8x64x!quant.uniform<i32<-128:127>:f32, 2.000000e-02:3>> loc("quantize")
  return %r : tensor<8x64x!quant.uniform<i32<-128:127>:f32, 2.000000e-02:3>>
}
