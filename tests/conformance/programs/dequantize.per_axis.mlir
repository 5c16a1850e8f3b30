func.func @main(%a: tensor<8x4x!quant.uniform<i32:f32:1, {1.000000e-01:10,2.000000e-01:-20,5.000000e-02:0,2.500000e-01:7}>>) -> tensor<8x4xf32> {
  %r = "ttir.dequantize"(%a) : (tensor<8x4x!quant.uniform<i32:f32:1, {1.000000e-01:10,2.000000e-01:-20,5.000000e-02:0,2.500000e-01:7}>>) -> tensor<8x4xf32> loc("dequantize")
  return %r : tensor<8x4xf32>
}
