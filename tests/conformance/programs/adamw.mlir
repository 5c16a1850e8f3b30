// Step 3 of AdamW (beta1_pow = 0.9^3, beta2_pow = 0.999^3); the second moment must be
// non-negative, so it is the absolute value of its argument.
func.func @main(%p: tensor<8x64xf32>, %g: tensor<8x64xf32>, %m: tensor<8x64xf32>, %v0: tensor<8x64xf32>) -> (tensor<8x64xf32>, tensor<8x64xf32>, tensor<8x64xf32>) {
  %v = "ttir.abs"(%v0) : (tensor<8x64xf32>) -> tensor<8x64xf32> loc("abs")
  %p1, %m1, %v1 = "ttir.adamw"(%p, %g, %m, %v) <{lr = 1.000000e-02 : f32, beta1 = 0.899999976 : f32, beta2 = 0.999000012 : f32, beta1_pow = 0.728999972 : f32, beta2_pow = 0.997002999 : f32, epsilon = 9.99999993E-9 : f32, weight_decay = 0.00999999977 : f32, operandSegmentSizes = array<i32: 1, 1, 1, 1, 0>}> : (tensor<8x64xf32>, tensor<8x64xf32>, tensor<8x64xf32>, tensor<8x64xf32>) -> (tensor<8x64xf32>, tensor<8x64xf32>, tensor<8x64xf32>) loc("adamw")
  return %p1, %m1, %v1 : tensor<8x64xf32>, tensor<8x64xf32>, tensor<8x64xf32>
}
