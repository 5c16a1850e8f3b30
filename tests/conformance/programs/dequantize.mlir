// The operand's integers (generated in [-128, 127]) mapped back with its type's scale and zero
// point.
func.func @main(%a: tensor<8x64x!quant.uniform<i32<-128:127>:f32, 5.000000e-02:2>>) -> tensor<8x64xf32> {
  %r = "ttir.dequantize"(%a) : (tensor<8x64x!quant.uniform<i32<-128:127>:f32, 5.000000e-02:2>>) -> tensor<8x64xf32> loc("dequantize")
  return %r : tensor<8x64xf32>
}
