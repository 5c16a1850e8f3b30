// Per-axis along dim 1: one scale:zero_point per column.
func.func @main(%a: tensor<8x4xf32>) -> tensor<8x4x!quant.uniform<i32:f32:1, {1.000000e-01:10,2.000000e-01:-20,5.000000e-02:0,2.500000e-01:7}>> {
  %r = "ttir.quantize"(%a) : (tensor<8x4xf32>) -> tensor<8x4x!quant.uniform<i32:f32:1, {1.000000e-01:10,2.000000e-01:-20,5.000000e-02:0,2.500000e-01:7}>> loc("quantize")
  return %r : tensor<8x4x!quant.uniform<i32:f32:1, {1.000000e-01:10,2.000000e-01:-20,5.000000e-02:0,2.500000e-01:7}>>
}
